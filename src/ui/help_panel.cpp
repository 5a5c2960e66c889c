// Help: the keyboard shortcuts (F1 or ? toggles it).
#include <imgui.h>

#include "train/snapshot.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

class HelpPanel final : public Panel {
 public:
  HelpPanel() : Panel("Help", "help", false) {}

  bool Floating() const override { return true; }
  ImGuiWindowFlags Flags() const override { return ImGuiWindowFlags_NoCollapse; }

  // show_help is the source of truth for the shortcut and the menu; the window's close
  // button writes back to it.
  void SyncOpen(UiState& state) override {
    if (open() != last_open_) state.show_help = open();  // closed with the × button
    open() = state.show_help;
    last_open_ = open();
    if (open()) ImGui::SetNextWindowFocus();
  }

  void DrawContent(const Snapshot& /*snapshot*/, UiState& /*state*/) override {
    ImGui::TextUnformatted("Keyboard shortcuts");
    ImGui::TextDisabled("(ignored while a text field has focus)");
    ImGui::Spacing();
    if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
      ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 9.0f);
      ImGui::TableSetupColumn("action", ImGuiTableColumnFlags_WidthStretch);
      static const char* kRows[][2] = {
          {"Space", "play / pause training"},
          {".", "train one batch (while paused)"},
          {"\u2190  \u2192", "move the timestep cursor"},
          {"Home  End", "first / last timestep"},
          {"\u2191  \u2193", "previous / next unit"},
          {"[  ]  PgUp  PgDn", "previous / next layer and direction"},
          {"P", "pin / unpin the selected unit"},
          {"F1  or  ?", "show / hide this help"},
      };
      for (const auto& row : kRows) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextColored({1.0f, 0.82f, 0.4f, 1.0f}, "%s", row[0]);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(row[1]);
      }
      ImGui::EndTable();
    }
    ImGui::Spacing();
    ImGui::TextUnformatted("Mouse");
    ImGui::Separator();
    ImGui::BulletText("Click a heatmap cell: set the timestep cursor and the unit.");
    ImGui::BulletText("Right-click a heatmap cell: pin / unpin that unit in States.");
    ImGui::BulletText("Hover plots and heatmaps for exact values.");
    ImGui::BulletText("View \u2192 Reset layout restores the default tiling.");
    ImGui::Spacing();
    ImGui::TextUnformatted("Debugger");
    ImGui::Separator();
    ImGui::BulletText("Under the loss plot: click or drag a checkpoint, then Replay or Branch.");
    ImGui::BulletText("View \u2192 Breakpoints, Interventions, Cell finder, Manual LSTM:\nthe Debug window (a breakpoint that fires opens it).");
  }

 private:
  bool last_open_ = false;
};

}  // namespace

std::unique_ptr<Panel> MakeHelpPanel() { return std::make_unique<HelpPanel>(); }

}  // namespace rnnscope
