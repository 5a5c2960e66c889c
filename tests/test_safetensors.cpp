#include "io/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "core/error.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rnnscope_st_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path WriteRaw(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  // A file with the given header text and data bytes.
  fs::path WriteWithHeader(const std::string& header, const std::string& data = "") {
    std::string bytes(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    return WriteRaw("h.safetensors", bytes + header + data);
  }
  // Expects ReadSafetensors to throw InputError whose message contains every fragment.
  void ExpectReadError(const fs::path& p, std::initializer_list<std::string> fragments) {
    try {
      ReadSafetensors(p);
      FAIL() << "no error for " << p;
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
      for (const std::string& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
    }
  }

  fs::path dir_;
};

std::string DataDir() { return std::string(RNNSCOPE_SOURCE_DIR) + "/tests/data/"; }

TEST_F(SafetensorsTest, RoundTripsEveryDtypeAndMetadata) {
  MatF wf(2, 3);
  wf << 1, 2, 3, 4, 5, 6;
  MatD wd = MatD::Random(4, 5);
  MatF bias(3, 1);
  bias << -1.5f, 0.f, std::numeric_limits<float>::denorm_min();
  TensorFile f;
  f.SetMatrix("w.f32", wf);
  f.SetMatrix("w.f64", wd);
  f.SetMatrix("b", bias, /*is_vector=*/true);
  f.SetInt64("step", {1}, {int64_t{1} << 50});
  f.SetTensor<int32_t>("ids", {2, 2}, {1, -2, INT32_MAX, INT32_MIN});
  f.SetTensor<float>("logits", {2, 3, 4}, std::vector<float>(24, 0.25f));
  f.metadata["format"] = "pt";
  f.metadata["config"] = "{\"hidden\": 8}";
  const fs::path p = dir_ / "rt.safetensors";
  WriteSafetensors(p, f);

  const TensorFile g = ReadSafetensors(p);
  EXPECT_EQ(g.source, p.string());
  EXPECT_EQ(g.metadata, f.metadata);
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (const auto& [name, t] : f.tensors) {
    const NamedTensor& u = g.Get(name);
    EXPECT_EQ(u.dtype, t.dtype) << name;
    EXPECT_EQ(u.shape, t.shape) << name;
    EXPECT_EQ(u.bytes, t.bytes) << name;
  }
  EXPECT_EQ(g.Get("w.f32").dtype, "F32");
  EXPECT_EQ(g.Get("w.f64").dtype, "F64");
  EXPECT_EQ(g.Get("w.f32").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(g.Get("b").shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(g.GetMatrix<float>("w.f32"), wf);
  EXPECT_EQ(g.GetMatrix<double>("w.f64"), wd);
  EXPECT_EQ(g.GetMatrix<float>("b"), bias);
  // Cross-precision reads convert.
  EXPECT_EQ(g.GetMatrix<double>("w.f32"), wf.cast<double>());
  EXPECT_EQ(g.GetMatrix<float>("w.f64"), wd.cast<float>());
  EXPECT_EQ(g.GetInt64("step"), (std::vector<int64_t>{int64_t{1} << 50}));
  std::vector<int64_t> shape;
  EXPECT_EQ(g.GetInt64("ids", &shape), (std::vector<int64_t>{1, -2, INT32_MAX, INT32_MIN}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(g.GetTensor<float>("logits", &shape), std::vector<float>(24, 0.25f));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3, 4}));
}

TEST_F(SafetensorsTest, MatricesAreRowMajorInTheFile) {
  MatF m(2, 3);
  m << 1, 2, 3, 4, 5, 6;  // rows: (1 2 3), (4 5 6)
  TensorFile f;
  f.SetMatrix("m", m);
  std::vector<int64_t> shape;
  EXPECT_EQ(f.GetTensor<float>("m", &shape), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 3}));
  float raw[6];
  std::memcpy(raw, f.Get("m").bytes.data(), sizeof raw);
  EXPECT_EQ(raw[1], 2.f);  // m(0, 1), not m(1, 0)
}

