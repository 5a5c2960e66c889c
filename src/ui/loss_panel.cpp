// Loss: training and validation loss (or perplexity = exp(loss)) over steps, with the
// hyperparameter-change markers as labelled vertical lines.
#include <imgui.h>

#include <cmath>

#include "train/snapshot.h"
#include "ui/panel_registry.h"
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
      std::snprintf(text, sizeof text, "train %.3f   val %.3f",
                    static_cast<double>(ppl ? std::exp(last.train_loss) : last.train_loss),
                    static_cast<double>(ppl ? std::exp(val) : val));
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

    // Series rebuilt per frame: the history is bounded (decimated by the trainer).
    PlotSeries train{ppl ? "train perplexity" : "train loss", {}, {}, IM_COL32(90, 170, 255, 255)};
    PlotSeries val{ppl ? "val perplexity" : "val loss", {}, {}, IM_COL32(255, 140, 60, 255), 2.0f, true};
    for (const LossPoint& p : snapshot.history) {
      const auto x = static_cast<float>(p.step);
      train.x.push_back(x);
      train.y.push_back(ppl ? std::exp(p.train_loss) : p.train_loss);
      if (std::isfinite(p.val_loss)) {
        val.x.push_back(x);
        val.y.push_back(ppl ? std::exp(p.val_loss) : p.val_loss);
      }
    }
    std::vector<PlotSeries> series;
    series.push_back(std::move(train));
    if (!val.x.empty()) series.push_back(std::move(val));
    std::vector<PlotMarker> markers;
    for (const SettingMarker& m : snapshot.markers) {
      markers.push_back({static_cast<double>(m.step), m.what});
    }
    PlotOptions options;
    options.log_y = state.loss_log_y;
    options.x_label = "step";
    options.y_format = ppl ? "%.2f" : "%.4f";
    LinePlot("##loss", series, markers, options);
  }
};

}  // namespace

std::unique_ptr<Panel> MakeLossPanel() { return std::make_unique<LossPanel>(); }

}  // namespace rnnscope
