// Monkey test input: seeded random mouse, wheel, key and text events, one batch per frame,
// injected into ImGuiIO after the backend's NewFrame (as --click is). The event stream depends
// only on the seed and the frame number, never on the clock, so seed + frame replays a crash.
#pragma once

#include <imgui.h>

#include <cstdint>

#include "core/rng.h"

namespace rnnscope {

class Monkey {
 public:
  Monkey(uint64_t seed, ImVec2 display) : rng_(seed), display_(display) {}
  // Injects this frame's events; call once per frame between the backend's NewFrame and
  // ImGui::NewFrame.
  void Inject(ImGuiIO& io);
  uint64_t events() const { return events_; }
  uint64_t frame() const { return frame_; }

 private:
  ImVec2 RandomPoint();  // biased towards the menu bar row, where menus open
  Rng rng_;
  ImVec2 display_;
  ImVec2 pos_{0.0f, 0.0f};
  int drag_frames_left_ = 0;  // > 0: the left button is held and the mouse moves
  ImVec2 drag_step_{0.0f, 0.0f};
  int held_key_ = -1;          // pressed last frame, released this one
  bool release_next_ = false;  // a click's release, on the frame after its press
  uint64_t events_ = 0;
  uint64_t frame_ = 0;
};

}  // namespace rnnscope