TEST_F(SafetensorsTest, WriterLayoutFollowsTheSpec) {
  TensorFile f;
  f.SetMatrix("a", MatF(MatF::Ones(1, 3)));
  f.SetTensor<double>("b", {2}, {1.0, 2.0});
  const std::vector<unsigned char> bytes = SerializeSafetensors(f);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u) << "header padded to 8-byte alignment";
  ASSERT_EQ(bytes.size(), 8 + n + 12 + 16);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  const nlohmann::json j = nlohmann::json::parse(header);
  EXPECT_EQ(j["a"]["dtype"], "F32");
  EXPECT_EQ(j["a"]["data_offsets"], nlohmann::json::array({0, 12}));
  EXPECT_EQ(j["b"]["data_offsets"], nlohmann::json::array({12, 28}));
  EXPECT_FALSE(j.contains("__metadata__")) << "no metadata key when there is none";
}

TEST_F(SafetensorsTest, ReadsReferenceFixture) {
  const TensorFile f = ReadSafetensors(DataDir() + "st_basic.safetensors");
  EXPECT_EQ(f.metadata.at("format"), "pt");
  EXPECT_EQ(f.metadata.at("note"), "\xC3\xBCn\xC3\xAF" "code \xE2\x9C\x93");
  MatF w(2, 3);
  w << -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f;
  EXPECT_EQ(f.GetMatrix<float>("weight"), w);
  MatF b(3, 1);
  b << 1.0f, -2.0f, 3.25f;
  EXPECT_EQ(f.GetMatrix<float>("bias"), b);
  const MatD w64 = f.GetMatrix<double>("weight64");
  ASSERT_EQ(w64.rows(), 3);
  ASSERT_EQ(w64.cols(), 2);
  EXPECT_EQ(w64(1, 0), 1.0 / 3.0);
  EXPECT_EQ(w64(2, 1), 1.0 / 6.0);
  EXPECT_EQ(f.GetInt64("steps"), (std::vector<int64_t>{0, -1, int64_t{1} << 40, -(int64_t{1} << 62)}));
  EXPECT_EQ(f.GetInt64("ids"), (std::vector<int64_t>{7, -8, INT32_MAX, INT32_MIN}));
  EXPECT_EQ(f.GetTensor<int32_t>("ids"), (std::vector<int32_t>{7, -8, INT32_MAX, INT32_MIN}));
  EXPECT_EQ(f.GetMatrix<double>("scalar")(0, 0), 2.5);
  EXPECT_TRUE(f.Get("scalar").shape.empty());
  EXPECT_EQ(f.Get("empty").shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(f.GetMatrix<float>("empty").rows(), 0);
  // Our writer reproduces the reference writer's bytes for the same content.
  const fs::path p = dir_ / "again.safetensors";
  WriteSafetensors(p, f);
  const TensorFile g = ReadSafetensors(p);
  for (const auto& [name, t] : f.tensors) EXPECT_EQ(g.Get(name).bytes, t.bytes) << name;
}

TEST_F(SafetensorsTest, ReadsUnpaddedFileWithHolesAndHalfTypes) {
  const TensorFile f = ReadSafetensors(DataDir() + "st_unpadded.safetensors");
  EXPECT_TRUE(f.metadata.empty());
  const MatF a = f.GetMatrix<float>("a");
  EXPECT_EQ(a(0, 0), 1.0f);
  EXPECT_EQ(a(0, 1), -0.5f);
  EXPECT_EQ(a(1, 0), 65504.0f);
  EXPECT_EQ(a(1, 1), std::ldexp(1.0f, -24));
  EXPECT_EQ(f.GetTensor<double>("b"), (std::vector<double>{1.0, -3.0, 0.15625}));
  EXPECT_EQ(f.GetTensor<int32_t>("c"), (std::vector<int32_t>{42, -42}));
}

TEST_F(SafetensorsTest, ReadsPyTorchLstmStateDict) {
  const std::string json_path = DataDir() + "st_torch_lstm.json";
  if (!fs::exists(json_path)) GTEST_SKIP() << "fixture generated without torch";
  const nlohmann::json expected = nlohmann::json::parse(std::ifstream(json_path));
  const TensorFile f = ReadSafetensors(DataDir() + "st_torch_lstm.safetensors");
  EXPECT_EQ(f.tensors.size(), 4u);
  for (const auto& [name, e] : expected.items()) {
    std::vector<int64_t> shape;
    const std::vector<float> values = f.GetTensor<float>(name, &shape);
    EXPECT_EQ(shape, e["shape"].get<std::vector<int64_t>>()) << name;
    const auto want = e["values"].get<std::vector<double>>();
    ASSERT_EQ(values.size(), want.size()) << name;
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(values[i], static_cast<float>(want[i])) << name;
  }
  // (4H, X) = (8, 3): the PyTorch layout our LSTM parameters use.
  const MatF w = f.GetMatrix<float>("rnn.weight_ih_l0");
  EXPECT_EQ(w.rows(), 8);
  EXPECT_EQ(w.cols(), 3);
  EXPECT_EQ(w(1, 2), static_cast<float>(expected["rnn.weight_ih_l0"]["values"][5].get<double>()));
  EXPECT_EQ(f.GetMatrix<float>("rnn.bias_hh_l0").cols(), 1);
}

TEST_F(SafetensorsTest, FindsNonFiniteValues) {
  TensorFile f;
  f.source = "model.safetensors";
  f.SetTensor<float>("ok", {3}, {1, 2, 3});
  f.SetTensor<double>("bad", {2, 2}, {0, 1, std::numeric_limits<double>::quiet_NaN(), 2});
  f.SetTensor<float>("inf", {2}, {0, -std::numeric_limits<float>::infinity()});
  f.SetInt64("n", {1}, {5});
  EXPECT_EQ(f.FindNonFinite("ok"), std::nullopt);
  EXPECT_EQ(f.FindNonFinite("n"), std::nullopt);
  EXPECT_EQ(f.FindNonFinite("bad"), std::optional<int64_t>(2));
  EXPECT_EQ(f.FindNonFinite("inf"), std::optional<int64_t>(1));
  try {
    f.CheckFinite();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "model.safetensors: tensor 'bad' element 2 (row-major) is NaN");
  }
  f.tensors.erase("bad");
  EXPECT_THROW(f.CheckFinite(), InputError);
  f.tensors.erase("inf");
  EXPECT_NO_THROW(f.CheckFinite());
}

