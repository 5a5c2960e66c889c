// Opening a file in a running trainer (OpenFileCommand, train/open_file.h): a text becomes the
// char LM on it, pairs become seq2seq, a checkpoint the run it records (paused at its step); a
// file fitting two kinds is asked about, then opened as the kind answered; a file that fails
// leaves the running job training as it was.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "train/open_file.h"
#include "trainer_test_util.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;
using test::SmallOptions;
using test::WaitFor;

class OpenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rnnscope_open_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(OpenFileTest, TextPairsAndAFailureThatKeepsTheRun) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& s) { return s.has_job && s.step >= 2; });

  std::string text;
  for (int i = 0; i < 50; ++i) text += "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。\n";
  const std::string poem = Write("poem", text);
  trainer.Send(OpenFileCommand{poem});
  auto s = WaitFor(trainer, [&](const Snapshot& s) { return s.opened_file == AbsolutePath(poem) && s.step >= 2; });
  EXPECT_EQ(s->task, "charlm");
  EXPECT_EQ(s->running.data_path, AbsolutePath(poem));
  EXPECT_NE(std::find(s->vocab.begin(), s->vocab.end(), "黄"), s->vocab.end());
  EXPECT_TRUE(s->error.empty()) << s->error;

  // A binary file: refused by name; the poem keeps training.
  const int64_t before = trainer.Latest()->step;
  trainer.Send(OpenFileCommand{Write("bin", std::string("a\0b", 3))});
  s = WaitFor(trainer, [&](const Snapshot& s) { return !s.error.empty(); });
  EXPECT_NE(s->error.find("bin: a binary file"), std::string::npos) << s->error;
  EXPECT_EQ(s->opened_file, AbsolutePath(poem));
  trainer.Send(PauseCommand{false});  // dismissing the error resumes
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.step > before + 2; });
  EXPECT_EQ(s->task, "charlm");

  // A rebuild on the same task keeps the file; another task is not on it.
  RebuildCommand same{"charlm", trainer.Latest()->config, trainer.Latest()->settings};
  same.model.hidden = 24;
  trainer.Send(same);
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.config.hidden == 24; });
  EXPECT_EQ(s->opened_file, AbsolutePath(poem));
  EXPECT_EQ(s->running.data_path, AbsolutePath(poem));
  trainer.Send(RebuildCommand{"reverse", s->config, s->settings});
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.task == "reverse"; });
  EXPECT_TRUE(s->opened_file.empty()) << s->opened_file;
  EXPECT_TRUE(s->error.empty()) << s->error;

  std::string pairs;
  for (int i = 0; i < 20; ++i) pairs += "abc" + std::to_string(i) + "\tcba" + std::to_string(i) + "\n";
  trainer.Send(OpenFileCommand{Write("pairs", pairs)});
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.task == "tsv" && s.step >= 1; });
  EXPECT_TRUE(s->running.seq2seq);
  trainer.Stop();
}

TEST_F(OpenFileTest, AFileOfTwoKindsIsAskedAboutThenOpenedAsAnswered) {
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& s) { return s.has_job; });
  const std::string both = Write("both", "cat\tchat\ndog\tchien\n\nsun\tsoleil\nsea\tmer\n");
  trainer.Send(OpenFileCommand{both});
  auto s = WaitFor(trainer, [](const Snapshot& s) { return s.open_choice.id != 0; });
  EXPECT_EQ(s->open_choice.path, AbsolutePath(both));
  EXPECT_EQ(s->open_choice.kinds, (std::vector<std::string>{"conll", "tsv"}));
  EXPECT_EQ(s->task, "charlm");  // nothing opened yet
  trainer.Send(OpenFileCommand{both, "tsv"});
  s = WaitFor(trainer, [](const Snapshot& s) { return s.task == "tsv"; });
  EXPECT_EQ(s->open_choice.id, 0);
  trainer.Stop();
}

