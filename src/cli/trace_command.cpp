// `rnnscope trace [--cell C] [--layout L] [--map old=new]... --weights W.safetensors --batch B.safetensors --out T.safetensors
//  [--dtype f32|f64] [--readout last|mean] [--grad-contributions] [--jacobian-norms]`: every per-timestep internal of a PyTorch-shaped model on a batch
// (gates, states, gradient norms), shaped as PyTorch would return them (io/model_io.h:
// ComputeTrace; names in docs/trace_format.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "model/pytorch_layout.h"
#include "model/model_io.h"
#include "model/gradient_contributions.h"
#include "model/state_jacobian.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"

namespace rnnscope {

namespace {
struct TraceOptions {
  std::vector<std::string> weights;
  std::string batch, out, dtype = "f32", readout = "last";
  LayoutFlags layout;
  bool grad_contributions = false;
  bool jacobian_norms = false;
};
}  // namespace

void AddTraceCommand(CLI::App& app) {
  auto o = std::make_shared<TraceOptions>();
  CLI::App* cmd = app.add_subcommand(
      "trace", "Per-timestep gates, states and gradient norms of a PyTorch state_dict on a batch");
  AddLayoutFlags(*cmd, o->layout);
  cmd->add_option("--weights", o->weights,
                  "state_dict in a layout of docs/pytorch.md, e.g. [embedding.weight], rnn.*, fc.weight, fc.bias; "
                  "given twice: a seq2seq encoder's and decoder's state_dicts")->required();
  cmd->add_option("--batch", o->batch,
                  "input_ids (and optional target_ids for gradient norms): int64 [batch, time]")
      ->required();
  cmd->add_option("--out", o->out, "Output (names: docs/trace_format.md)")->required();
  cmd->add_option("--dtype", o->dtype, "Output precision: f32 or f64")->capture_default_str();
  cmd->add_option("--readout", o->readout,
                  "Classifier batch (label [batch]): last = fc(output[:, -1]), mean = fc(output.mean(dim=1))")
      ->capture_default_str();
  cmd->add_flag("--grad-contributions", o->grad_contributions,
                "Also grad_contributions [batch, T, T] = ‖∂L_t/∂h_t'‖ (LSTM: grad_contributions_c) and input_saliency "
                "(model/gradient_contributions.h; one backward per position: T backwards per sequence)");
  cmd->add_flag("--jacobian-norms", o->jacobian_norms,
                "Also jacobian_norms [batch, T] = ‖∂s_t/∂s_(t-1)‖₂ of the whole stack's state (h, and c for the LSTM; "
                "model/state_jacobian.h; one SVD per step)");
  cmd->callback([o] {
    const LayoutOptions layout_options = o->layout.Options();
    const FloatDtype dtype = ParseFloatDtype(o->dtype);
    const Readout readout = ParseReadout(o->readout);
    const OpenedWeights opened = OpenPyTorchWeights(o->weights, layout_options);
    const TensorFile batch = ReadTensorFile(o->batch);
    TensorFile trace = TraceOf(opened, batch, dtype, readout);
    if (o->grad_contributions) {
      if (opened.seq2seq) throw ConfigError("--grad-contributions is for per-step models (char LM, tagger), not seq2seq");
      PutGradientContributions(opened.canonical, batch, opened.layout.cell, dtype, trace);
    }
    if (o->jacobian_norms) {
      if (opened.seq2seq) throw ConfigError("--jacobian-norms is for per-step models (char LM, tagger), not seq2seq");
      PutJacobianNorms(opened.canonical, batch, opened.layout.cell, dtype, trace);
    }
    WriteSafetensors(o->out, trace);
    std::printf("%zu tensors written to %s\n", trace.tensors.size(), o->out.c_str());
  });
}

}  // namespace rnnscope
