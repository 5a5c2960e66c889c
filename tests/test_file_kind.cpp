// A file's kind comes from its content (io/file_kind.h): texts, TSV pairs, CoNLL sentences,
// checkpoints and state_dicts whatever their names; two-column lines that fit two readings
// say so; bad files are refused with the file and the problem.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "io/file_kind.h"
#include "io/safetensors.h"
#include "train/open_file.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class FileKindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rnnscope_file_kind_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Written under a name that says nothing of the content: detection must not look at it.
  std::string Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string Refusal(const std::string& path) {
    try {
      DetectFileKind(path);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(FileKindTest, TextWhateverTheName) {
  const FileKindGuess g = DetectFileKind(Write("poems.tsv", "床前明月光，\n疑是地上霜。\nno tabs here\n"));
  EXPECT_EQ(g.kind, FileKind::kText);
  EXPECT_TRUE(g.also.empty());
  EXPECT_NE(g.detail.find("UTF-8 text"), std::string::npos);
}

TEST_F(FileKindTest, TsvPairsWithSpacesInTheSource) {
  const FileKindGuess g = DetectFileKind(Write("data.txt", "the cat sat\tle chat\nhello world\tbonjour\n\nhi\tsalut\n"));
  EXPECT_EQ(g.kind, FileKind::kTsvPairs);
  EXPECT_TRUE(g.also.empty());  // lines with spaces in the source: pairs, not tags
}

TEST_F(FileKindTest, ConllSentencesAndTheAmbiguousCase) {
  const std::string conll = "-DOCSTART-\tO\n\nJohn\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\nShe\tO\nleft\tO\n";
  const FileKindGuess g = DetectFileKind(Write("x.bin", conll));
  EXPECT_EQ(g.kind, FileKind::kConll);
  EXPECT_TRUE(g.also.empty());  // tags repeat: sentences of tokens, not word pairs
  // One-word pairs in groups, the second column never repeating: tagging or translation? Ask.
  const FileKindGuess pairs = DetectFileKind(Write("w", "cat\tchat\ndog\tchien\n\nsun\tsoleil\nsea\tmer\n"));
  EXPECT_EQ(pairs.kind, FileKind::kConll);
  EXPECT_EQ(pairs.also, std::vector<FileKind>{FileKind::kTsvPairs});
  // Space-separated columns (CoNLL-2003 style) are tagging, not pairs.
  const FileKindGuess spaced = DetectFileKind(Write("y", "John B-PER\nran O\n\nHe O\nsat O\n"));
  EXPECT_EQ(spaced.kind, FileKind::kConll);
  EXPECT_TRUE(std::find(spaced.also.begin(), spaced.also.end(), FileKind::kTsvPairs) == spaced.also.end());
}

TEST_F(FileKindTest, MostlyPairsIsATextThatMightBeABrokenTsv) {
  std::string text;
  for (int i = 0; i < 19; ++i) text += "a b\tc d\n";
  text += "a line with no tab\n";
  const FileKindGuess g = DetectFileKind(Write("z", text));
  EXPECT_EQ(g.kind, FileKind::kText);
  EXPECT_EQ(g.also, std::vector<FileKind>{FileKind::kTsvPairs});
}

TEST_F(FileKindTest, CheckpointAndStateDictFromTheirTensorsAndMetadata) {
  TensorFile sd;
  sd.SetMatrix<float>("rnn.weight_ih_l0", MatF::Zero(4, 3));
  sd.SetMatrix<float>("fc.weight", MatF::Zero(3, 1));
  const std::string sd_path = (dir_ / "model.txt").string();
  WriteSafetensors(sd_path, sd);
  const FileKindGuess g = DetectFileKind(sd_path);
  EXPECT_EQ(g.kind, FileKind::kStateDict);
  EXPECT_NE(g.detail.find("2 tensors"), std::string::npos) << g.detail;

  TensorFile ck = sd;
  ck.metadata["rnnscope"] = R"({"format":"rnnscope-checkpoint","version":2,"task":"charlm","step":120})";
  const std::string ck_path = (dir_ / "run").string();
  WriteSafetensors(ck_path, ck);
  const FileKindGuess c = DetectFileKind(ck_path);
  EXPECT_EQ(c.kind, FileKind::kCheckpoint);
  EXPECT_NE(c.detail.find("charlm"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("step 120"), std::string::npos) << c.detail;

  TensorFile other;
  other.SetMatrix<float>("conv.weight", MatF::Zero(2, 2));
  const std::string other_path = (dir_ / "conv.safetensors").string();
  WriteSafetensors(other_path, other);
  const std::string why = Refusal(other_path);
  EXPECT_NE(why.find(other_path), std::string::npos) << why;
  EXPECT_NE(why.find("no recurrent layer"), std::string::npos) << why;
  EXPECT_NE(why.find("conv.weight"), std::string::npos) << why;

  TensorFile trace;
  trace.SetMatrix<float>("l0.h", MatF::Zero(2, 2));
  trace.metadata["format"] = "rnnscope trace 1";
  const std::string trace_path = (dir_ / "trace.safetensors").string();
  WriteSafetensors(trace_path, trace);
  EXPECT_NE(Refusal(trace_path).find("trace export"), std::string::npos);
}

TEST_F(FileKindTest, BadFilesAreRefusedNamingTheFileAndTheProblem) {
  const std::string empty = Write("empty.txt", "");
  EXPECT_NE(Refusal(empty).find(empty + ": the file is empty"), std::string::npos);
  EXPECT_NE(Refusal(dir_.string()).find("is a folder"), std::string::npos);
  EXPECT_NE(Refusal((dir_ / "missing").string()).find("no such file"), std::string::npos);
  const std::string binary = Write("a.txt", std::string("abc\0def", 7));
  EXPECT_NE(Refusal(binary).find("NUL byte at byte offset 3"), std::string::npos) << Refusal(binary);
  const std::string latin1 = Write("b.txt", "caf\xE9 au lait\n");
  EXPECT_NE(Refusal(latin1).find("not UTF-8 text"), std::string::npos) << Refusal(latin1);
  const std::string pickle = Write("m.pt", std::string("PK\x03\x04", 4) + "archive/data.pkl");
  EXPECT_NE(Refusal(pickle).find("zip archive"), std::string::npos) << Refusal(pickle);
  // Eight bytes that announce a header longer than the file: not safetensors, and not UTF-8.
  const std::string fake = Write("c", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{", 9));
  EXPECT_FALSE(Refusal(fake).empty());
}

TEST_F(FileKindTest, ASampleCutInsideACharacterIsStillText) {
  // 64 KiB of three-byte characters does not end on a character boundary at kSampleBytes.
  std::string text;
  while (text.size() < kSampleBytes + 100) text += "中文\n";
  EXPECT_EQ(DetectFileKind(Write("long", text)).kind, FileKind::kText);
}

TEST_F(FileKindTest, SpecForEachKind) {
  JobSpec base;
  base.given.emplace();
  const std::string text = Write("t", "hello\n");
  JobSpec s = SpecForFile(text, FileKind::kText, base);
  EXPECT_EQ(s.task, "charlm");
  EXPECT_EQ(s.text_path, AbsolutePath(text));
  EXPECT_TRUE(s.Given("text"));
  EXPECT_FALSE(s.Given("cell"));
  EXPECT_EQ(SpecForFile(text, FileKind::kTsvPairs, base).task, "tsv");
  EXPECT_EQ(SpecForFile(text, FileKind::kConll, base).data_path, AbsolutePath(text));
  // A state_dict needs its vocabulary beside it.
  const std::string model = Write("m.safetensors", "x");
  try {
    SpecForFile(model, FileKind::kStateDict, base);
    ADD_FAILURE() << "no vocabulary, yet a spec";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("m.vocab.json"), std::string::npos) << e.what();
  }
  Write("m.vocab.json", "[\"a\"]");
  const JobSpec m = SpecForFile(model, FileKind::kStateDict, base);
  EXPECT_EQ(m.weights_path, AbsolutePath(model));
  EXPECT_EQ(m.vocab_path, VocabularyBeside(AbsolutePath(model)));
  EXPECT_THROW(SpecForFile(model, FileKind::kCheckpoint, base), InputError);
}

}  // namespace
}  // namespace rnnscope
