// Samples: what the model produces right now. Char LM: the generated text (refreshed by the
// trainer about once a second), wrapped, with the sampling temperature. Seq2seq: each shown
// example as source → prediction vs target, mismatching characters in red, so the errors the
// loss curve hides are visible.
#include <imgui.h>

#include <cstdio>

#include "train/snapshot.h"
#include "train/task_registry.h"
#include "ui/panel_registry.h"
#include "ui/token_text.h"
#include "ui/ui_state.h"

namespace rnnscope {
namespace {

struct Prediction {
  std::string source, output, target;  // target empty for the user's own probe
};

// The seq2seq job writes one "source → output   (target T)" line per example.
std::vector<Prediction> ParsePredictions(const std::string& text) {
  std::vector<Prediction> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const std::size_t arrow = line.find(" \u2192 ");
    if (arrow == std::string::npos) continue;
    Prediction p;  // control characters made visible; spaces stay (the task's own joining)
    p.source = VisibleRunningText(line.substr(0, arrow));
    std::string rest = line.substr(arrow + std::string(" \u2192 ").size());
    const std::size_t tag = rest.find("   (target ");
    if (tag != std::string::npos) {
      p.target = rest.substr(tag + 11);
      if (!p.target.empty() && p.target.back() == ')') p.target.pop_back();
      p.target = VisibleRunningText(p.target);
      rest.resize(tag);
    }
    p.output = VisibleRunningText(rest);
    out.push_back(std::move(p));
  }
  return out;
}

// Bytes in the UTF-8 sequence starting with `lead` (1 for stray continuation bytes).
std::size_t SequenceLength(unsigned char lead) {
  return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
}

// Prediction characters coloured green where they match the target, red where they do not.
void DiffText(const std::string& output, const std::string& target) {
  std::size_t i = 0, j = 0;
  bool first = true;
  while (i < output.size()) {
    const std::size_t n = SequenceLength(static_cast<unsigned char>(output[i]));
    const std::string ch = output.substr(i, n);
    std::string want;
    if (j < target.size()) {
      const std::size_t m = SequenceLength(static_cast<unsigned char>(target[j]));
      want = target.substr(j, m);
      j += m;
    }
    if (!first) ImGui::SameLine(0.0f, 0.0f);
    ImGui::TextColored(target.empty() ? ImVec4(1.0f, 0.83f, 0.35f, 1.0f)
                       : ch == want   ? ImVec4(0.55f, 0.9f, 0.55f, 1.0f)
                                      : ImVec4(1.0f, 0.42f, 0.42f, 1.0f), "%s", ch.c_str());
    first = false;
    i += n;
  }
  if (first) ImGui::TextDisabled("(empty)");
}

class SamplesPanel final : public Panel {
 public:
  SamplesPanel() : Panel("Samples", "samples") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    if (snapshot.sample.empty()) {
      ImGui::TextDisabled("no sample in this snapshot yet");
      return;
    }
    if (!snapshot.attention.empty()) {
      DrawPredictions(snapshot);
    } else {
      DrawGenerated(snapshot, state);
    }
    char note[96];
    std::snprintf(note, sizeof note, "samples cursor=%d unit=%d chars=%zu", state.cursor_t, state.selected_unit, snapshot.sample.size());
    state.NoteDrawn(note);
  }

 private:
  void DrawGenerated(const Snapshot& snapshot, UiState& state) {
    if (!SettingsUsedBy(snapshot.running.task).temperature) {  // predictions of a tagger or classifier
      ImGui::TextDisabled("predictions at step %lld", static_cast<long long>(snapshot.step));
    } else {
      ImGui::TextDisabled("generated at step %lld, temperature", static_cast<long long>(snapshot.step));
      ImGui::SameLine();
      TrainSettings settings = snapshot.settings;
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
      ImGui::SliderFloat("##temperature", &settings.temperature, 0.1f, 2.0f, "%.2f");
      if (ImGui::IsItemDeactivatedAfterEdit()) state.Send(SetSettingsCommand{settings});
    }
    ImGui::BeginChild("##sample", {0, 0}, true);
    ImGui::PushTextWrapPos(0.0f);
    if (shown_version_ != snapshot.version) {
      shown_ = VisibleRunningText(snapshot.sample);  // tabs, CR, ESC… as symbols
      shown_version_ = snapshot.version;
    }
    ImGui::TextUnformatted(shown_.c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
  }

  static void DrawPredictions(const Snapshot& snapshot) {
    const std::vector<Prediction> rows = ParsePredictions(snapshot.sample);
    int right = 0, judged = 0;
    for (const auto& r : rows) {
      if (r.target.empty()) continue;
      ++judged;
      right += r.output == r.target ? 1 : 0;
    }
    ImGui::Text("greedy decodes at step %lld", static_cast<long long>(snapshot.step));
    ImGui::SameLine();
    ImGui::TextDisabled("  %d / %d exactly right", right, judged);
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##predictions", 4, flags)) return;
    ImGui::TableSetupColumn("source");
    ImGui::TableSetupColumn("prediction");
    ImGui::TableSetupColumn("target");
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 1.5f);
    ImGui::TableHeadersRow();
    for (const auto& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.source.c_str());
      ImGui::TableNextColumn();
      DiffText(r.output, r.target);
      ImGui::TableNextColumn();
      if (r.target.empty()) {
        ImGui::TextDisabled("(your probe)");
      } else {
        ImGui::TextUnformatted(r.target.c_str());
      }
      ImGui::TableNextColumn();
      if (!r.target.empty()) {
        const bool ok = r.output == r.target;
        ImGui::TextColored(ok ? ImVec4(0.55f, 0.9f, 0.55f, 1.0f) : ImVec4(1.0f, 0.42f, 0.42f, 1.0f), "%s", ok ? "\u2713" : "\u2717");
      }
    }
    ImGui::EndTable();
  }

  uint64_t shown_version_ = ~uint64_t{0};
  std::string shown_;
};

}  // namespace

std::unique_ptr<Panel> MakeSamplesPanel() { return std::make_unique<SamplesPanel>(); }

}  // namespace rnnscope
