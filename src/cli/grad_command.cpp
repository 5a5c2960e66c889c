// `rnnscope grad [--cell C] [--layout L] [--map old=new]... --weights W.safetensors --batch B.safetensors --out G.safetensors
//  [--dtype f32|f64] [--readout last|mean]`: the mean cross-entropy of a PyTorch-shaped model on a batch and the
// gradient of every parameter under its state_dict name (io/model_io.h: ComputeGradients), so
// it can be diffed against `loss.backward()` in PyTorch.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/model_flags.h"
#include "model/pytorch_layout.h"
#include "model/model_io.h"
#include "io/safetensors.h"
#include "io/tensor_file_reader.h"

namespace rnnscope {

namespace {
struct GradOptions {
  std::vector<std::string> weights;
  std::string batch, out, dtype = "f32", readout = "last";
  LayoutFlags layout;
};
}  // namespace

void AddGradCommand(CLI::App& app) {
  auto o = std::make_shared<GradOptions>();
  CLI::App* cmd = app.add_subcommand(
      "grad", "Loss and parameter gradients of a PyTorch state_dict on a batch (safetensors)");
  AddLayoutFlags(*cmd, o->layout);
  cmd->add_option("--weights", o->weights,
                  "state_dict in a layout of docs/pytorch.md, e.g. [embedding.weight], rnn.*, fc.weight, fc.bias; "
                  "given twice: a seq2seq encoder's and decoder's state_dicts")->required();
  cmd->add_option("--batch", o->batch, "input_ids, target_ids: int64 [batch, time]")->required();
  cmd->add_option("--out", o->out, "Output: loss and one gradient per parameter")->required();
  cmd->add_option("--dtype", o->dtype, "Output precision: f32 or f64")->capture_default_str();
  cmd->add_option("--readout", o->readout,
                  "Classifier batch (label [batch]): last = fc(output[:, -1]), mean = fc(output.mean(dim=1))")
      ->capture_default_str();
  cmd->callback([o] {
    // Parse the cheap flags first: a typo should not wait for a large file to load.
    const LayoutOptions layout_options = o->layout.Options();
    const FloatDtype dtype = ParseFloatDtype(o->dtype);
    const Readout readout = ParseReadout(o->readout);
    const OpenedWeights opened = OpenPyTorchWeights(o->weights, layout_options);
    const TensorFile batch = ReadTensorFile(o->batch);
    // Gradients under the file's own names (encoder.weight, module.rnn.weight_hh_l0, ...).
    const TensorFile grads = GradientsOf(opened, batch, dtype, readout);
    WriteSafetensors(o->out, grads);
    std::printf("loss %.9g, %zu gradients written to %s\n",
                static_cast<double>(grads.GetTensor<double>("loss").at(0)), grads.tensors.size() - 1,
                o->out.c_str());
  });
}

}  // namespace rnnscope
