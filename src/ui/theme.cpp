#include "ui/theme.h"

#include <imgui.h>

namespace rnnscope {

void ApplyTheme(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowPadding = {8, 8};
  style.FramePadding = {6, 3};
  style.ItemSpacing = {8, 5};
  style.ItemInnerSpacing = {5, 4};
  style.WindowRounding = 0.0f;  // tiled panels meet edge to edge
  style.FrameRounding = 3.0f;
  style.GrabRounding = 3.0f;
  style.PopupRounding = 3.0f;
  style.ScrollbarRounding = 3.0f;
  style.TabRounding = 3.0f;
  style.WindowBorderSize = 1.0f;
  style.FrameBorderSize = 0.0f;
  style.WindowTitleAlign = {0.0f, 0.5f};
  style.ScrollbarSize = 12.0f;

  const ImVec4 bg = {0.105f, 0.110f, 0.120f, 1.0f};
  const ImVec4 panel = {kPanelColor[0], kPanelColor[1], kPanelColor[2], 1.0f};
  const ImVec4 frame = {0.190f, 0.200f, 0.220f, 1.0f};
  const ImVec4 accent = {0.26f, 0.55f, 0.90f, 1.0f};
  ImVec4* c = style.Colors;
  c[ImGuiCol_Text] = {0.90f, 0.91f, 0.93f, 1.0f};
  c[ImGuiCol_TextDisabled] = {0.56f, 0.58f, 0.62f, 1.0f};
  // Panels are transparent over a frame cleared to kPanelColor (panel_registry.cpp
  // NeedsBackground says why and when a panel still draws its own).
  c[ImGuiCol_WindowBg] = {panel.x, panel.y, panel.z, 0.0f};
  c[ImGuiCol_ChildBg] = {panel.x, panel.y, panel.z, 0.0f};
  c[ImGuiCol_PopupBg] = {0.10f, 0.105f, 0.115f, 0.97f};
  c[ImGuiCol_MenuBarBg] = bg;
  c[ImGuiCol_Border] = {0.26f, 0.27f, 0.30f, 1.0f};
  c[ImGuiCol_FrameBg] = frame;
  c[ImGuiCol_FrameBgHovered] = {0.24f, 0.26f, 0.29f, 1.0f};
  c[ImGuiCol_FrameBgActive] = {0.28f, 0.30f, 0.34f, 1.0f};
  c[ImGuiCol_TitleBg] = bg;
  c[ImGuiCol_TitleBgActive] = {0.14f, 0.20f, 0.30f, 1.0f};
  c[ImGuiCol_TitleBgCollapsed] = bg;
  c[ImGuiCol_CheckMark] = accent;
  c[ImGuiCol_SliderGrab] = accent;
  c[ImGuiCol_SliderGrabActive] = {0.36f, 0.64f, 0.98f, 1.0f};
  c[ImGuiCol_Button] = {0.22f, 0.24f, 0.27f, 1.0f};
  c[ImGuiCol_ButtonHovered] = {0.26f, 0.40f, 0.60f, 1.0f};
  c[ImGuiCol_ButtonActive] = accent;
  c[ImGuiCol_Header] = {0.22f, 0.30f, 0.42f, 1.0f};
  c[ImGuiCol_HeaderHovered] = {0.26f, 0.40f, 0.60f, 1.0f};
  c[ImGuiCol_HeaderActive] = accent;
  c[ImGuiCol_Separator] = {0.26f, 0.27f, 0.30f, 1.0f};
  c[ImGuiCol_TableRowBgAlt] = {1.0f, 1.0f, 1.0f, 0.03f};
  c[ImGuiCol_ModalWindowDimBg] = {0.0f, 0.0f, 0.0f, 0.55f};
  style.ScaleAllSizes(scale);
}

}  // namespace rnnscope
