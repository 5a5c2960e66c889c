#include "ui/panel_registry.h"

#include <algorithm>

#include "train/snapshot.h"
#include "ui/open_dialogs.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

enum Slot { kControls, kLoss, kGates, kStates, kHelp, kGradients, kStepThrough, kAttention, kProbe, kSamples,
            kWeights, kBreakpoints, kInterventions, kCellFinder, kManualLstm, kTabs, kDebug, kCompare,
            kDynamics };

bool IsSeq2Seq(const Snapshot& snapshot) { return !snapshot.attention.empty(); }

}  // namespace

TabHostPanel::TabHostPanel(std::string title, std::string id, std::vector<Panel*> tabs, bool open)
    : Panel(std::move(title), std::move(id), open), tabs_(std::move(tabs)) {}

bool TabHostPanel::Has(const Panel* panel) const {
  return std::find(tabs_.begin(), tabs_.end(), panel) != tabs_.end();
}

void TabHostPanel::DrawContent(const Snapshot& snapshot, UiState& state) {
  // A task switch brings the tab that matters for it forward: attention for seq2seq, the
  // probe for the char LM. Only on a switch, so the user's own choice sticks otherwise.
  if (snapshot.version != 0 && snapshot.task != last_task_) {
    last_task_ = snapshot.task;
    const std::string want = IsSeq2Seq(snapshot) ? "attention" : "probe";
    if (select_ == nullptr) {
      for (const Panel* tab : tabs_) {
        if (tab->id() == want) select_ = tab;
      }
    }
  }
  if (!ImGui::BeginTabBar("##tabs")) return;
  for (Panel* tab : tabs_) {
    const ImGuiTabItemFlags flags = tab == select_ ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None;
    const bool open = ImGui::BeginTabItem(tab->title().c_str(), nullptr, flags);
    ImGui::PushID(tab->id().c_str());  // one menu per tab: closed tabs share the host's ID stack
    tab->ExportContextMenu(snapshot, state);  // right-click on the tab, like a window's title bar
    ImGui::PopID();
    if (open) {
      current_ = tab;
      ImGui::BeginChild(tab->id().c_str(), {0, 0}, false);
      tab->RecordRect();
      tab->DrawContent(snapshot, state);
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
  }
  select_ = nullptr;
  ImGui::EndTabBar();
}

PanelRegistry::PanelRegistry() {
  // Order = Slot order (the layout indexes by it) and the order of the View menu.
  panels_.push_back(MakeControlsPanel());
  panels_.push_back(MakeLossPanel());
  panels_.push_back(MakeGatesPanel());
  panels_.push_back(MakeStatesPanel());
  panels_.push_back(MakeHelpPanel());
  panels_.push_back(MakeGradientsPanel());
  panels_.push_back(MakeStepThroughPanel());
  panels_.push_back(MakeAttentionPanel());
  panels_.push_back(MakeProbePanel());
  panels_.push_back(MakeSamplesPanel());
  panels_.push_back(MakeWeightsPanel());
  panels_.push_back(MakeBreakpointsPanel());
  panels_.push_back(MakeInterventionsPanel());
  panels_.push_back(MakeCellFinderPanel());
  panels_.push_back(MakeManualLstmPanel());
  auto tabs = std::make_unique<TabHostPanel>(
      "Inspect", "inspect",
      std::vector<Panel*>{panels_[kAttention].get(), panels_[kProbe].get(), panels_[kSamples].get(), panels_[kWeights].get()});
  tabs_ = tabs.get();
  panels_.push_back(std::move(tabs));
  // Closed until asked for (View menu, --show) or until a breakpoint fires: the default tiling
  // stays the training views.
  auto debug = std::make_unique<TabHostPanel>(
      "Debug", "debug",
      std::vector<Panel*>{panels_[kBreakpoints].get(), panels_[kInterventions].get(), panels_[kCellFinder].get(),
                          panels_[kManualLstm].get()},
      false);
  debug_ = debug.get();
  panels_.push_back(std::move(debug));
  panels_.push_back(MakeComparePanel());
  panels_.push_back(MakeDynamicsPanel());
}

TabHostPanel* PanelRegistry::HostOf(const Panel* panel) const {
  if (tabs_->Has(panel)) return tabs_;
  if (debug_->Has(panel)) return debug_;
  return nullptr;
}

bool PanelRegistry::Show(const std::string& id) {
  for (auto& panel : panels_) {
    if (panel->id() != id) continue;
    if (TabHostPanel* host = HostOf(panel.get())) {
      host->Select(panel.get());
      host->open() = true;
      host->RequestFocus();
    } else {
      panel->open() = true;
      panel->RequestFocus();
    }
    return true;
  }
  return false;
}

Panel* PanelRegistry::Find(const std::string& id) {
  for (auto& panel : panels_) {
    if (panel->id() == id) return panel.get();
  }
  return nullptr;
}

std::vector<std::string> PanelRegistry::Ids() const {
  std::vector<std::string> ids;
  for (const auto& panel : panels_) ids.push_back(panel->id());
  return ids;
}

void PanelRegistry::Layout(ImVec2 pos, ImVec2 size, bool force) {
  // Controls on the left. Top row: loss, gradient flow, states (the training-health row).
  // Bottom row: gates, the step-through and the tabbed views. For seq2seq the tabs (attention)
  // take the gates' room, since the attention matrix is the view that task is about.
  const float controls_w = std::round(std::clamp(size.x * 0.22f, 270.0f, 360.0f));
  const float x = pos.x + controls_w, w = size.x - controls_w;
  const float top_h = std::round(size.y * 0.40f), bottom_h = size.y - top_h, y2 = pos.y + top_h;
  const float loss_w = std::round(w * 0.30f), grad_w = std::round(w * 0.35f);
  panels_[kControls]->PlaceAt(pos, {controls_w, size.y}, force);
  panels_[kLoss]->PlaceAt({x, pos.y}, {loss_w, top_h}, force);
  panels_[kGradients]->PlaceAt({x + loss_w, pos.y}, {grad_w, top_h}, force);
  panels_[kStates]->PlaceAt({x + loss_w + grad_w, pos.y}, {w - loss_w - grad_w, top_h}, force);
  const float step_w = std::round(w * 0.31f);
  const float tabs_w = std::round(w * (seq2seq_layout_ ? 0.45f : 0.33f));
  const float gates_w = w - step_w - tabs_w;
  if (seq2seq_layout_) {
    panels_[kTabs]->PlaceAt({x, y2}, {tabs_w, bottom_h}, force);
    panels_[kStepThrough]->PlaceAt({x + tabs_w, y2}, {step_w, bottom_h}, force);
    panels_[kGates]->PlaceAt({x + tabs_w + step_w, y2}, {gates_w, bottom_h}, force);
  } else {
    panels_[kGates]->PlaceAt({x, y2}, {gates_w, bottom_h}, force);
    panels_[kStepThrough]->PlaceAt({x + gates_w, y2}, {step_w, bottom_h}, force);
    panels_[kTabs]->PlaceAt({x + gates_w + step_w, y2}, {tabs_w, bottom_h}, force);
  }
  // The debugger takes the gates' and step-through's tiles when opened (its tables and text need
  // more width than one tile offers) and leaves the tabbed views, seq2seq's attention, visible.
  panels_[kDebug]->PlaceAt({seq2seq_layout_ ? x + tabs_w : x, y2}, {w - tabs_w, bottom_h}, force);
  // Side-by-side runs need the width of the whole bottom row: one column per run.
  panels_[kCompare]->PlaceAt({x, y2}, {w, bottom_h}, force);
  // The dynamics views (three plots side by side) take the same whole bottom row.
  panels_[kDynamics]->PlaceAt({x, y2}, {w, bottom_h}, force);
  const ImVec2 help = {std::min(560.0f, size.x - 40.0f), std::min(440.0f, size.y - 40.0f)};
  panels_[kHelp]->PlaceAt({pos.x + (size.x - help.x) * 0.5f, pos.y + (size.y - help.y) * 0.5f},
                          help, force);
}

void PanelRegistry::DrawFileMenu(const Snapshot& snapshot, UiState& state) {
  if (!ImGui::BeginMenu("File")) return;
  // A trainer whose model failed to build still publishes (its error): nothing to save then.
  const bool has_model = snapshot.has_job;
  if (ImGui::MenuItem("Open\u2026")) exporter_.AskOpen();
  if (ImGui::MenuItem("Open PyTorch model\u2026")) exporter_.Ask(ExportKind::kOpenModel, "", snapshot);
  if (ImGui::BeginMenu("Examples")) {
    DrawExamplesMenu(snapshot, state);
    ImGui::EndMenu();
  }
  ImGui::Separator();
  if (ImGui::MenuItem("Export trace (safetensors)\u2026", nullptr, false, !snapshot.layers.empty())) {
    exporter_.Ask(ExportKind::kTrace, "", snapshot);
  }
  if (ImGui::MenuItem("Export model (PyTorch state_dict)\u2026", nullptr, false, has_model)) {
    exporter_.Ask(ExportKind::kModel, "", snapshot);
  }
  if (ImGui::MenuItem("Save checkpoint\u2026", nullptr, false, has_model)) {
    exporter_.Ask(ExportKind::kCheckpoint, "", snapshot);
  }
  ImGui::Separator();
  // Every view with data, also reachable by right-clicking its title bar or tab.
  if (ImGui::BeginMenu("Export view")) {
    for (auto& panel : panels_) {
      if (panel->Floating() || panel.get() == tabs_ || panel.get() == debug_) continue;
      if (ImGui::BeginMenu(panel->title().c_str())) {
        exporter_.MenuItems(*panel, snapshot, state);
        ImGui::EndMenu();
      }
    }
    ImGui::EndMenu();
  }
  ImGui::EndMenu();
}

float PanelRegistry::DrawMenuBar(const Snapshot& snapshot, UiState& state) {
  float height = 0.0f;
  if (ImGui::BeginMainMenuBar()) {
    DrawFileMenu(snapshot, state);
    if (ImGui::BeginMenu("View")) {
      for (auto& panel : panels_) {
        if (panel->Floating() || panel.get() == tabs_ || panel.get() == debug_) continue;
        if (panel.get() == panels_[kBreakpoints].get()) ImGui::Separator();  // the debugger's tabs
        if (TabHostPanel* host = HostOf(panel.get())) {
          // A tab: choosing it brings it forward in its host window.
          const bool shown = host->open() && host->current() == panel.get();
          if (ImGui::MenuItem(panel->title().c_str(), nullptr, shown)) Show(panel->id());
        } else {
          ImGui::MenuItem(panel->title().c_str(), nullptr, &panel->open());
        }
      }
      ImGui::Separator();
      if (ImGui::MenuItem("Reset layout")) reset_requested_ = true;
      ImGui::EndMenu();
    }
    DrawCompareMenu(state);
    if (ImGui::BeginMenu("Help")) {
      ImGui::MenuItem("Keyboard shortcuts", "F1", &state.show_help);
      ImGui::EndMenu();
    }
    exporter_.DrawStatus();
    height = ImGui::GetWindowSize().y;
    ImGui::EndMainMenuBar();
  }
  return height;
}

void PanelRegistry::DrawErrorModal(const Snapshot& snapshot) {
  // A new error opens the modal once; dismissing it keeps it closed until the text changes.
  if (!snapshot.error.empty() && snapshot.error != shown_error_) {
    shown_error_ = snapshot.error;
    ImGui::OpenPopup("Trainer error");
  }
  if (ImGui::BeginPopupModal("Trainer error", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36.0f);
    ImGui::TextUnformatted(shown_error_.c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("OK", {120.0f, 0.0f})) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
}

// The tiled panels draw no background: the frame is cleared to their colour (theme.cpp), which
// saves llvmpipe — the software renderer of a machine without a GPU — a blended, textured fill of
// the whole window every frame (a 1280×800 frame went from 29 to 19 ms while training). A panel
// gets its background back when it was not drawn last frame (just opened: its place is not known
// yet) or when it overlaps another top-level panel (the user dragged it over one).
bool PanelRegistry::NeedsBackground(const Panel& panel) const {
  const int last = ImGui::GetFrameCount() - 1;
  if (panel.drawn_frame() < last) return true;
  constexpr float kSlack = 2.0f;  // tiled neighbours share an edge
  for (const auto& other : panels_) {
    if (other.get() == &panel || other->drawn_frame() < last || !other->open() ||
        HostOf(other.get()) != nullptr)
      continue;
    const bool apart = panel.rect_max().x <= other->rect_min().x + kSlack ||
                       other->rect_max().x <= panel.rect_min().x + kSlack ||
                       panel.rect_max().y <= other->rect_min().y + kSlack ||
                       other->rect_max().y <= panel.rect_min().y + kSlack;
    if (!apart) return true;
  }
  return false;
}

void PanelRegistry::DrawAll(const Snapshot& snapshot, UiState& state) {
  state.exporter = &exporter_;
  exporter_.BeginFrame();
  const float menu_h = DrawMenuBar(snapshot, state);
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const bool first = last_display_.x == 0.0f;
  const bool resized = !first && (display.x != last_display_.x || display.y != last_display_.y);
  // Switching between the char LM and a seq2seq task re-tiles once (attention gets room).
  const bool kind_changed = snapshot.version != 0 && IsSeq2Seq(snapshot) != seq2seq_layout_;
  if (kind_changed) seq2seq_layout_ = IsSeq2Seq(snapshot);
  if (first || resized || reset_requested_ || kind_changed) {
    Layout({0.0f, menu_h}, {display.x, display.y - menu_h}, resized || reset_requested_ || kind_changed);
    last_display_ = display;
    reset_requested_ = false;
  }
  // A breakpoint that fires brings its report forward once; closing it keeps it closed.
  const std::string hit = snapshot.breakpoint.empty() ? std::string()
                                                      : std::to_string(snapshot.breakpoint_hit.step) + snapshot.breakpoint;
  if (!hit.empty() && hit != shown_breakpoint_) Show("breakpoints");
  shown_breakpoint_ = hit;
  for (auto& panel : panels_) {
    if (HostOf(panel.get()) != nullptr) continue;  // tabs draw inside their host
    panel->SetOpaque(NeedsBackground(*panel));
    panel->Draw(snapshot, state);
  }
  DrawErrorModal(snapshot);
  DrawOpenChoiceDialog(snapshot, state);
  exporter_.EndFrame(snapshot, state, *this);
}

}  // namespace rnnscope
