#include "ui/open_dialogs.h"

#include <imgui.h>

#include <filesystem>

#include "io/file_kind.h"
#include "train/command.h"
#include "train/snapshot.h"
#include "ui/ui_state.h"

namespace rnnscope {

void DrawOpenChoiceDialog(const Snapshot& snapshot, UiState& state) {
  static int answered = 0;  // the question last answered (or dismissed): asked once each
  const OpenChoice& choice = snapshot.open_choice;
  if (choice.id != 0 && choice.id != answered && !ImGui::IsPopupOpen("Open as")) ImGui::OpenPopup("Open as");
  if (!ImGui::BeginPopupModal("Open as", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  ImGui::TextUnformatted(std::filesystem::path(choice.path).filename().string().c_str());
  ImGui::TextDisabled("%s", choice.detail.c_str());
  const float width = ImGui::GetFontSize() * 26.0f;
  if (!choice.running_model.empty()) {
    const std::string model = std::filesystem::path(choice.running_model).filename().string();
    ImGui::Text("is a text, and %s is running. Open it as:", model.c_str());
    ImGui::Spacing();
    const std::string train = "Training data for " + model + " (weights from the file)";
    if (ImGui::Button(train.c_str(), {width, 0.0f})) {
      state.Send(OpenFileCommand{choice.path, "text", OpenUse::kRunningModel});
      answered = choice.id;
      ImGui::CloseCurrentPopup();
    }
  } else {
    ImGui::TextUnformatted("fits more than one kind of file. Open it as:");
    ImGui::Spacing();
  }
  for (const std::string& name : choice.kinds) {
    FileKind kind;
    std::string title = ParseFileKind(name, &kind) ? std::string(FileKindTitle(kind)) : name;
    if (!choice.running_model.empty()) title = "New run: " + title;
    if (ImGui::Button(title.c_str(), {width, 0.0f})) {
      state.Send(OpenFileCommand{choice.path, name, OpenUse::kNewRun});
      answered = choice.id;
      ImGui::CloseCurrentPopup();
    }
  }
  ImGui::Spacing();
  if (ImGui::Button("Cancel", {120.0f, 0.0f}) || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) {
    answered = choice.id;
    ImGui::CloseCurrentPopup();
  }
  state.NoteDrawn("open-choice " + choice.path + " kinds=" + std::to_string(choice.kinds.size()));
  ImGui::EndPopup();
}

std::vector<Example> Examples() {
  std::vector<Example> examples;
  examples.push_back({"Built-in procedural corpus (English, quotes and brackets)", "", "charlm", ""});
  // Debian's fortunes-zh (installed by scripts/install_deps.sh): public-domain classical poems,
  // UTF-8 with ANSI colour codes around titles, which the views show as visible symbols.
  const auto fortune = [&](const char* title, const char* path) {
    std::error_code ec;
    const bool here = std::filesystem::is_regular_file(path, ec);
    examples.push_back({title, path, "", here ? "" : "install the Debian package fortunes-zh"});
  };
  fortune("Chinese: 唐诗三百首 Tang poems (fortunes-zh)", "/usr/share/games/fortunes/tang300");
  fortune("Chinese: 宋词一百首 Song lyrics (fortunes-zh)", "/usr/share/games/fortunes/song100");
  examples.push_back({"Chinese → English: 我爱中国 → i love china (zh_en, attention)", "", "zh_en", ""});
  examples.push_back({"English → Chinese-like word order (translation, attention)", "", "translation", ""});
  return examples;
}

void DrawExamplesMenu(const Snapshot& snapshot, UiState& state) {
  for (const Example& e : Examples()) {
    if (ImGui::MenuItem(e.title.c_str(), nullptr, false, e.missing.empty())) {
      if (!e.path.empty()) {
        state.Send(OpenFileCommand{e.path, "text"});
      } else {
        RebuildCommand rebuild{e.task, snapshot.config, snapshot.settings};
        rebuild.task_defaults = true;  // the example as the task defines it, not today's model
        state.Send(rebuild);
      }
    }
    if (!e.missing.empty() && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", e.missing.c_str());
  }
}

}  // namespace rnnscope
