// Bad input through the real binary: every case runs `rnnscope ...` as a child process and
// asserts a non-zero exit, no crash signal, and one clear line on stderr that names the file or
// flag (CLI11's flag errors add a second "Run with --help" line, which is allowed).
// With RNNSCOPE_BAD_INPUT_TABLE=<file> set, each case appends "| case | message |" to that file
// (that is how tests/BAD_INPUT.md was produced).
//
// Contents: child process · fixtures · text files · safetensors (trace --weights, sample --ckpt)
//           · flags
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "train/checkpoint.h"
#include "model/model_io.h"
#include "io/safetensors.h"
#include "model/params.h"
#include "tasks/text_corpus.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- child process
struct ChildResult {
  int exit_code = -1;  // valid when neither signaled nor timed out
  int signal = 0;      // terminating signal, 0 if it exited
  bool timed_out = false;
  double seconds = 0;
  std::string out, err;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ChildResult RunChild(const fs::path& binary, const std::vector<std::string>& args, const fs::path& scratch,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const fs::path out_path = scratch / "child.stdout", err_path = scratch / "child.stderr";
  std::vector<std::string> argv_s = {binary.string()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(120);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execv(argv[0], argv.data());
    ::_exit(121);
  }
  ChildResult r;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  else if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadAll(out_path);
  r.err = ReadAll(err_path);
  return r;
}

// ---------------------------------------------------------------- fixtures
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = fs::path(RNNSCOPE_BINARY_DIR) / "rnnscope";
    if (!fs::exists(binary_)) GTEST_SKIP() << binary_ << " is not built; build the rnnscope target";
    dir_ = fs::temp_directory_path() / ("rnnscope_bad_input." + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (dir_.empty()) return;
    std::error_code ec;
    fs::permissions(dir_ / "unreadable.txt", fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }

  fs::path Write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    return p;
  }

  // Runs the binary and checks the contract; `needles` must all appear in the first stderr line.
  void ExpectRejected(const std::string& what, const std::vector<std::string>& args,
                      const std::vector<std::string>& needles, double max_seconds = 60) {
    SCOPED_TRACE(what);
    const ChildResult r = RunChild(binary_, args, dir_);
    ASSERT_FALSE(r.timed_out) << "no answer within the time limit";
    ASSERT_EQ(r.signal, 0) << "killed by signal " << r.signal << " (" << strsignal(r.signal)
                           << "); stderr:\n" << r.err;
    EXPECT_NE(r.exit_code, 0) << "accepted bad input; stdout:\n" << r.out;
    EXPECT_NE(r.exit_code, 3) << "reported as an internal error, not as bad input:\n" << r.err;
    ASSERT_FALSE(r.err.empty()) << "nothing on stderr";
    const std::string first = r.err.substr(0, r.err.find('\n'));
    for (const std::string& n : needles)
      EXPECT_NE(first.find(n), std::string::npos) << "the message does not mention '" << n << "':\n" << r.err;
    // One line; CLI11 flag errors add exactly "Run with --help for more information.".
    std::string rest = r.err.substr(std::min(r.err.size(), first.size() + 1));
    if (rest.rfind("Run with --help", 0) == 0) rest = rest.substr(std::min(rest.size(), rest.find('\n') + 1));
    EXPECT_TRUE(rest.empty()) << "more than one line on stderr:\n" << r.err;
    EXPECT_LT(r.seconds, max_seconds) << "rejecting took too long (work done before validating?)";
    if (const char* table = std::getenv("RNNSCOPE_BAD_INPUT_TABLE")) {
      std::string msg = first;
      const std::string d = dir_.string() + "/";
      for (std::size_t at; (at = msg.find(d)) != std::string::npos;) msg.replace(at, d.size(), "");
      for (std::size_t at = 0; (at = msg.find('|', at)) != std::string::npos; at += 2) msg.replace(at, 1, "\\|");
      std::ofstream(table, std::ios::app) << "| " << what << " | exit " << r.exit_code << " | `" << msg << "` |\n";
    }
  }

  std::vector<std::string> Train(const fs::path& text) {
    return {"train", "--text", text.string(), "--steps", "1", "--hidden", "8"};
  }

