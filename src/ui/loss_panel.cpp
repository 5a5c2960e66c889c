// Loss: training and validation loss (or perplexity = exp(loss)) over steps, with the
// hyperparameter-change markers as labelled vertical lines, the abandoned branches of time
// travel as curves of their own, and the checkpoint timeline below (ui/time_travel.h).
#include <imgui.h>

#include <cmath>

#include "train/best_validation.h"
#include "train/snapshot.h"
#include "ui/compare.h"
#include "ui/panel_registry.h"
#include "ui/time_travel.h"
#include "ui/ui_state.h"
#include "viz/plot.h"

namespace rnnscope {
namespace {

class LossPanel final : public Panel {
 public:
  LossPanel() : Panel("Loss", "loss") {}

  void DrawContent(const Snapshot& snapshot, UiState& state) override {
    ImGui::Checkbox("log y", &state.loss_log_y);
    ImGui::SameLine();
    ImGui::Checkbox("perplexity", &state.show_perplexity);
    const bool ppl = state.show_perplexity;
    // Latest values, right-aligned on the toolbar row.
    if (!snapshot.history.empty()) {
      const LossPoint& last = snapshot.history.back();
      float val = NAN;
      for (auto it = snapshot.history.rbegin(); it != snapshot.history.rend(); ++it) {
        if (std::isfinite(it->val_loss)) { val = it->val_loss; break; }
      }
      char text[96];
      // No validation yet (it runs every few seconds): a dash, not "nan".
      char val_text[32] = "–";
      if (std::isfinite(val))
        std::snprintf(val_text, sizeof val_text, "%.3f", static_cast<double>(ppl ? std::exp(val) : val));
      // The gap says how far the model fits its training text better than unseen text.
      char gap_text[32] = "";
      if (std::isfinite(val))
        std::snprintf(gap_text, sizeof gap_text, "   gap %+.3f", static_cast<double>(val - last.train_loss));
      std::snprintf(text, sizeof text, "train %.3f   val %s%s",
                    static_cast<double>(ppl ? std::exp(last.train_loss) : last.train_loss), val_text, gap_text);
      const float w = ImGui::CalcTextSize(text).x;
      ImGui::SameLine();
      // Right-aligned on the toolbar when it fits, else on a line of its own (narrow tiles).
      const float right = ImGui::GetWindowContentRegionMax().x - w;
      if (ImGui::GetCursorPosX() + 8.0f <= right) {
        ImGui::SetCursorPosX(right);
      } else {
        ImGui::NewLine();
      }
      ImGui::AlignTextToFramePadding();
      ImGui::TextUnformatted(text);
    }
    // Overfitting, said in words: the validation loss rose at each of the last evaluations.
    if (state.runs.size() < 2 && rises_in_a_row_ >= 3) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.7f, 0.3f, 1.0f));
      ImGui::TextWrapped("validation rose %d evaluations in a row: overfitting? best %.4f at step %lld",
                         rises_in_a_row_, best_.loss, static_cast<long long>(best_.step));
      ImGui::PopStyleColor();
    }

