#include "viz/imgui_renderer.h"

#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "viz/texture_versions.h"

namespace rnnscope {
namespace {

constexpr uint64_t kSeed = 0xcbf29ce484222325ULL;

uint64_t Bits(float a, float b) {
  const float pair[2] = {a, b};
  uint64_t word = 0;
  std::memcpy(&word, pair, sizeof(word));
  return word;
}

GLuint TextureOf(const ImDrawCmd& cmd) {
  return static_cast<GLuint>(reinterpret_cast<intptr_t>(cmd.TextureId));
}

}  // namespace

void ImGuiRenderer::Target::Resize(int w, int h) {
  if (w == width && h == height && fbo != 0) return;
  if (texture == 0) glGenTextures(1, &texture);
  glBindTexture(GL_TEXTURE_2D, texture);
  // The window's own byte order. On llvmpipe the copy to the window costs ~2 ms at 1280×800
  // (4 ms with the trainer on the other core) whichever order, hence drawing into the back
  // buffer itself where it survives a swap.
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_BGRA, GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glBindTexture(GL_TEXTURE_2D, 0);
  if (fbo == 0) {
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
  }
  width = w;
  height = h;
}

void ImGuiRenderer::Target::Release() {
  if (fbo != 0) glDeleteFramebuffers(1, &fbo);
  if (texture != 0) glDeleteTextures(1, &texture);
  fbo = texture = 0;
  width = height = 0;
}

ImGuiRenderer::ImGuiRenderer(bool back_buffer_survives_swap)
    : program_("imgui"), draw_to_back_buffer_(back_buffer_survives_swap) {
  projection_uniform_ = program_.Uniform("u_projection");
  texture_uniform_ = program_.Uniform("u_texture");
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_);
  glGenBuffers(1, &ibo_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, ibo_);  // part of the VAO's state
  glEnableVertexAttribArray(0);
  glEnableVertexAttribArray(1);
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert),
                        reinterpret_cast<const void*>(offsetof(ImDrawVert, pos)));
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert),
                        reinterpret_cast<const void*>(offsetof(ImDrawVert, uv)));
  glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(ImDrawVert),
                        reinterpret_cast<const void*>(offsetof(ImDrawVert, col)));
  glBindVertexArray(0);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

ImGuiRenderer::~ImGuiRenderer() {
  cache_.Release();
  check_.Release();
  glDeleteBuffers(1, &vbo_);
  glDeleteBuffers(1, &ibo_);
  glDeleteVertexArrays(1, &vao_);
}

void ImGuiRenderer::Collect(const ImDrawData& data, int fb_width, int fb_height) {
  tracker_.BeginFrame(fb_width, fb_height);
  commands_.clear();
  triangles_.clear();
  const ImVec2 off = data.DisplayPos, scale = data.FramebufferScale;
  uint32_t list_vertex_base = 0;
  for (int l = 0; l < data.CmdListsCount; ++l) {
    const ImDrawList& list = *data.CmdLists[l];
    // Each vertex once: position, texture coordinate and colour decide its pixels.
    vertex_hashes_.resize(static_cast<std::size_t>(list.VtxBuffer.Size));
    for (int v = 0; v < list.VtxBuffer.Size; ++v) {
      const ImDrawVert& vert = list.VtxBuffer[v];
      vertex_hashes_[static_cast<std::size_t>(v)] =
          HashMix(HashMix(HashMix(kSeed, Bits(vert.pos.x, vert.pos.y)), Bits(vert.uv.x, vert.uv.y)), vert.col);
    }
    for (const ImDrawCmd& cmd : list.CmdBuffer) {
      if (cmd.UserCallback != nullptr || cmd.ElemCount == 0) continue;
      // The clip rectangle in framebuffer pixels, then rounded exactly as ImGui's backend
      // rounds it into a scissor box (GL counts y from the bottom).
      const float cx0 = (cmd.ClipRect.x - off.x) * scale.x, cy0 = (cmd.ClipRect.y - off.y) * scale.y;
      const float cx1 = (cmd.ClipRect.z - off.x) * scale.x, cy1 = (cmd.ClipRect.w - off.y) * scale.y;
      if (cx1 <= cx0 || cy1 <= cy0) continue;
      Command command;
      command.texture = TextureOf(cmd);
      command.x0 = static_cast<int>(cx0);
      command.y0 = static_cast<int>(static_cast<float>(fb_height) - cy1);
      command.x1 = command.x0 + static_cast<int>(cx1 - cx0);
      command.y1 = command.y0 + static_cast<int>(cy1 - cy0);
      command.vertex_base = list_vertex_base + cmd.VtxOffset;
      const uint32_t command_index = static_cast<uint32_t>(commands_.size());
      commands_.push_back(command);
      const uint64_t command_hash =
          HashMix(HashMix(HashMix(HashMix(kSeed, command.texture), TextureVersion(command.texture)),
                          Bits(cx0, cy0)), Bits(cx1, cy1));
      const ImDrawIdx* idx = list.IdxBuffer.Data + cmd.IdxOffset;
      for (unsigned int i = 0; i + 2 < cmd.ElemCount; i += 3) {
        const std::size_t a = idx[i] + cmd.VtxOffset, b = idx[i + 1] + cmd.VtxOffset, c = idx[i + 2] + cmd.VtxOffset;
        const ImVec2 pa = list.VtxBuffer.Data[a].pos, pb = list.VtxBuffer.Data[b].pos, pc = list.VtxBuffer.Data[c].pos;
        const float x0 = std::max((std::min({pa.x, pb.x, pc.x}) - off.x) * scale.x, cx0);
        const float y0 = std::max((std::min({pa.y, pb.y, pc.y}) - off.y) * scale.y, cy0);
        const float x1 = std::min((std::max({pa.x, pb.x, pc.x}) - off.x) * scale.x, cx1);
        const float y1 = std::min((std::max({pa.y, pb.y, pc.y}) - off.y) * scale.y, cy1);
        const uint64_t content = HashMix(HashMix(HashMix(command_hash, vertex_hashes_[a]), vertex_hashes_[b]), vertex_hashes_[c]);
        const DamageTracker::TileSpan tiles = tracker_.AddTriangle(x0, y0, x1, y1, content);
        if (!tiles.empty()) triangles_.push_back({idx + i, command_index, tiles});
      }
    }
    list_vertex_base += static_cast<uint32_t>(list.VtxBuffer.Size);
  }
}