  fs::path binary_, dir_;
};

// ---------------------------------------------------------------- text files (train --text)
TEST_F(BadInput, MissingTextFile) {
  ExpectRejected("text: missing file", Train(dir_ / "missing.txt"), {"missing.txt", "no such file"});
}

TEST_F(BadInput, EmptyTextFile) {
  ExpectRejected("text: empty file", Train(Write("empty.txt", "")), {"empty.txt", "empty"});
}

TEST_F(BadInput, DirectoryAsTextFile) {
  fs::create_directories(dir_ / "adir");
  ExpectRejected("text: a directory", Train(dir_ / "adir"), {"adir", "directory"});
}

TEST_F(BadInput, PathThroughAFile) {
  // Fails even as root (unlike chmod 000): a regular file used as a directory.
  Write("plain.txt", "hello world\n");
  ExpectRejected("text: path through a regular file", Train(dir_ / "plain.txt" / "x.txt"),
                 {"plain.txt/x.txt", "Not a directory"});
}

TEST_F(BadInput, UnreadableTextFile) {
  const fs::path p = Write("unreadable.txt", "hello world, some text\n");
  ::chmod(p.c_str(), 0);
  if (::geteuid() == 0 || ::access(p.c_str(), R_OK) == 0)
    GTEST_SKIP() << "running as root (or permissions ignored): a chmod 000 file is still readable; "
                    "PathThroughAFile covers an unreadable path";
  ExpectRejected("text: chmod 000", Train(p), {"unreadable.txt", "Permission denied"});
}

TEST_F(BadInput, BinaryFile) {
  std::string bytes = "\x7f" "ELF\x02\x01\x01";
  bytes += std::string(9, '\0') + "\x03\x00\x3e";
  ExpectRejected("text: binary (ELF header)", Train(Write("prog.bin", bytes)),
                 {"prog.bin", "byte offset 7", "binary"});
}

TEST_F(BadInput, InvalidUtf8ReportsTheByteOffset) {
  // "café" in UTF-8, then "naïve" with a Latin-1 ï (0xEF) at byte 8.
  ExpectRejected("text: Latin-1 byte at offset 8", Train(Write("latin1.txt", "caf\xc3\xa9 na\xefve text")),
                 {"latin1.txt", "byte offset 8"});
}

TEST_F(BadInput, TruncatedUtf8AtTheEnd) {
  ExpectRejected("text: truncated 3-byte sequence at the end", Train(Write("trunc.txt", "hello \xe2\x82")),
                 {"trunc.txt", "byte offset 6", "truncated"});
}

TEST_F(BadInput, Utf16File) {
  const std::string utf16("\xff\xfeh\0i\0", 6);
  ExpectRejected("text: UTF-16 with BOM", Train(Write("utf16.txt", utf16)), {"utf16.txt", "byte offset"});
}

TEST_F(BadInput, OneDistinctCharacter) {
  ExpectRejected("text: one distinct character", Train(Write("aaaa.txt", std::string(5000, 'a'))),
                 {"aaaa.txt", "single distinct character"});
}

TEST_F(BadInput, TooShortToSplit) {
  ExpectRejected("text: two characters", Train(Write("ab.txt", "ab")), {"ab.txt"});
}

TEST_F(BadInput, LargerThanTheCapIsRejectedBeforeReading) {
  // Sparse: occupies no disk, but reading it would allocate 300 MiB. The loader must look at
  // the size first, so this fails in well under a second.
  const fs::path p = dir_ / "huge.txt";
  { std::ofstream(p) << "x"; }
  fs::resize_file(p, kMaxTextCorpusBytes + (44ull << 20));
  ExpectRejected("text: sparse file 300 MiB (cap 256 MiB)", Train(p),
                 {"huge.txt", std::to_string(kMaxTextCorpusBytes) + "-byte limit"}, 20.0);
}

// ---------------------------------------------------------------- safetensors
// A tiny PyTorch-shaped LSTM (vocab 5, hidden 3) and a batch for `rnnscope trace`.
ModelConfig TinyConfig(CellKind cell = CellKind::kLstm) {
  ModelConfig c;
  c.cell = cell;
  c.vocab = 5;
  c.hidden = 3;
  return c;
}