    // Series are rebuilt only when the snapshot or the units change: with branches there are
    // several curves of up to a few thousand points each.
    if (state.runs.size() >= 2) {
      // Side-by-side runs: one train curve per run in its colour (validation as dots of it),
      // rebuilt every frame since each run publishes on its own clock.
      RebuildRunSeries(state.runs, ppl);
      cached_version_ = ~uint64_t{0};
    } else if (cached_version_ != snapshot.version || cached_ppl_ != ppl) {
      RebuildSeries(snapshot, ppl);
      cached_version_ = snapshot.version;
      cached_ppl_ = ppl;
    }
    PlotOptions options;
    options.log_y = state.loss_log_y;
    options.x_label = "step";
    options.stable_x = true;
    options.y_format = ppl ? "%.2f" : "%.4f";
    options.size = {0.0f, std::max(60.0f, ImGui::GetContentRegionAvail().y - TimeTravelBar::Height())};
    if (!snapshot.ring_steps.empty()) options.x_include = static_cast<double>(snapshot.ring_steps.front());
    if (time_travel_.picked() >= 0) options.cursor_x = static_cast<double>(time_travel_.picked());
    const PlotResult plot = LinePlot("##loss", series_, markers_, options);
    time_travel_.SetBestStep(state.runs.size() < 2 && best_.Any() ? best_.step : -1);
    // Dragging on the curves picks a checkpoint too (the strip below is only a few pixels tall).
    time_travel_.Draw(snapshot, state, plot, ImGui::IsItemActive());
    if (state.runs.size() >= 2) {
      std::string note = "loss runs=" + std::to_string(state.runs.size()) + " series=" + std::to_string(series_.size());
      for (const PlotSeries& s : series_) note += " [" + s.label + "]=" + std::to_string(s.x.size());
      state.NoteDrawn(note);
    }
  }

  std::optional<CsvTable> ExportCsv(const Snapshot& snapshot, const UiState& /*state*/) const override {
    return LossCsv(snapshot);
  }

 private:
  void RebuildSeries(const Snapshot& snapshot, bool ppl) {
    auto value = [ppl](float loss) { return ppl ? std::exp(loss) : loss; };
    series_.clear();
    PlotSeries train{ppl ? "train perplexity" : "train loss", {}, {}, IM_COL32(90, 170, 255, 255)};
    PlotSeries val{ppl ? "val perplexity" : "val loss", {}, {}, IM_COL32(255, 140, 60, 255), 2.0f, true};
    if (!snapshot.branches.empty() && !snapshot.active_branch_label.empty()) train.label = snapshot.active_branch_label;
    for (const LossPoint& p : snapshot.history) {
      const auto x = static_cast<float>(p.step);
      train.x.push_back(x);
      train.y.push_back(value(p.train_loss));
      if (std::isfinite(p.val_loss)) {
        val.x.push_back(x);
        val.y.push_back(value(p.val_loss));
      }
    }
    series_.push_back(std::move(train));
    if (!val.x.empty()) series_.push_back(std::move(val));
    // The best validation so far (train/best_validation.h, the rule `train --ckpt` keeps its
    // -best file by) and how many evaluations in a row rose.
    best_ = BestValidation{};
    rises_in_a_row_ = 0;
    float previous = NAN;
    for (const LossPoint& p : snapshot.history) {
      if (!std::isfinite(p.val_loss)) continue;
      best_.Record(p.step, p.val_loss);
      rises_in_a_row_ = std::isfinite(previous) && p.val_loss > previous ? rises_in_a_row_ + 1 : 0;
      previous = p.val_loss;
    }
    // Each abandoned future is its own curve, joined to the line at the step it split from.
    for (std::size_t b = 0; b < snapshot.branches.size(); ++b) {
      const BranchHistory& branch = snapshot.branches[b];
      PlotSeries curve{branch.label.empty() ? "branch " + std::to_string(branch.id) : branch.label, {}, {}, BranchColor(b), 1.4f};
      const LossPoint* join = nullptr;
      for (const LossPoint& p : snapshot.history) {
        if (p.step <= branch.parent_step) join = &p;
      }
      if (join != nullptr) {
        curve.x.push_back(static_cast<float>(join->step));
        curve.y.push_back(value(join->train_loss));
      }
      for (const LossPoint& p : branch.history) {
        curve.x.push_back(static_cast<float>(p.step));
        curve.y.push_back(value(p.train_loss));
      }
      series_.push_back(std::move(curve));
    }
    markers_.clear();
    for (const SettingMarker& m : snapshot.markers) markers_.push_back({static_cast<double>(m.step), m.what});
    if (best_.Any()) {
      char best[48];
      std::snprintf(best, sizeof best, "best val %.4f", best_.loss);
      markers_.push_back({static_cast<double>(best_.step), best});
    }
    // A fired breakpoint is marked where training stopped, next to the curve that led there.
    if (!snapshot.breakpoint.empty()) {
      markers_.push_back({static_cast<double>(snapshot.breakpoint_hit.step), "\u2759\u2759 " + snapshot.breakpoint_hit.rule});
    }
  }

  void RebuildRunSeries(const std::vector<CompareRun>& runs, bool ppl) {
    auto value = [ppl](float loss) { return ppl ? std::exp(loss) : loss; };
    series_.clear();
    markers_.clear();
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (!runs[i].latest) continue;
      PlotSeries train{runs[i].name, {}, {}, RunColor(i), 1.6f};
      PlotSeries val{runs[i].name + " val", {}, {}, (RunColor(i) & 0x00FFFFFFu) | 0xA0000000u, 1.2f, true};
      for (const LossPoint& p : runs[i].latest->history) {
        train.x.push_back(static_cast<float>(p.step));
        train.y.push_back(value(p.train_loss));
        if (std::isfinite(p.val_loss)) {
          val.x.push_back(static_cast<float>(p.step));
          val.y.push_back(value(p.val_loss));
        }
      }
      series_.push_back(std::move(train));
      if (!val.x.empty()) series_.push_back(std::move(val));
    }
  }

  std::vector<PlotSeries> series_;
  std::vector<PlotMarker> markers_;
  BestValidation best_;
  int rises_in_a_row_ = 0;
  uint64_t cached_version_ = ~uint64_t{0};
  bool cached_ppl_ = false;
  TimeTravelBar time_travel_;
};

}  // namespace

std::unique_ptr<Panel> MakeLossPanel() { return std::make_unique<LossPanel>(); }

}  // namespace rnnscope