void ImGuiRenderer::Prepare(const ImDrawData& data, const std::vector<DamageRect>& rects) {
  rect_indices_.resize(rects.size());
  rect_runs_.resize(rects.size());
  for (std::size_t r = 0; r < rects.size(); ++r) {
    rect_indices_[r].clear();
    rect_runs_[r].clear();
  }
  // Each triangle goes to every rectangle it reaches (rectangles do not overlap, so a pixel is
  // drawn once), in draw order.
  const std::vector<int> owners = tracker_.TileOwners(rects);
  const auto tiles_x = static_cast<std::size_t>(tracker_.tiles_x());
  std::vector<int>& reached = reached_;
  for (const Triangle& t : triangles_) {
    reached.clear();
    for (int ty = t.tiles.y0; ty <= t.tiles.y1; ++ty) {
      for (int tx = t.tiles.x0; tx <= t.tiles.x1; ++tx) {
        const int r = owners[static_cast<std::size_t>(ty) * tiles_x + static_cast<std::size_t>(tx)];
        if (r >= 0 && std::find(reached.begin(), reached.end(), r) == reached.end()) reached.push_back(r);
      }
    }
    const uint32_t base = commands_[t.command].vertex_base;
    for (const int r : reached) {
      std::vector<Run>& runs = rect_runs_[static_cast<std::size_t>(r)];
      std::vector<uint32_t>& indices = rect_indices_[static_cast<std::size_t>(r)];
      if (runs.empty() || runs.back().command != t.command) runs.push_back({t.command, static_cast<uint32_t>(indices.size()), 0});
      indices.insert(indices.end(), {base + t.indices[0], base + t.indices[1], base + t.indices[2]});
      runs.back().count += 3;
    }
  }

  std::size_t vertex_count = 0, index_count = 0;
  for (int l = 0; l < data.CmdListsCount; ++l) vertex_count += static_cast<std::size_t>(data.CmdLists[l]->VtxBuffer.Size);
  rect_index_base_.assign(rects.size(), 0);
  for (std::size_t r = 0; r < rects.size(); ++r) {
    rect_index_base_[r] = static_cast<uint32_t>(index_count);
    index_count += rect_indices_[r].size();
  }
  glBindBuffer(GL_ARRAY_BUFFER, vbo_);
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(vertex_count * sizeof(ImDrawVert)), nullptr, GL_STREAM_DRAW);
  std::size_t at = 0;
  for (int l = 0; l < data.CmdListsCount; ++l) {
    const ImDrawList& list = *data.CmdLists[l];
    const std::size_t bytes = static_cast<std::size_t>(list.VtxBuffer.Size) * sizeof(ImDrawVert);
    glBufferSubData(GL_ARRAY_BUFFER, static_cast<GLintptr>(at), static_cast<GLsizeiptr>(bytes), list.VtxBuffer.Data);
    at += bytes;
  }
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glBindVertexArray(vao_);  // the element buffer binding belongs to the VAO
  glBufferData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLsizeiptr>(index_count * sizeof(uint32_t)), nullptr, GL_STREAM_DRAW);
  for (std::size_t r = 0; r < rects.size(); ++r) {
    glBufferSubData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLintptr>(rect_index_base_[r] * sizeof(uint32_t)),
                    static_cast<GLsizeiptr>(rect_indices_[r].size() * sizeof(uint32_t)), rect_indices_[r].data());
  }
  glBindVertexArray(0);
}