TensorFile TinyWeights(CellKind cell = CellKind::kLstm) {
  ModelParams<float> p;
  p.InitRandom(TinyConfig(cell), 1);
  TensorFile f;
  SaveModelParams(p, f);
  return f;
}

// u64 header length + header + data, with the header length overridable.
std::string RawSafetensors(const std::string& header, const std::string& data,
                           uint64_t header_len = std::numeric_limits<uint64_t>::max()) {
  const uint64_t n = header_len == std::numeric_limits<uint64_t>::max() ? header.size() : header_len;
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

class BadWeights : public BadInput {
 protected:
  void SetUp() override {
    BadInput::SetUp();
    if (IsSkipped()) return;
    TensorFile batch;
    batch.SetInt64("input_ids", {2, 3}, {0, 1, 2, 3, 4, 0});
    batch.SetInt64("target_ids", {2, 3}, {1, 2, 3, 4, 0, 1});
    batch_ = (dir_ / "batch.safetensors").string();
    WriteSafetensors(batch_, batch);
  }
  std::vector<std::string> Trace(const fs::path& weights, const std::string& cell = "lstm") {
    return {"trace", "--cell", cell, "--weights", weights.string(), "--batch", batch_,
            "--out", (dir_ / "out.safetensors").string()};
  }
  std::string batch_;
};

TEST_F(BadWeights, ValidFileIsAccepted) {  // the control: the fixtures themselves are fine
  const fs::path w = dir_ / "good.safetensors";
  WriteSafetensors(w, TinyWeights());
  const ChildResult r = RunChild(binary_, Trace(w), dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(BadWeights, HeaderLengthBeyondTheFile) {
  const std::string header = R"({"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  ExpectRejected("safetensors: header length beyond the file",
                 Trace(Write("hdr.safetensors", RawSafetensors(header, "abcd", 4096))),
                 {"hdr.safetensors", "header length 4096", "past the end"});
}

TEST_F(BadWeights, HugeHeaderLength) {
  ExpectRejected("safetensors: header length 2^63",
                 Trace(Write("hdr2.safetensors", RawSafetensors("{}", "", 1ull << 63))),
                 {"hdr2.safetensors", "header length"});
}

TEST_F(BadWeights, TruncatedFile) {
  ExpectRejected("safetensors: 5-byte file", Trace(Write("short.safetensors", "abcde")),
                 {"short.safetensors", "too short"});
}

TEST_F(BadWeights, NotJson) {
  ExpectRejected("safetensors: header is not JSON", Trace(Write("nj.safetensors", RawSafetensors("{\"a\":", ""))),
                 {"nj.safetensors", "invalid JSON"});
}

TEST_F(BadWeights, OverlappingOffsets) {
  const std::string header =
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
  ExpectRejected("safetensors: overlapping data_offsets",
                 Trace(Write("overlap.safetensors", RawSafetensors(header, std::string(12, '\0')))),
                 {"overlap.safetensors", "overlap"});
}

TEST_F(BadWeights, OffsetsOutOfRange) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  ExpectRejected("safetensors: data_offsets past the data",
                 Trace(Write("range.safetensors", RawSafetensors(header, std::string(8, '\0')))),
                 {"range.safetensors", "'a'", "past the end"});
}

TEST_F(BadWeights, OffsetsDisagreeWithShape) {
  const std::string header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})";
  ExpectRejected("safetensors: shape [3] F32 over 8 bytes",
                 Trace(Write("span.safetensors", RawSafetensors(header, std::string(8, '\0')))),
                 {"span.safetensors", "'a'", "needs 12 bytes"});
}

TEST_F(BadWeights, UnknownDtype) {
  const std::string header = R"({"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})";
  ExpectRejected("safetensors: unknown dtype F8_E4M3",
                 Trace(Write("dtype.safetensors", RawSafetensors(header, std::string(4, '\0')))),
                 {"dtype.safetensors", "unsupported dtype 'F8_E4M3'"});
}

