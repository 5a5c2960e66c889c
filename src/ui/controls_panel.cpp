// Controls: run/pause/step/reset, model structure (applied with a RebuildCommand), optimizer
// hyperparameters (SetSettingsCommand, effective from the next step), probe text, status line.
// With side-by-side runs (docs/compare.md) a choice at the top says where run/pause/step/reset
// and setting edits go: every run (only the changed fields, over each run's own settings), or
// one run, whose settings the form then shows. Rebuild stays with the first run.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "train/settings_edit.h"
#include "train/snapshot.h"
#include "train/task_registry.h"
#include "ui/compare.h"
#include "ui/panel_registry.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

const std::vector<std::string> kTasks = TaskNames();  // the task registry (train/task_registry.h)
constexpr std::array kCells = {CellKind::kLstm, CellKind::kGru, CellKind::kRnnTanh,
                               CellKind::kRnnRelu, CellKind::kJordan};
constexpr std::array kAttention = {"none", "additive", "dot", "general"};
constexpr std::array kOptimizers = {"sgd", "momentum", "adagrad", "adam"};
constexpr std::array kClipModes = {"none", "value", "norm"};
constexpr std::array kSchedules = {"constant", "step", "plateau", "cosine"};

// A string combo over a fixed list (of const char* or std::string); returns true when the choice changed.
template <class Items>
bool StringCombo(const char* id, std::string& value, const Items& items) {
  bool changed = false;
  if (ImGui::BeginCombo(id, value.c_str())) {
    for (const auto& entry : items) {
      const std::string item(entry);
      const bool selected = value == item;
      if (ImGui::Selectable(item.c_str(), selected) && !selected) {
        value = item;
        changed = true;
      }
      if (selected) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  return changed;
}

// Label in the first column, widget filling the second.
void Row(const char* label) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
  ImGui::SetNextItemWidth(-FLT_MIN);
}

void SectionHeader(const char* text) {
  ImGui::Spacing();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
  ImGui::Separator();
}

bool BeginForm(const char* id) {
  if (!ImGui::BeginTable(id, 2, ImGuiTableFlags_SizingStretchProp)) return false;
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 6.5f);
  ImGui::TableSetupColumn("widget", ImGuiTableColumnFlags_WidthStretch);
  return true;
}

