#include "app/fonts.h"

#include <imgui_impl_opengl3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/utf8.h"
#include "viz/texture_versions.h"

namespace rnnscope {
namespace {

const char* const kMainFonts[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",  // Fedora / Arch layout
};

// Searched in order; the first that exists is merged for CJK glyphs. .ttc: face 0.
const char* const kCjkFonts[] = {
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
};

bool Exists(const char* path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// Latin, Greek (∂, Σ in labels), punctuation, arrows, maths, technical symbols (⏎), control
// pictures (␣ ␛ ␀), box drawing, geometric shapes (▶) and dingbats (❙): what our labels use.
const ImWchar kLabelRanges[] = {0x0100, 0x024F, 0x0370, 0x03FF, 0x2000, 0x206F, 0x2070, 0x209F,
                                0x2190, 0x21FF, 0x2200, 0x22FF, 0x2300, 0x23FF, 0x2400, 0x243F,
                                0x2500, 0x25FF, 0x2700, 0x27BF, 0};

// Every character in use that the base ranges may lack, as single-character ranges.
void AddWanted(const std::set<ImWchar>& wanted, ImFontGlyphRangesBuilder* builder) {
  for (ImWchar c : wanted) builder->AddChar(c);
}

int CountGlyphs(const ImFont* font, unsigned lo, unsigned hi) {
  int n = 0;
  for (const ImFontGlyph& g : font->Glyphs) n += g.Codepoint >= lo && g.Codepoint <= hi ? 1 : 0;
  return n;
}

}  // namespace

void FontAtlas::Load(float size_px) {
  size_px_ = size_px;
  for (const char* path : kMainFonts) {
    if (Exists(path)) { main_font_ = path; break; }
  }
  for (const char* path : kCjkFonts) {
    if (Exists(path)) { cjk_font_ = path; break; }
  }
  if (!main_font_.empty()) control_pictures_ = RenderControlPictures(main_font_, size_px);
  Build();
}

void FontAtlas::Build() {
  const auto start = std::chrono::steady_clock::now();
  ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  atlas->Clear();
  if (main_font_.empty()) {
    atlas->AddFontDefault();
  } else {
    ImFontGlyphRangesBuilder main;
    main.AddRanges(atlas->GetGlyphRangesDefault());
    main.AddRanges(kLabelRanges);
    AddWanted(wanted_, &main);  // Cyrillic, Hebrew, Arabic, …: DejaVu has them, ImGui skips absent ones
    main_ranges_.clear();
    main.BuildRanges(&main_ranges_);
    ImFontConfig config;
    config.OversampleH = 2;  // crisper small text on llvmpipe and low-DPI screens
    atlas->AddFontFromFileTTF(main_font_.c_str(), size_px_, &config, main_ranges_.Data);
    if (!cjk_font_.empty()) {
      ImFontGlyphRangesBuilder cjk;
      // ~2,500 common ideographs, kana, CJK punctuation and full-width forms; the rest on demand.
      cjk.AddRanges(atlas->GetGlyphRangesChineseSimplifiedCommon());
      AddWanted(wanted_, &cjk);  // merge mode never overwrites a glyph DejaVu already gave
      cjk_ranges_.clear();
      cjk.BuildRanges(&cjk_ranges_);
      ImFontConfig merge;
      merge.MergeMode = true;
      merge.OversampleH = 1;  // thousands of glyphs: keep the atlas small
      merge.PixelSnapH = true;
      atlas->AddFontFromFileTTF(cjk_font_.c_str(), size_px_, &merge, cjk_ranges_.Data);
    }
  }
  // Control pictures no installed font has (app/control_pictures.h), as custom glyphs.
  std::vector<int> rects;
  ImFont* font = atlas->Fonts.empty() ? nullptr : atlas->Fonts[0];
  for (const GlyphBitmap& g : font != nullptr && !main_font_.empty() ? control_pictures_ : std::vector<GlyphBitmap>{}) {
    rects.push_back(atlas->AddCustomRectFontGlyph(font, static_cast<ImWchar>(g.codepoint), g.width, g.height, g.advance,
                                                  {0.0f, g.offset_y}));
  }
  atlas->Build();
  if (!rects.empty()) {
    unsigned char* pixels = nullptr;
    int tex_w = 0, tex_h = 0;
    atlas->GetTexDataAsAlpha8(&pixels, &tex_w, &tex_h);  // before the backend asks for RGBA32
    for (std::size_t i = 0; i < rects.size(); ++i) {
      const ImFontAtlasCustomRect* r = atlas->GetCustomRectByIndex(rects[i]);
      const GlyphBitmap& g = control_pictures_[i];
      for (int y = 0; y < g.height; ++y)
        for (int x = 0; x < g.width; ++x)
          pixels[(r->Y + y) * tex_w + r->X + x] = g.alpha[static_cast<std::size_t>(y * g.width + x)];
    }
  }
  build_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ++builds_;
  dirty_ = false;
}

void FontAtlas::Want(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    if (DecodeUtf8At(text, &pos, &cp) != Utf8Status::kOk) {
      ++pos;  // shown as "\xNN" (core/visible_text.h): no glyph needed
      continue;
    }
    // ASCII and the control pictures are always in the atlas; ImWchar is 16-bit in Debian's
    // build, so planes 1-16 (emoji, rare ideographs) cannot be asked for.
    if (cp < 0x100 || cp > 0xFFFF) continue;
    const ImWchar c = static_cast<ImWchar>(cp);
    if (wanted_.insert(c).second) {
      const ImFont* font = ImGui::GetIO().Fonts->Fonts.empty() ? nullptr : ImGui::GetIO().Fonts->Fonts[0];
      if (font == nullptr || font->FindGlyphNoFallback(c) == nullptr) dirty_ = true;
    }
  }
}

bool FontAtlas::RebuildIfNeeded() {
  if (!dirty_) return false;
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  Build();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  // GL may hand back the same texture name: tell the damage-tracking renderer its pixels changed.
  MarkTextureChanged(static_cast<GLuint>(reinterpret_cast<intptr_t>(ImGui::GetIO().Fonts->TexID)));
  return true;
}

std::string FontAtlas::Describe() const {
  const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  const ImFont* font = atlas->Fonts.empty() ? nullptr : atlas->Fonts[0];
  std::string out = main_font_.empty() ? "ImGui default font (DejaVu Sans not found; install fonts-dejavu-core)"
                                       : "DejaVu Sans " + std::to_string(static_cast<int>(size_px_)) + "px";
  if (!cjk_font_.empty() && !main_font_.empty()) {
    out += " + " + std::filesystem::path(cjk_font_).filename().string();
  } else if (!main_font_.empty()) {
    out += " (no CJK font: install fonts-wqy-microhei or fonts-noto-cjk)";
  }
  if (font != nullptr) {
    int in_use = 0;
    for (ImWchar c : wanted_) in_use += c >= 0x4E00 && c <= 0x9FFF && font->FindGlyphNoFallback(c) ? 1 : 0;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "; CJK ideographs %d (common set + %d in use), kana %d, Hangul %d; atlas %dx%d, %d glyphs, "
                  "build %d took %.0f ms",
                  CountGlyphs(font, 0x4E00, 0x9FFF), in_use, CountGlyphs(font, 0x3040, 0x30FF),
                  CountGlyphs(font, 0xAC00, 0xD7A3) + CountGlyphs(font, 0x1100, 0x11FF), atlas->TexWidth,
                  atlas->TexHeight, font->Glyphs.Size, builds_, build_ms_);
    out += buf;
  }
  return out;
}

}  // namespace rnnscope
