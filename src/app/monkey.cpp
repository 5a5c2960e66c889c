#include "app/monkey.h"

#include <GLFW/glfw3.h>  // ImGui 1.86's backend indexes io.KeysDown by GLFW key code

namespace rnnscope {

ImVec2 Monkey::RandomPoint() {
  const float x = rng_.UniformFloat() * display_.x;
  // One click in three lands on the menu bar row (menus, then their items below it).
  if (rng_.UniformInt(3) == 0) return {x, rng_.UniformFloat() * 18.0f};
  return {x, rng_.UniformFloat() * display_.y};
}

void Monkey::Inject(ImGuiIO& io) {
  ++frame_;
  io.MousePos = pos_;
  if (held_key_ >= 0) {  // a key press lasts one frame, like a tap
    io.KeysDown[held_key_] = false;
    held_key_ = -1;
  }
  if (release_next_) {
    io.MouseDown[0] = io.MouseDown[1] = false;
    release_next_ = false;
    return;
  }
  if (drag_frames_left_ > 0) {
    pos_ = {pos_.x + drag_step_.x, pos_.y + drag_step_.y};
    io.MousePos = pos_;
    io.MouseDown[0] = --drag_frames_left_ > 0;
    return;
  }
  io.MouseDown[0] = io.MouseDown[1] = false;
  // Half the frames are idle so hovers, popups and the trainer get time between events.
  const uint64_t kind = rng_.UniformInt(20);
  if (kind >= 10) return;
  ++events_;
  switch (kind) {
    case 0: case 1: case 2: case 3:  // click (left; sometimes right for context menus)
      pos_ = RandomPoint();
      io.MousePos = pos_;
      io.MouseDown[rng_.UniformInt(6) == 0 ? 1 : 0] = true;
      release_next_ = true;
      break;
    case 4:  // double click: ImGui sees two presses within its double-click time
      pos_ = RandomPoint();
      io.MousePos = pos_;
      io.MouseDown[0] = true;
      release_next_ = true;
      break;
    case 5:  // drag: press here, move for a few frames, release
      pos_ = RandomPoint();
      io.MousePos = pos_;
      io.MouseDown[0] = true;
      drag_frames_left_ = 2 + static_cast<int>(rng_.UniformInt(10));
      drag_step_ = {static_cast<float>(rng_.Uniform(-30.0, 30.0)), static_cast<float>(rng_.Uniform(-30.0, 30.0))};
      break;
    case 6:  // move (hover tooltips)
      pos_ = RandomPoint();
      io.MousePos = pos_;
      break;
    case 7:  // wheel
      io.MouseWheel += static_cast<float>(rng_.Uniform(-3.0, 3.0));
      break;
    case 8: {  // typed text, some of it not ASCII
      static const unsigned kChars[] = {'0', '1', '5', '.', '-', 'a', 'z', ' ', 'e', 0x4F60, 0x597D, 0xE9};
      io.AddInputCharacter(kChars[rng_.UniformInt(sizeof(kChars) / sizeof(kChars[0]))]);
      break;
    }
    default: {  // a key press: the shortcuts (ui/shortcuts.cpp) and editing keys
      // No Space: it pauses, and the monkey wants training live (a click may still pause).
      static const int kKeys[] = {GLFW_KEY_ENTER, GLFW_KEY_ESCAPE, GLFW_KEY_TAB, GLFW_KEY_BACKSPACE,
                                  GLFW_KEY_LEFT, GLFW_KEY_RIGHT, GLFW_KEY_UP, GLFW_KEY_DOWN,
                                  GLFW_KEY_HOME, GLFW_KEY_END, GLFW_KEY_PAGE_UP, GLFW_KEY_PAGE_DOWN,
                                  GLFW_KEY_S, GLFW_KEY_R, GLFW_KEY_P, GLFW_KEY_H, GLFW_KEY_F1};
      held_key_ = kKeys[rng_.UniformInt(sizeof(kKeys) / sizeof(kKeys[0]))];
      io.KeysDown[held_key_] = true;
      break;
    }
  }
}

}  // namespace rnnscope