class ControlsPanel final : public Panel {
 public:
  ControlsPanel() : Panel("Controls", "controls") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    DrawScope(state);
    const Snapshot& shown = Shown(snapshot, state);
    SyncFrom(snapshot, shown);
    DrawRunButtons(shown, state);
    DrawModel(snapshot, state);
    DrawOptimizer(shown, state);
    DrawProbe(state);
    DrawStatus(snapshot, state);
  }

 private:
  // Pending edits follow the trainer until the user changes something; structural edits are
  // held until Rebuild, setting edits are sent at once and then follow the trainer again.
  // The structure follows the first run (Rebuild goes there); the settings form follows the run
  // the edits go to (the first run when they go to all).
  void SyncFrom(const Snapshot& first, const Snapshot& shown) {
    // The form follows the running model while the user is not editing it. A Rebuild just sent
    // holds the form until the new model runs (or the trainer reports an error, or 3 s pass), so
    // it does not flash back to the old model meanwhile. A different model starting to run
    // (Load, a Compare preset, a Rebuild) replaces pending edits, except mid-edit.
    if (first.version != 0) {
      const std::string line = first.running.Line();
      const bool changed = line != synced_line_;
      if (awaiting_rebuild_) {
        if (changed) {
          awaiting_rebuild_ = false;
        } else if (!first.error.empty() || ImGui::GetTime() - rebuild_sent_at_ > 3.0) {
          awaiting_rebuild_ = false;
          structure_dirty_ = !first.error.empty();  // failed: the edits stay, Rebuild again
        }
      }
      if (!awaiting_rebuild_ && !ImGui::IsAnyItemActive() && (!structure_dirty_ || changed)) {
        if (changed) structure_dirty_ = false;
        if (!structure_dirty_) form_ = FormFrom(first);
        synced_line_ = line;
      }
    }
    if (!ImGui::IsAnyItemActive()) settings_ = shown.settings;
  }

  static bool Comparing(const UiState& state) { return state.runs.size() > 1; }

  // "Apply to: all runs / one run [name]" while side-by-side runs exist.
  void DrawScope(UiState& state) {
    if (!Comparing(state)) {
      scope_ = SettingsScope::kAllRuns;
      return;
    }
    run_ = std::clamp(run_, 0, static_cast<int>(state.runs.size()) - 1);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Apply to");
    ImGui::SameLine();
    if (ImGui::RadioButton("all runs", scope_ == SettingsScope::kAllRuns)) scope_ = SettingsScope::kAllRuns;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("run/pause/step/reset and every setting you change reach all runs;\neach run keeps the settings you did not touch (e.g. its own learning rate)");
    ImGui::SameLine();
    if (ImGui::RadioButton("one run", scope_ == SettingsScope::kOneRun)) scope_ = SettingsScope::kOneRun;
    if (scope_ == SettingsScope::kOneRun) {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(-FLT_MIN);
      const CompareRun& current = state.runs[static_cast<std::size_t>(run_)];
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(RunColor(static_cast<std::size_t>(run_))));
      const bool open = ImGui::BeginCombo("##run", current.name.c_str());
      ImGui::PopStyleColor();
      if (open) {
        for (std::size_t i = 0; i < state.runs.size(); ++i) {
          ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(RunColor(i)));
          if (ImGui::Selectable(state.runs[i].name.c_str(), static_cast<int>(i) == run_)) run_ = static_cast<int>(i);
          ImGui::PopStyleColor();
        }
        ImGui::EndCombo();
      }
    }
    char note[96];
    std::snprintf(note, sizeof note, "controls runs=%zu scope=%s run=%d", state.runs.size(),
                  scope_ == SettingsScope::kAllRuns ? "all" : "one", run_);
    state.NoteDrawn(note);
  }

  // The snapshot whose settings and run state the form shows.
  const Snapshot& Shown(const Snapshot& first, const UiState& state) const {
    if (!Comparing(state) || scope_ == SettingsScope::kAllRuns) return first;
    const CompareRun& run = state.runs[static_cast<std::size_t>(run_)];
    return run.latest ? *run.latest : first;
  }

  // Where run/pause/step/reset go: the first run alone, every run, or the chosen one.
  std::vector<TrainerLink*> Targets(const UiState& state) const {
    if (!Comparing(state)) return {state.trainer};
    std::vector<TrainerLink*> links;
    for (std::size_t i = 0; i < state.runs.size(); ++i) {
      if (scope_ == SettingsScope::kOneRun && static_cast<int>(i) != run_) continue;
      links.push_back(i == 0 ? state.trainer : state.runs[i].link);
    }
    return links;
  }

  void SendToTargets(const UiState& state, const Command& command) const {
    for (TrainerLink* link : Targets(state))
      if (link != nullptr) link->Send(command);
  }

  void DrawRunButtons(const Snapshot& snapshot, UiState& state) {
    const float w = (ImGui::GetContentRegionAvail().x - 2 * ImGui::GetStyle().ItemSpacing.x) / 3.0f;
    if (ImGui::Button(snapshot.paused ? "\u25B6 Run" : "\u2759\u2759 Pause", {w, 0})) {
      SendToTargets(state, PauseCommand{!snapshot.paused});
    }
    ImGui::SameLine();
    if (ImGui::Button("Step", {w, 0})) SendToTargets(state, StepCommand{1});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Train one batch (.)");
    ImGui::SameLine();
    if (ImGui::Button("Reset", {w, 0})) SendToTargets(state, ResetCommand{});
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Re-initialise the weights from the seed");
  }

  // The Model form shows what runs (snapshot.running, as the job built it) until the user edits
  // a field; the edits are then held until Rebuild (or Revert) and sent whole, so a Rebuild
  // keeps every field the user did not touch at its running value.
  void DrawModel(const Snapshot& snapshot, UiState& state) {
    SectionHeader(Comparing(state) ? "Model  (first run, on Rebuild)" : "Model  (applied on Rebuild)");
    const RunningModel& running = snapshot.running;
    if (snapshot.version != 0) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextUnformatted(("running: " + running.Line()).c_str());
      ImGui::PopTextWrapPos();
      ImGui::PopStyleColor();
      // An imported PyTorch model: how its names were read, as grad/trace print it.
      if (!running.imported_from.empty()) {
        // SourceLayoutLabel already names the file: "word_language_model (as model.pt), tied".
        const std::string label = running.source_layout.empty()
                                      ? std::filesystem::path(running.imported_from).filename().string()
                                      : running.source_layout;
        if (ImGui::TreeNode("import", "PyTorch names: %s", label.c_str())) {
          if (running.import_report.empty())
            ImGui::TextDisabled("(reopened from a checkpoint: layout kept, matching report not)");
          for (const std::string& line : running.import_report) {
            ImGui::Bullet();
            ImGui::TextWrapped("%s", line.c_str());  // long tensor names wrap in a narrow panel
          }
          ImGui::TreePop();
        }
      }
    }
    const bool seq2seq = IsSeq2Seq(form_.task, running);
    if (BeginForm("model")) {
      Row("Task");
      structure_dirty_ |= StringCombo("##task", form_.task, kTasks);
      Row("Cell");
      if (ImGui::BeginCombo("##cell", std::string(CellName(form_.cell)).c_str())) {
        for (CellKind kind : kCells) {
          if (ImGui::Selectable(std::string(CellName(kind)).c_str(), kind == form_.cell) &&
              kind != form_.cell) {
            form_.cell = kind;
            structure_dirty_ = true;
          }
        }
        ImGui::EndCombo();
      }
      Row("Hidden");
      structure_dirty_ |= ImGui::SliderInt("##hidden", &form_.hidden, 4, 1024, "%d",
                                           ImGuiSliderFlags_Logarithmic);
      Row("Layers");
      structure_dirty_ |= ImGui::SliderInt("##layers", &form_.layers, 1, 4);
      Row("Embed");
      structure_dirty_ |= ImGui::SliderInt("##embed", &form_.embed, 0, 512,
                                           form_.embed == 0 ? "one-hot" : "%d");
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("embedding width; 0 = one-hot input");
      Row(seq2seq ? "Bidir. encoder" : "Bidirectional");
      structure_dirty_ |= ImGui::Checkbox("##bidir", &form_.bidirectional);
      Row("Attention");
      ImGui::BeginDisabled(!seq2seq);
      if (seq2seq) {
        structure_dirty_ |= StringCombo("##attention", form_.attention, kAttention);
      } else {
        std::string none = "n/a";
        StringCombo("##attention", none, std::array<const char*, 0>{});
      }
      ImGui::EndDisabled();
      if (!seq2seq && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
        ImGui::SetTooltip("seq2seq tasks only (the decoder attends over the encoder)");
      }
      ImGui::EndTable();
    }
    const float w = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) * 0.5f;
    // One bool decides both the push and the pop: the click below clears structure_dirty_.
    const bool highlight = structure_dirty_;
    ImGui::BeginDisabled(!highlight);
    if (highlight) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.85f, 0.50f, 0.15f, 0.75f));
    if (ImGui::Button("Rebuild", {w, 0})) {
      state.Send(MakeRebuild(snapshot));
      structure_dirty_ = false;
      awaiting_rebuild_ = true;
      rebuild_sent_at_ = ImGui::GetTime();
    }
    if (highlight) ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::Button("Revert", {w, 0})) {
      structure_dirty_ = false;
      form_ = FormFrom(snapshot);
    }
    ImGui::EndDisabled();
    char note[160];
    std::snprintf(note, sizeof note, "controls model task=%s cell=%s hidden=%d layers=%d embed=%d bidir=%d attention=%s dirty=%d",
                  form_.task.c_str(), std::string(CellName(form_.cell)).c_str(), form_.hidden, form_.layers,
                  form_.embed, form_.bidirectional ? 1 : 0, seq2seq ? form_.attention.c_str() : "n/a",
                  structure_dirty_ ? 1 : 0);
    state.NoteDrawn(note);
  }

  // What the form edits, as plain values: the running model's, or the user's pending edits.
  struct ModelForm {
    std::string task = "charlm";
    CellKind cell = CellKind::kLstm;
    int hidden = 64, layers = 1, embed = 0;
    bool bidirectional = false;
    std::string attention = "additive";
  };

  static ModelForm FormFrom(const Snapshot& snapshot) {
    const RunningModel& r = snapshot.running;
    ModelForm f;
    f.task = r.task;
    f.cell = r.cell;
    f.hidden = r.hidden > 0 ? r.hidden : snapshot.config.hidden;
    f.layers = std::max(1, r.layers);
    f.embed = r.embed;
    f.bidirectional = r.bidirectional;
    // A task that is not seq2seq keeps the last attention choice for a switch to one.
    f.attention = r.seq2seq && !r.attention.empty() ? r.attention : "additive";
    return f;
  }

  // Seq2seq or not: the running model knows for its own task; for another, the task registry.
  static bool IsSeq2Seq(const std::string& task, const RunningModel& running) {
    if (task == running.task) return running.seq2seq;
    const TaskInfo* info = FindTask(task);
    return info != nullptr && info->structure == TaskStructure::kSeq2Seq;
  }

  RebuildCommand MakeRebuild(const Snapshot& snapshot) const {
    RebuildCommand c;
    c.task = form_.task;
    c.model = snapshot.config;  // vocab (the task decides it on rebuild) and peephole as running
    c.model.cell = form_.cell;
    c.model.hidden = form_.hidden;
    c.model.layers = form_.layers;
    c.model.embed = form_.embed;
    c.model.bidirectional = form_.bidirectional;
    c.model.peephole = snapshot.running.peephole && form_.cell == CellKind::kLstm;
    c.settings = settings_;
    c.attention = form_.attention;
    return c;
  }

  void DrawOptimizer(const Snapshot& shown, UiState& state) {
    SectionHeader(!Comparing(state)                    ? "Optimizer  (applied next step)"
                  : scope_ == SettingsScope::kAllRuns ? "Optimizer  (changes go to all runs)"
                                                       : "Optimizer  (this run only)");
    bool send = false;
    if (BeginForm("optimizer")) {
      Row("Optimizer");
      send |= StringCombo("##opt", settings_.optimizer, kOptimizers);
      Row("Learning rate");
      ImGui::SliderFloat("##lr", &settings_.learning_rate, 1e-5f, 1.0f, "%.1e",
                         ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      send |= DrawSchedule(shown);
      if (settings_.optimizer == "momentum" || settings_.optimizer == "adam") {
        Row(settings_.optimizer == "adam" ? "Beta1" : "Momentum");
        ImGui::SliderFloat("##momentum", &settings_.momentum, 0.0f, 0.999f, "%.3f");
        send |= ImGui::IsItemDeactivatedAfterEdit();
      }
      Row("Clip");
      send |= StringCombo("##clip", settings_.clip_mode, kClipModes);
      if (settings_.clip_mode != "none") {
        Row(settings_.clip_mode == "norm" ? "Max norm" : "Max |g|");
        ImGui::SliderFloat("##clipv", &settings_.clip, 0.01f, 100.0f, "%.3g",
                           ImGuiSliderFlags_Logarithmic);
        send |= ImGui::IsItemDeactivatedAfterEdit();
      }
      Row("Batch");
      ImGui::SliderInt("##batch", &settings_.batch, 1, 512, "%d", ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      // The rest only where the running task reads them (train/task_registry.h SettingsUsedBy):
      // a slider that changes nothing would say otherwise.
      const SettingsUsed used = SettingsUsedBy(shown.running.task);
      Row("Seq length");
      if (used.seq_len) {
        ImGui::SliderInt("##seq", &settings_.seq_len, 4, 512, "%d", ImGuiSliderFlags_Logarithmic);
        send |= ImGui::IsItemDeactivatedAfterEdit();
        Row("Carry state");
        send |= ImGui::Checkbox("##sequential", &settings_.sequential);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("truncated BPTT: each chunk starts from the state the previous one ended in");
      } else {
        ImGui::TextDisabled("per example");
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("each example is trained at its own length");
      }
      if (used.teacher_forcing) {
        Row("Teacher forcing");
        ImGui::SliderFloat("##teacher", &settings_.teacher_forcing, 0.0f, 1.0f, "%.2f");
        send |= ImGui::IsItemDeactivatedAfterEdit();
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("the share of decoder steps fed the true previous token (the rest: the model's own guess)");
      }
      if (used.dropout) {
        Row("Dropout");
        ImGui::SliderFloat("##dropout", &settings_.dropout, 0.0f, 0.9f, "%.2f");
        send |= ImGui::IsItemDeactivatedAfterEdit();
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("units zeroed while training, on the embedding, between layers and before the output "
                            "layer (kept ones scaled by 1/(1-p)); validation, the probe and every view run without it");
      }
      Row("Seed");
      ImGui::InputScalar("##seed", ImGuiDataType_U64, &settings_.seed);
      send |= ImGui::IsItemDeactivatedAfterEdit();
      ImGui::EndTable();
    }
    if (send) SendEdit(shown, state);
  }

  // The learning-rate schedule (train/lr_schedule.h) and its numbers, rows of the optimizer
  // table; the learning rate above is its base. Returns whether an edit is to be sent.
  bool DrawSchedule(const Snapshot& shown) {
    bool send = false;
    Row("LR schedule");
    send |= StringCombo("##lrschedule", settings_.lr_schedule, kSchedules);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("constant; step: ×gamma every N steps; plateau: ÷factor when the validation loss stops "
                        "improving; cosine: linear warm-up, then a cosine down to the minimum");
    auto int_row = [&](const char* label, const char* id, int& v, int lo, int hi) {
      Row(label);
      ImGui::SliderInt(id, &v, lo, hi, "%d", ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
    };
    auto float_row = [&](const char* label, const char* id, float& v, float lo, float hi, const char* fmt) {
      Row(label);
      ImGui::SliderFloat(id, &v, lo, hi, fmt, ImGuiSliderFlags_Logarithmic);
      send |= ImGui::IsItemDeactivatedAfterEdit();
    };
    const std::string& k = settings_.lr_schedule;
    if (k == "step") {
      int_row("  every N steps", "##lrstep", settings_.lr_step, 1, 100000);
      float_row("  gamma", "##lrgamma", settings_.lr_gamma, 0.01f, 1.0f, "%.3g");
    } else if (k == "plateau") {
      int_row("  patience", "##lrpatience", settings_.lr_patience, 0, 100);
      float_row("  divide by", "##lrfactor", settings_.lr_factor, 1.01f, 100.0f, "%.3g");
    } else if (k == "cosine") {
      int_row("  warm-up steps", "##lrwarmup", settings_.lr_warmup, 0, 100000);
      int_row("  total steps", "##lrtotal", settings_.lr_total, 1, 1000000);
    }
    if (k == "plateau" || k == "cosine") float_row("  min lr", "##lrmin", settings_.lr_min, 1e-8f, 1.0f, "%.1e");
    if (k != "constant") {
      Row("  effective lr");
      ImGui::Text("%.3g", static_cast<double>(shown.effective_lr));
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("the rate the next step uses, at step %lld", static_cast<long long>(shown.step));
    }
    return send;
  }

  // Only the changed fields reach each run, over its own settings (train/settings_edit.h).
  void SendEdit(const Snapshot& shown, const UiState& state) const {
    if (!Comparing(state)) {
      state.Send(SetSettingsCommand{settings_});
      return;
    }
    std::vector<TrainerLink*> links;
    std::vector<const TrainSettings*> current;
    for (std::size_t i = 0; i < state.runs.size(); ++i) {
      links.push_back(i == 0 ? state.trainer : state.runs[i].link);
      current.push_back(state.runs[i].latest ? &state.runs[i].latest->settings : nullptr);
    }
    SendSettingsEdit(links, current, shown.settings, settings_, scope_, run_);
  }

  void DrawProbe(UiState& state) {
    SectionHeader("Probe text");
    const float button_w = ImGui::CalcTextSize("Probe").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x - button_w - ImGui::GetStyle().ItemSpacing.x);
    const bool enter = ImGui::InputTextWithHint("##probe", "text to run through the model",
                                                &state.probe_text,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Probe") || enter) && !state.probe_text.empty()) {
      state.Send(ProbeCommand{state.probe_text});
    }
  }

  void DrawStatus(const Snapshot& snapshot, UiState& state) {
    // Pin the status block to the bottom of the panel when there is room.
    const float line = ImGui::GetTextLineHeightWithSpacing();
    const float block = line * 4.0f + ImGui::GetStyle().ItemSpacing.y * 2;
    const float avail = ImGui::GetContentRegionAvail().y;
    if (avail > block) ImGui::Dummy({0.0f, avail - block});
    ImGui::Separator();
    ImGui::TextColored(snapshot.paused ? ImVec4(1.0f, 0.75f, 0.3f, 1.0f) : ImVec4(0.45f, 0.85f, 0.45f, 1.0f),
                       "%s", snapshot.paused ? "\u2759\u2759 paused" : "\u25B6 training");
    ImGui::SameLine();
    ImGui::Text("step %lld", static_cast<long long>(snapshot.step));
    ImGui::Text("%.0f tok/s   step %.1f ms", snapshot.tokens_per_second, snapshot.step_ms);
    ImGui::Text("frame %.1f ms (median)  p95 %.1f", state.frame.median_ms, state.frame.p95_ms);
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextUnformatted(snapshot.status.empty() ? "ready" : snapshot.status.c_str());
    ImGui::PopStyleColor();
  }

  ModelForm form_;
  TrainSettings settings_;
  bool structure_dirty_ = false;
  std::string synced_line_;         // the running model the form last followed
  bool awaiting_rebuild_ = false;   // a Rebuild was sent and its model does not run yet
  double rebuild_sent_at_ = 0.0;
  SettingsScope scope_ = SettingsScope::kAllRuns;  // side-by-side runs: where edits go
  int run_ = 0;                                     // kOneRun: index in state.runs
};

}  // namespace

std::unique_ptr<Panel> MakeControlsPanel() { return std::make_unique<ControlsPanel>(); }

}  // namespace rnnscope
