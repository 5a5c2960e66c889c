// `rnnscope grad --cell C --weights W.safetensors --batch B.safetensors --out G.safetensors
//  [--dtype f32|f64]`: the mean cross-entropy of a PyTorch-shaped model on a batch and the
// gradient of every parameter under its state_dict name (io/model_io.h: ComputeGradients), so
// it can be diffed against `loss.backward()` in PyTorch.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "model/model_io.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"

namespace rnnscope {

namespace {
struct GradOptions {
  std::string cell, weights, batch, out, dtype = "f32";
};
}  // namespace

void AddGradCommand(CLI::App& app) {
  auto o = std::make_shared<GradOptions>();
  CLI::App* cmd = app.add_subcommand(
      "grad", "Loss and parameter gradients of a PyTorch state_dict on a batch (safetensors)");
  cmd->add_option("--cell", o->cell, "lstm, gru, rnn_tanh, rnn_relu or jordan")->required();
  cmd->add_option("--weights", o->weights,
                  "state_dict: [embedding.weight], rnn.*, fc.weight, fc.bias")->required();
  cmd->add_option("--batch", o->batch, "input_ids, target_ids: int64 [batch, time]")->required();
  cmd->add_option("--out", o->out, "Output: loss and one gradient per parameter")->required();
  cmd->add_option("--dtype", o->dtype, "Output precision: f32 or f64")->capture_default_str();
  cmd->callback([o] {
    // Parse the cheap flags first: a typo should not wait for a large file to load.
    const CellKind cell = ParseCellKind(o->cell);
    const FloatDtype dtype = ParseFloatDtype(o->dtype);
    const TensorFile weights = ReadTensorFile(o->weights);
    const TensorFile batch = ReadTensorFile(o->batch);
    const TensorFile grads = ComputeGradients(weights, batch, cell, dtype);
    WriteSafetensors(o->out, grads);
    std::printf("loss %.9g, %zu gradients written to %s\n",
                static_cast<double>(grads.GetTensor<double>("loss").at(0)), grads.tensors.size() - 1,
                o->out.c_str());
  });
}

}  // namespace rnnscope