TEST_F(SafetensorsTest, AccessorErrors) {
  TensorFile f;
  f.source = "x.safetensors";
  f.SetInt64("ints", {2}, {1, int64_t{1} << 40});
  f.SetTensor<float>("cube", {1, 1, 1}, {1.f});
  f.SetTensor<float>("floats", {1}, {1.f});
  auto expect_msg = [](auto fn, const std::string& fragment) {
    try {
      fn();
      ADD_FAILURE() << "no error, expected: " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect_msg([&] { f.Get("nope"); }, "x.safetensors: no tensor 'nope' (the file has: cube, floats, ints)");
  expect_msg([&] { f.GetMatrix<float>("ints"); }, "has dtype I64, expected a float dtype");
  expect_msg([&] { f.GetInt64("floats"); }, "has dtype F32, expected an integer dtype");
  expect_msg([&] { f.GetTensor<int32_t>("ints"); }, "does not fit in I32");
  EXPECT_THROW(f.GetMatrix<float>("cube"), ShapeError);
  expect_msg([&] { f.SetTensor<float>("s", {2, 2}, {1, 2, 3}); }, "shape [2, 2] does not hold 3 values");
  expect_msg([&] { f.SetMatrix("v", MatF(MatF::Zero(2, 2)), true); }, "stored as a vector");
  expect_msg([&] { f.SetInt64("__metadata__", {0}, {}); }, "reserved");
}

// ---------------------------------------------------------------- malformed files
TEST_F(SafetensorsTest, MissingDirectoryAndShortFiles) {
  ExpectReadError(dir_ / "absent.safetensors", {"no such file"});
  ExpectReadError(dir_, {"is a directory"});
  ExpectReadError(WriteRaw("empty", ""), {"file is 0 bytes, too short"});
  ExpectReadError(WriteRaw("seven", "1234567"), {"file is 7 bytes, too short"});
}

TEST_F(SafetensorsTest, UnreadableFile) {
  const fs::path p = WriteRaw("locked.safetensors", std::string(16, '\0'));
  fs::permissions(p, fs::perms::none);
  if (std::ifstream(p).good()) GTEST_SKIP() << "running as root: permissions do not apply";
  ExpectReadError(p, {"cannot open"});
}

TEST_F(SafetensorsTest, AbsurdOrTruncatedHeaderLength) {
  std::string bytes(8, '\0');
  uint64_t n = uint64_t{1} << 40;
  std::memcpy(bytes.data(), &n, 8);
  ExpectReadError(WriteRaw("huge", bytes), {"header length 1099511627776 is larger than the"});
  n = ~uint64_t{0};
  std::memcpy(bytes.data(), &n, 8);
  ExpectReadError(WriteRaw("max", bytes), {"is larger than the"});
  n = 100;
  std::memcpy(bytes.data(), &n, 8);
  ExpectReadError(WriteRaw("trunc", bytes + "{}"), {"header length 100 runs past the end of the file (10 bytes"});
}

TEST_F(SafetensorsTest, BadJsonAndBadFields) {
  ExpectReadError(WriteWithHeader("{\"a\": "), {"invalid JSON header"});
  ExpectReadError(WriteWithHeader("[1, 2]"), {"JSON header is not an object"});
  ExpectReadError(WriteWithHeader("{\"a\": 3}"), {"tensor 'a': entry is not an object"});
  ExpectReadError(WriteWithHeader(R"({"a": {"shape": [1], "data_offsets": [0, 4]}})"),
                  {"tensor 'a': missing field \"dtype\""});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "data_offsets": [0, 4]}})"),
                  {"missing field \"shape\""});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [1]}})"),
                  {"missing field \"data_offsets\""});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "Q8", "shape": [1], "data_offsets": [0, 1]}})", "x"),
                  {"unsupported dtype 'Q8'"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}})"),
                  {"\"dtype\" is not a string"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})"),
                  {"\"shape\" entries must be non-negative integers, got -1"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}})"),
                  {"non-negative integers"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})"),
                  {"\"shape\" is not an array"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})"),
                  {"\"data_offsets\" must be [begin, end]"});
  ExpectReadError(WriteWithHeader(R"({"__metadata__": {"k": 1}})"),
                  {"\"__metadata__\" value for 'k' is not a string"});
  ExpectReadError(WriteWithHeader(R"({"__metadata__": [1]})"), {"\"__metadata__\" is not an object"});
}