TEST_F(BadWeights, ShapesDisagreeWithEachOther) {
  TensorFile f = TinyWeights();
  MatF wrong = MatF::Zero(12, 4);  // weight_hh must be (4H, H) = (12, 3)
  f.SetMatrix("rnn.weight_hh_l0", wrong);
  const fs::path w = dir_ / "hh.safetensors";
  WriteSafetensors(w, f);
  ExpectRejected("weights: weight_hh_l0 [12, 4] for H=3", Trace(w), {"hh.safetensors", "weight_hh_l0"});
}

TEST_F(BadWeights, ShapesDisagreeWithTheCell) {
  const fs::path w = dir_ / "gru.safetensors";
  WriteSafetensors(w, TinyWeights(CellKind::kGru));  // 3H rows, loaded as an LSTM (4H)
  ExpectRejected("weights: GRU state_dict with --cell lstm", Trace(w, "lstm"), {"gru.safetensors", "weight_ih_l0"});
}

TEST_F(BadWeights, IntegerWeights) {
  TensorFile f = TinyWeights();
  f.SetInt64("fc.bias", {5}, {1, 2, 3, 4, 5});
  const fs::path w = dir_ / "int.safetensors";
  WriteSafetensors(w, f);
  ExpectRejected("weights: fc.bias as I64", Trace(w), {"int.safetensors", "fc.bias", "dtype"});
}

TEST_F(BadWeights, NanWeight) {
  TensorFile f = TinyWeights();
  MatF fc = f.GetMatrix<float>("fc.weight");
  fc(1, 2) = std::numeric_limits<float>::quiet_NaN();
  f.SetMatrix("fc.weight", fc);
  const fs::path w = dir_ / "nan.safetensors";
  WriteSafetensors(w, f);
  ExpectRejected("weights: NaN in fc.weight[1, 2] (trace)", Trace(w), {"nan.safetensors", "fc.weight", "NaN"});
  std::vector<std::string> grad = Trace(w);
  grad[0] = "grad";
  ExpectRejected("weights: NaN in fc.weight[1, 2] (grad)", grad, {"nan.safetensors", "fc.weight", "NaN"});
}

TEST_F(BadWeights, InfWeight) {
  TensorFile f = TinyWeights();
  MatF b = f.GetMatrix<float>("rnn.bias_hh_l0");
  b(0, 0) = -std::numeric_limits<float>::infinity();
  f.SetMatrix("rnn.bias_hh_l0", b, true);
  const fs::path w = dir_ / "inf.safetensors";
  WriteSafetensors(w, f);
  ExpectRejected("weights: -Inf in rnn.bias_hh_l0", Trace(w), {"inf.safetensors", "bias_hh_l0", "infinite"});
}

TEST_F(BadWeights, TokenIdOutsideTheVocabulary) {
  const fs::path w = dir_ / "good.safetensors";
  WriteSafetensors(w, TinyWeights());
  TensorFile batch;
  batch.SetInt64("input_ids", {1, 2}, {0, 9});
  const fs::path b = dir_ / "bad_batch.safetensors";
  WriteSafetensors(b, batch);
  std::vector<std::string> args = Trace(w);
  args[6] = b.string();
  ExpectRejected("batch: input_ids contains 9 for vocab 5", args, {"bad_batch.safetensors", "input_ids"});
}