void ImGuiRenderer::SetupState(const ImDrawData& data, int fb_width, int fb_height) {
  // The state ImGui's own OpenGL 3 backend sets: alpha blending, no culling, depth or stencil.
  glViewport(0, 0, fb_width, fb_height);
  glEnable(GL_BLEND);
  glBlendEquation(GL_FUNC_ADD);
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
  glDisable(GL_CULL_FACE);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_STENCIL_TEST);
  glEnable(GL_SCISSOR_TEST);
  glPolygonMode(GL_FRONT_AND_BACK, GL_FILL);
  const float l = data.DisplayPos.x, r = data.DisplayPos.x + data.DisplaySize.x;
  const float t = data.DisplayPos.y, b = data.DisplayPos.y + data.DisplaySize.y;
  const float projection[16] = {2.0f / (r - l),    0.0f,              0.0f,  0.0f,  //
                                0.0f,              2.0f / (t - b),    0.0f,  0.0f,  //
                                0.0f,              0.0f,              -1.0f, 0.0f,  //
                                (r + l) / (l - r), (t + b) / (b - t), 0.0f,  1.0f};
  glUseProgram(program_.id());
  glUniform1i(texture_uniform_, 0);
  glUniformMatrix4fv(projection_uniform_, 1, GL_FALSE, projection);
  glBindSampler(0, 0);
  glActiveTexture(GL_TEXTURE0);
  glBindVertexArray(vao_);
}

void ImGuiRenderer::DrawRects(const std::vector<DamageRect>& rects, int fb_height, const float clear_rgb[3]) {
  glClearColor(clear_rgb[0], clear_rgb[1], clear_rgb[2], 1.0f);
  for (std::size_t r = 0; r < rects.size(); ++r) {
    // GL's scissor counts y from the bottom.
    const int rx0 = rects[r].x0, rx1 = rects[r].x1, ry0 = fb_height - rects[r].y1, ry1 = fb_height - rects[r].y0;
    glScissor(rx0, ry0, rx1 - rx0, ry1 - ry0);
    glClear(GL_COLOR_BUFFER_BIT);
    for (const Run& run : rect_runs_[r]) {
      const Command& c = commands_[run.command];
      const int x0 = std::max(c.x0, rx0), y0 = std::max(c.y0, ry0), x1 = std::min(c.x1, rx1), y1 = std::min(c.y1, ry1);
      if (x1 <= x0 || y1 <= y0) continue;
      glScissor(x0, y0, x1 - x0, y1 - y0);
      glBindTexture(GL_TEXTURE_2D, c.texture);
      glDrawElements(GL_TRIANGLES, static_cast<GLsizei>(run.count), GL_UNSIGNED_INT,
                     reinterpret_cast<const void*>(static_cast<uintptr_t>(rect_index_base_[r] + run.first) * sizeof(uint32_t)));
    }
  }
}

std::vector<DamageRect> ImGuiRenderer::ChooseRects(const std::vector<DamageRect>& damaged, bool allow_deferral) const {
  if (!allow_deferral || !tracker_.valid()) return damaged;
  // Rectangles that already waited a frame first (they are always drawn now), then new ones
  // smallest first (a hover or a click shows at once) while they fit the budget.
  std::vector<std::pair<int, std::size_t>> order;  // (age, index)
  for (std::size_t i = 0; i < damaged.size(); ++i) order.emplace_back(tracker_.Age(damaged[i]), i);
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return damaged[a.second].Area() < damaged[b.second].Area();
  });
  const auto budget = static_cast<int64_t>(kDeferralBudget * static_cast<double>(width_) * static_cast<double>(height_));
  std::vector<DamageRect> chosen;
  int64_t area = 0;
  for (const auto& [age, i] : order) {
    const DamageRect& rect = damaged[i];
    if (age > 0 || chosen.empty() || area + rect.Area() <= budget) {
      chosen.push_back(rect);
      area += rect.Area();
    }
  }
  return chosen;
}

