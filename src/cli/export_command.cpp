// `rnnscope export --ckpt C --out M [--layout rnnscope|source]`: a checkpoint's model as a PyTorch
// state_dict (train/checkpoint.h ExportModel; default: the names of the PyTorch file it was
// imported from, else rnnscope's), as torch.save writes it for .pt/.pth (io/torch_archive_writer.h)
// or safetensors otherwise, with a char LM's vocabulary beside it ("<M stem>.vocab.json", what
// File ▸ Open PyTorch model and --weights/--vocab read). The window's File ▸ Export model writes
// the same file.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "io/tensor_file_writer.h"
#include "tasks/vocab.h"
#include "train/checkpoint.h"

namespace rnnscope {

namespace {
struct ExportOptions {
  std::string checkpoint, out, layout;
};
}  // namespace

void AddExportCommand(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand("export", "A checkpoint's model as a PyTorch state_dict (.pt/.pth or .safetensors)");
  cmd->add_option("--ckpt,--checkpoint", o->checkpoint, "Checkpoint (.safetensors) written by train or the window")->required();
  cmd->add_option("--out", o->out, "Output: .pt/.pth (torch.save format) or .safetensors")->required();
  cmd->add_option("--layout", o->layout,
                  "Names: source (the PyTorch file's it was imported from; the default for an imported model) "
                  "or rnnscope");
  cmd->callback([o] {
    const ExportNames names = o->layout.empty() ? ExportNames::kDefault : ParseExportNames(o->layout);
    const TensorFile checkpoint = ReadSafetensors(o->checkpoint);
    const ModelExport model = ExportModel(checkpoint, names);
    WriteTensorFile(o->out, model.file);
    std::string vocab_note;
    const nlohmann::json meta = GetMetadata(checkpoint);
    if (meta.value("task", nlohmann::json()) == "charlm" && meta.at("definition").contains("vocab")) {
      const Vocab vocab = Vocab::FromJson(meta.at("definition").at("vocab"), checkpoint.source);
      std::vector<std::string> tokens;
      for (int i = 0; i < vocab.Size(); ++i) tokens.push_back(vocab.Token(i));
      const std::string path = std::filesystem::path(o->out).replace_extension(".vocab.json").string();
      WriteFileAtomic(path, nlohmann::json(tokens).dump() + "\n");
      vocab_note = " + " + path;
    }
    std::printf("exported %zu tensors to %s%s (names: %s)\n", model.file.tensors.size(), o->out.c_str(),
                vocab_note.c_str(), model.names.c_str());
    if (!model.note.empty()) std::printf("note: %s\n", model.note.c_str());
  });
}

}  // namespace rnnscope