TEST_F(OpenFileTest, ACheckpointOpensPausedAtItsStep) {
  const std::string ckpt = (dir_ / "run.safetensors").string();
  {
    TrainerThread trainer(SmallOptions());
    trainer.Start();
    WaitFor(trainer, [](const Snapshot& s) { return s.step >= 5; });
    trainer.Send(PauseCommand{true});
    WaitFor(trainer, [](const Snapshot& s) { return s.paused; });
    trainer.Send(SaveCommand{ckpt});
    WaitFor(trainer, [](const Snapshot& s) { return s.status.rfind("saved", 0) == 0; });
    trainer.Stop();
  }
  TrainerThread trainer(SmallOptions());
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& s) { return s.has_job; });
  trainer.Send(OpenFileCommand{ckpt});
  auto s = WaitFor(trainer, [&](const Snapshot& s) { return s.opened_file == AbsolutePath(ckpt); });
  EXPECT_TRUE(s->paused);
  EXPECT_GE(s->step, 5);
  EXPECT_NE(s->status.find("loaded"), std::string::npos) << s->status;
  trainer.Stop();
}

// A PyTorch model opens paused (to look inside); a text opened then is asked about: training
// data for that model (its weights from the file, its vocabulary) or a new char LM.
TEST_F(OpenFileTest, ATextOpenedWhileAPyTorchModelRunsCanTrainThatModel) {
  const std::string data = std::string(RNNSCOPE_SOURCE_DIR) + "/tests/data/";
  const std::string model = (dir_ / "model.safetensors").string();
  fs::copy_file(data + "import_gru.safetensors", model);
  fs::copy_file(data + "import_vocab.json", VocabularyBeside(model));
  std::string text;
  for (int i = 0; i < 40; ++i) text += "the quick brown fox jumps over the lazy dog.\n";
  const std::string poem = Write("fox.txt", text);

  TrainerThread trainer(SmallOptions());
  trainer.Start();
  WaitFor(trainer, [](const Snapshot& s) { return s.has_job; });
  trainer.Send(OpenFileCommand{model});
  auto s = WaitFor(trainer, [&](const Snapshot& s) { return s.running.imported_from == AbsolutePath(model); });
  EXPECT_TRUE(s->paused) << s->status;
  EXPECT_EQ(s->step, 0);
  EXPECT_NE(s->status.find("paused: open a text"), std::string::npos) << s->status;

  trainer.Send(OpenFileCommand{poem});
  s = WaitFor(trainer, [](const Snapshot& s) { return s.open_choice.id != 0; });
  EXPECT_EQ(s->open_choice.running_model, AbsolutePath(model));
  EXPECT_EQ(s->open_choice.kinds, (std::vector<std::string>{"text"}));
  EXPECT_EQ(s->running.imported_from, AbsolutePath(model)) << "asking changes nothing";

  trainer.Send(OpenFileCommand{poem, "text", OpenUse::kRunningModel});
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.running.data_path == AbsolutePath(poem) && s.step >= 2; });
  EXPECT_EQ(s->running.imported_from, AbsolutePath(model));
  EXPECT_EQ(s->config.hidden, 12) << "the model's own shape, not the window's defaults";
  EXPECT_EQ(s->open_choice.id, 0);
  EXPECT_FALSE(s->paused);

  // Asked again, the other answer: a new char LM of the task's defaults on the text.
  trainer.Send(OpenFileCommand{poem});
  WaitFor(trainer, [](const Snapshot& s) { return s.open_choice.id != 0; });
  trainer.Send(OpenFileCommand{poem, "text", OpenUse::kNewRun});
  s = WaitFor(trainer, [&](const Snapshot& s) { return s.running.imported_from.empty() && s.has_job; });
  EXPECT_EQ(s->running.data_path, AbsolutePath(poem));
  EXPECT_NE(s->config.hidden, 12);
  trainer.Stop();
}

}  // namespace
}  // namespace rnnscope