RedrawStats ImGuiRenderer::Render(ImDrawData& data, const float clear_rgb[3], bool full_redraw, bool allow_deferral) {
  RedrawStats stats;
  const int fb_width = static_cast<int>(data.DisplaySize.x * data.FramebufferScale.x);
  const int fb_height = static_cast<int>(data.DisplaySize.y * data.FramebufferScale.y);
  if (fb_width <= 0 || fb_height <= 0) return stats;
  if (width_ != fb_width || height_ != fb_height) tracker_.Invalidate();
  width_ = fb_width;
  height_ = fb_height;
  if (!draw_to_back_buffer_) cache_.Resize(fb_width, fb_height);
  if (full_redraw) tracker_.Invalidate();
  Collect(data, fb_width, fb_height);
  const std::vector<DamageRect> damaged = tracker_.EndFrame();
  const std::vector<DamageRect> rects = ChooseRects(damaged, allow_deferral && !full_redraw);
  stats.deferred = static_cast<int>(damaged.size() - rects.size());
  stats.frame_pixels = static_cast<int64_t>(fb_width) * fb_height;
  for (const DamageRect& r : rects) stats.pixels += r.Area();

  if (!rects.empty()) {
    Prepare(data, rects);
    glBindFramebuffer(GL_FRAMEBUFFER, draw_to_back_buffer_ ? 0 : cache_.fbo);
    SetupState(data, fb_width, fb_height);
    DrawRects(rects, fb_height, clear_rgb);
    glBindVertexArray(0);
    glUseProgram(0);
  }
  tracker_.Commit(rects);
  glDisable(GL_SCISSOR_TEST);
  if (!draw_to_back_buffer_) {
    // A GPU driver's back buffer is undefined after a swap: copy the whole cached frame in.
    glBindFramebuffer(GL_READ_FRAMEBUFFER, cache_.fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
    glBlitFramebuffer(0, 0, fb_width, fb_height, 0, 0, fb_width, fb_height, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  }
  glBindFramebuffer(GL_FRAMEBUFFER, 0);

  for (int l = 0; l < data.CmdListsCount; ++l) {
    const ImDrawList* list = data.CmdLists[l];
    for (const ImDrawCmd& cmd : list->CmdBuffer) {
      if (cmd.UserCallback != nullptr && cmd.UserCallback != ImDrawCallback_ResetRenderState) cmd.UserCallback(list, &cmd);
    }
  }
  return stats;
}

std::vector<uint8_t> ImGuiRenderer::ReadPixels(GLuint fbo) const {
  std::vector<uint8_t> rgb(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_) * 3);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, fbo);
  glReadBuffer(fbo == 0 ? GL_BACK : GL_COLOR_ATTACHMENT0);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width_, height_, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  return rgb;
}

int64_t ImGuiRenderer::CountPixelsDifferingFromStockBackend(ImDrawData& data, const float clear_rgb[3]) {
  const int fb_width = width_, fb_height = height_;
  if (fb_width <= 0 || fb_height <= 0) return 0;
  const std::vector<uint8_t> ours = ReadPixels(draw_to_back_buffer_ ? 0 : cache_.fbo);
  // The stock frame goes into a target of the same format as ours: blending rounds differently
  // into the window's buffer than into a texture (±1 in a channel, on a few hundred pixels).
  // Drawn into the back buffer it replaces our frame there, which is the same frame when the
  // check passes.
  GLuint target = 0;
  if (!draw_to_back_buffer_) {
    check_.Resize(fb_width, fb_height);
    target = check_.fbo;
  }
  glBindFramebuffer(GL_FRAMEBUFFER, target);
  glDisable(GL_SCISSOR_TEST);
  glViewport(0, 0, fb_width, fb_height);
  glClearColor(clear_rgb[0], clear_rgb[1], clear_rgb[2], 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  // Draw callbacks must not run twice: hide them from the stock backend for this pass.
  std::vector<std::pair<ImDrawCmd*, ImDrawCallback>> hidden;
  for (int l = 0; l < data.CmdListsCount; ++l) {
    for (ImDrawCmd& cmd : data.CmdLists[l]->CmdBuffer) {
      if (cmd.UserCallback != nullptr && cmd.UserCallback != ImDrawCallback_ResetRenderState) {
        hidden.emplace_back(&cmd, cmd.UserCallback);
        cmd.UserCallback = ImDrawCallback_ResetRenderState;
      }
    }
  }
  ImGui_ImplOpenGL3_RenderDrawData(&data);
  for (auto& [cmd, callback] : hidden) cmd->UserCallback = callback;
  glDisable(GL_SCISSOR_TEST);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  const std::vector<uint8_t> stock = ReadPixels(target);
  int64_t differing = 0;
  for (std::size_t i = 0; i < ours.size(); i += 3) {
    differing += ours[i] != stock[i] || ours[i + 1] != stock[i + 1] || ours[i + 2] != stock[i + 2];
  }
  return differing;
}

}  // namespace rnnscope