TEST_F(SafetensorsTest, BadOffsets) {
  const std::string data(16, '\0');
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 24]}})", data),
                  {"tensor 'a': data_offsets [8, 24] run past the end of the data section (16 bytes)"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", data),
                  {"begin after end"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", data),
                  {"shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F64", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}})", data),
                  {"is too large"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                     "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", data),
                  {"tensors 'a' [0, 8) and 'b' [4, 12) overlap"});
  ExpectReadError(WriteWithHeader(R"({"a": {"dtype": "F32", "shape": [18446744073709551615], "data_offsets": [0, 4]}})", data),
                  {"non-negative integers"});
}

// A cheap in-process fuzz: random mutations of a valid file never crash, and either parse or
// throw InputError. (The dedicated fuzzer runs ParseSafetensors the same way.)
TEST_F(SafetensorsTest, MutatedFilesNeverCrash) {
  TensorFile f;
  f.SetMatrix("w", MatF(MatF::Random(3, 4)));
  f.SetMatrix("b", MatF(MatF::Random(3, 1)), true);
  f.SetInt64("n", {2}, {1, 2});
  f.metadata["k"] = "v";
  const std::vector<unsigned char> good = SerializeSafetensors(f);
  std::mt19937 rng(7);
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<unsigned char> bytes = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<unsigned char>(rng()); break;
        case 1: bytes.resize(at); break;
        default: bytes.insert(bytes.begin() + static_cast<long>(at), static_cast<unsigned char>(rng())); break;
      }
      if (bytes.empty()) break;
    }
    try {
      const TensorFile g = ParseSafetensors(bytes, "fuzz");
      for (const auto& [name, t] : g.tensors) {
        ASSERT_EQ(t.bytes.size(), static_cast<std::size_t>(t.NumElements() * DtypeSize(t.dtype)));
      }
      ++parsed;
    } catch (const InputError&) {
      ++rejected;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace rnnscope