// A real char-LM checkpoint to tamper with: `rnnscope train --ckpt`.
class BadCheckpoint : public BadInput {
 protected:
  void SetUp() override {
    BadInput::SetUp();
    if (IsSkipped()) return;
    text_ = Write("corpus.txt", "the quick brown fox jumps over the lazy dog, again and again.\n");
    ckpt_ = dir_ / "ckpt.safetensors";
    const ChildResult r = RunChild(binary_, {"train", "--text", text_.string(), "--hidden", "8", "--steps", "2",
                                             "--batch", "2", "--seq-len", "8", "--ckpt", ckpt_.string()}, dir_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::vector<std::string> Sample(const fs::path& ckpt) {
    return {"sample", "--ckpt", ckpt.string(), "--length", "10"};
  }
  fs::path text_, ckpt_;
};

TEST_F(BadCheckpoint, ValidCheckpointSamples) {  // the control
  const ChildResult r = RunChild(binary_, Sample(ckpt_), dir_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(BadCheckpoint, NanWeight) {
  TensorFile f = ReadSafetensors(ckpt_);
  MatF w = f.GetMatrix<float>("fc.weight");
  w(0, 0) = std::numeric_limits<float>::quiet_NaN();
  f.SetMatrix("fc.weight", w);
  const fs::path p = dir_ / "nan_ckpt.safetensors";
  WriteSafetensors(p, f);
  ExpectRejected("checkpoint: NaN in fc.weight (sample --ckpt)", Sample(p), {"nan_ckpt.safetensors", "fc.weight", "NaN"});
}

TEST_F(BadCheckpoint, WrongShape) {
  TensorFile f = ReadSafetensors(ckpt_);
  f.SetMatrix("rnn.weight_hh_l0", MatF(MatF::Zero(32, 9)));
  const fs::path p = dir_ / "shape_ckpt.safetensors";
  WriteSafetensors(p, f);
  ExpectRejected("checkpoint: weight_hh_l0 [32, 9] for H=8", Sample(p), {"shape_ckpt.safetensors", "weight_hh_l0"});
}

TEST_F(BadCheckpoint, PlainStateDictIsNotACheckpoint) {
  const fs::path p = dir_ / "state_dict.safetensors";
  WriteSafetensors(p, TinyWeights());
  ExpectRejected("checkpoint: a PyTorch state_dict without metadata", Sample(p),
                 {"state_dict.safetensors", "not an rnnscope checkpoint"});
}

TEST_F(BadCheckpoint, MetadataWithWrongTypes) {
  TensorFile f = ReadSafetensors(ckpt_);
  nlohmann::json meta = nlohmann::json::parse(f.metadata.at("rnnscope"));
  meta["definition"]["model"]["hidden"] = "eight";
  f.metadata["rnnscope"] = meta.dump();
  const fs::path p = dir_ / "types_ckpt.safetensors";
  WriteSafetensors(p, f);
  ExpectRejected("checkpoint: model.hidden is a string", Sample(p), {"types_ckpt.safetensors"});
}

TEST_F(BadCheckpoint, MetadataMissingAField) {
  TensorFile f = ReadSafetensors(ckpt_);
  nlohmann::json meta = nlohmann::json::parse(f.metadata.at("rnnscope"));
  meta["definition"].erase("vocab");
  f.metadata["rnnscope"] = meta.dump();
  const fs::path p = dir_ / "novocab_ckpt.safetensors";
  WriteSafetensors(p, f);
  ExpectRejected("checkpoint: metadata without 'vocab'", Sample(p), {"novocab_ckpt.safetensors", "vocab"});
}

TEST_F(BadCheckpoint, TextChangedSinceTheCheckpoint) {
  Write("corpus.txt", "an entirely different text, with new letters: XYZ 123!\n");
  // Sampling needs only the checkpoint (vocabulary and weights travel in it), and says the file changed.
  const ChildResult sampled = RunChild(binary_, Sample(ckpt_), dir_);
  EXPECT_EQ(sampled.exit_code, 0) << sampled.err;
  EXPECT_NE(sampled.err.find("corpus.txt"), std::string::npos) << sampled.err;
  EXPECT_NE(sampled.err.find("has changed since the checkpoint"), std::string::npos) << sampled.err;
  // Continuing to train on other bytes is refused, naming the file.
  ExpectRejected("checkpoint: its --text file changed since", {"train", "--resume", ckpt_.string(), "--steps", "1"},
                 {"corpus.txt", "has changed since the checkpoint", "cannot continue training"});
}

// ---------------------------------------------------------------- flags
TEST_F(BadInput, AbsurdFlagsAreRejectedWithTheRange) {
  // Each would allocate gigabytes (or nothing sensible) if it got through; each must fail at
  // parse time, fast.
  ExpectRejected("flag: --hidden 1000000000", {"train", "--hidden", "1000000000"}, {"--hidden", "4096"}, 20);
  ExpectRejected("flag: --layers 100", {"train", "--layers", "100"}, {"--layers", "8"}, 20);
  ExpectRejected("flag: --embed -1", {"train", "--embed", "-1"}, {"--embed"}, 20);
  ExpectRejected("flag: --batch 0", {"train", "--batch", "0"}, {"--batch", "1 to 4096"}, 20);
  ExpectRejected("flag: --seq-len -5", {"train", "--seq-len", "-5"}, {"--seq-len"}, 20);
  ExpectRejected("flag: --seq-len 100000000", {"train", "--seq-len", "100000000"}, {"--seq-len", "4096"}, 20);
  ExpectRejected("flag: --steps -1", {"train", "--steps", "-1"}, {"--steps"}, 20);
  // The range in one readable phrase, not CLI11's "0 to 1.797…e308" written out in 300 digits.
  ExpectRejected("flag: --lr 0", {"train", "--lr", "0"}, {"--lr", "must be a finite number above 0"}, 20);
  ExpectRejected("flag: --lr nan", {"train", "--lr", "nan"}, {"--lr", "nan", "finite"}, 20);
  ExpectRejected("flag: --weight-decay -1", {"train", "--weight-decay", "-1"}, {"--weight-decay", "0 or above"}, 20);
  ExpectRejected("flag: --clip-mode bogus", {"train", "--clip-mode", "bogus"}, {"--clip-mode"}, 20);
  ExpectRejected("flag: --cell transformer", {"train", "--cell", "transformer"}, {"transformer"}, 20);
  ExpectRejected("flag: --optimizer rmsprop", {"train", "--optimizer", "rmsprop", "--steps", "1"}, {"rmsprop"}, 20);
  ExpectRejected("flag: --hidden twelve", {"train", "--hidden", "twelve"}, {"--hidden"}, 20);
  ExpectRejected("flag: --threads 0", {"train", "--threads", "0", "--steps", "1"}, {"--threads"}, 20);
  ExpectRejected("flag: sample --length -5", {"sample", "--ckpt", "x", "--length", "-5"}, {"--length"}, 20);
  ExpectRejected("flag: sample --temperature 0", {"sample", "--ckpt", "x", "--temperature", "0"},
                 {"--temperature"}, 20);
  ExpectRejected("flag: trace --dtype f16", {"trace", "--cell", "lstm", "--weights", "w", "--batch", "b",
                                             "--out", "o", "--dtype", "f16"}, {"f16"}, 20);
  ExpectRejected("flag: --dropout 1.5", {"train", "--dropout", "1.5"}, {"--dropout", "from 0 to 0.95"}, 20);
  ExpectRejected("flag: --dropout on a seq2seq task", {"train", "--task", "reverse", "--dropout", "0.3", "--steps", "1"},
                 {"--dropout", "reverse", "char LM"}, 20);
  ExpectRejected("flag: --early-stop -1", {"train", "--early-stop", "-1"}, {"--early-stop"}, 20);
  ExpectRejected("flag: grad --readout median", {"grad", "--weights", "w", "--batch", "b", "--out", "o",
                                                 "--readout", "median"}, {"median"}, 20);
  ExpectRejected("flag: unknown command", {"frobnicate"}, {"unknown command 'frobnicate'", "train, sample"}, 20);
  ExpectRejected("flag: misspelt command", {"trian", "--steps", "1"}, {"unknown command 'trian'", "did you mean 'train'"}, 20);
}

TEST_F(BadInput, ModelFlagsCannotChangeOnResume) {
  const fs::path ckpt = dir_ / "resume.safetensors";
  const ChildResult made = RunChild(binary_, {"train", "--steps", "2", "--hidden", "8", "--batch", "2", "--seq-len", "8",
                                              "--ckpt", ckpt.string()}, dir_);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ExpectRejected("flag: --hidden with --resume", {"train", "--resume", ckpt.string(), "--hidden", "16"},
                 {"--hidden cannot be combined with --resume", "checkpoint"}, 20);
  ExpectRejected("flag: --cell with --resume", {"train", "--resume", ckpt.string(), "--cell", "gru"},
                 {"--cell cannot be combined with --resume"}, 20);
}

// `rnnscope gui PATH` (and `rnnscope PATH`): a file that cannot open is refused before any
// window exists, naming it and the problem (io/file_kind.h, train/open_file.h), so these run
// without a display. A build without the window has no `gui`: skipped there.
TEST_F(BadInput, OpeningAFileRefusesItByName) {
  const ChildResult probe = RunChild(binary_, {"gui", "--help"}, dir_);
  if (probe.err.find("unknown command") != std::string::npos) GTEST_SKIP() << "this rnnscope has no window (gui)";
  fs::create_directories(dir_ / "afolder");
  ExpectRejected("open: a folder", {"gui", (dir_ / "afolder").string()}, {"afolder", "is a folder"}, 20);
  ExpectRejected("open: an empty file", {"gui", Write("nothing", "").string()}, {"nothing", "empty"}, 20);
  ExpectRejected("open: a binary file", {"gui", Write("prog", std::string("\x7f" "ELF\x02\x01\x01\0\0", 9)).string()},
                 {"prog", "binary file"}, 20);
  ExpectRejected("open: Latin-1 text", {"gui", Write("latin", "caf\xe9\n").string()}, {"latin", "not UTF-8"}, 20);
  // .pt files are read now (io/torch_archive.h); a torn one is named with what is missing.
  ExpectRejected("open: a torn torch.save file", {"gui", Write("model.pt", std::string("PK\x03\x04rest", 8)).string()},
                 {"model.pt", "zip archive cut short"}, 20);
  TensorFile conv;
  conv.SetMatrix<float>("conv.weight", MatF::Zero(2, 2));
  WriteSafetensors(dir_ / "conv.safetensors", conv);
  ExpectRejected("open: safetensors without a recurrent layer", {"gui", (dir_ / "conv.safetensors").string()},
                 {"conv.safetensors", "no recurrent layer", "conv.weight"}, 20);
  TensorFile future = conv;
  future.metadata["rnnscope"] = R"({"format":"rnnscope-checkpoint","version":99,"task":"charlm"})";
  WriteSafetensors(dir_ / "future.safetensors", future);
  ExpectRejected("open: a checkpoint of another format version", {"gui", (dir_ / "future.safetensors").string()},
                 {"future.safetensors", "99"}, 20);
  TensorFile torch;
  torch.SetMatrix<float>("rnn.weight_ih_l0", MatF::Zero(8, 3));
  WriteSafetensors(dir_ / "torch.safetensors", torch);
  ExpectRejected("open: a state_dict without its vocabulary", {"gui", (dir_ / "torch.safetensors").string()},
                 {"torch.safetensors", "vocabulary", "torch.vocab.json"}, 20);
  ExpectRejected("open: --kind not a kind", {"gui", Write("ok.txt", "hello there\n").string(), "--kind", "poem"},
                 {"--kind poem", "text, tsv, conll"}, 20);
}

TEST_F(BadInput, SettingsGivenWithResumeOverrideTheCheckpoint) {
  // After a divergence the user resumes with a lower rate: it must be used, and said so.
  const fs::path ckpt = dir_ / "resume.safetensors";
  const ChildResult made = RunChild(binary_, {"train", "--steps", "2", "--hidden", "8", "--batch", "2", "--seq-len", "8",
                                              "--lr", "0.002", "--ckpt", ckpt.string()}, dir_);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const ChildResult r = RunChild(binary_, {"train", "--resume", ckpt.string(), "--steps", "1", "--lr", "0.0005",
                                           "--clip-mode", "value"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("settings from the command line: lr 0.002 → 0.0005, clip-mode norm → value"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("adam lr=0.0005"), std::string::npos) << "the new rate is not the one trained with:\n" << r.out;
  // Without flags the checkpoint's settings stand.
  const ChildResult same = RunChild(binary_, {"train", "--resume", ckpt.string(), "--steps", "1"}, dir_);
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out.find("settings from the command line"), std::string::npos) << same.out;
  EXPECT_NE(same.out.find("adam lr=0.002"), std::string::npos) << same.out;
}

}  // namespace
}  // namespace rnnscope
