#include "app/fonts.h"

#include <imgui.h>

#include <cstdlib>
#include <filesystem>

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
// pictures (␣), box drawing, geometric shapes (▶) and dingbats (❙): what our labels use.
const ImWchar* MainRanges() {
  static ImVector<ImWchar> ranges;
  if (ranges.empty()) {
    ImFontGlyphRangesBuilder builder;
    builder.AddRanges(ImGui::GetIO().Fonts->GetGlyphRangesDefault());
    static const ImWchar extra[] = {0x0100, 0x024F, 0x0370, 0x03FF, 0x2000, 0x206F, 0x2070, 0x209F,
                                    0x2190, 0x21FF, 0x2200, 0x22FF, 0x2300, 0x23FF, 0x2400, 0x243F,
                                    0x2500, 0x25FF, 0x2700, 0x27BF, 0};
    builder.AddRanges(extra);
    builder.BuildRanges(&ranges);
  }
  return ranges.Data;
}

}  // namespace

std::string LoadFonts(float size_px) {
  ImGuiIO& io = ImGui::GetIO();
  const char* main_font = nullptr;
  for (const char* path : kMainFonts) {
    if (Exists(path)) { main_font = path; break; }
  }
  if (main_font == nullptr) {
    io.Fonts->AddFontDefault();
    return "ImGui default font (DejaVu Sans not found; install fonts-dejavu-core)";
  }
  ImFontConfig config;
  config.OversampleH = 2;  // crisper small text on llvmpipe and low-DPI screens
  io.Fonts->AddFontFromFileTTF(main_font, size_px, &config, MainRanges());
  std::string description = "DejaVu Sans " + std::to_string(static_cast<int>(size_px)) + "px";
  for (const char* path : kCjkFonts) {
    if (!Exists(path)) continue;
    ImFontConfig merge;
    merge.MergeMode = true;
    merge.OversampleH = 1;  // tens of thousands of glyphs: keep the atlas small
    merge.PixelSnapH = true;
    io.Fonts->AddFontFromFileTTF(path, size_px, &merge, io.Fonts->GetGlyphRangesChineseSimplifiedCommon());
    description += std::string(" + ") + std::filesystem::path(path).filename().string();
    break;
  }
  return description;
}

}  // namespace rnnscope
