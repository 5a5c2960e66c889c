// io/torch_archive_writer.h: what it writes reads back through our reader byte for byte, and
// (live, skipped without torch) torch.load reads it to the same values and torch.save writes the
// very same bytes for what it loaded.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/tensor_file_reader.h"
#include "io/tensor_file_writer.h"
#include "io/torch_archive_writer.h"

namespace rnnscope {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& what) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("torch_writer_" + what + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// Tensors of every written dtype and rank 0..5, an empty one, values that are not round numbers,
// and (n_extra) more names so that storage keys pass 10 (string order 0, 1, 10, …) and, with
// 1001, the pickle's memo passes 256 and its SETITEMS batch 1000.
TensorFile Sample(int n_extra) {
  TensorFile f;
  std::vector<float> a(12);
  for (int i = 0; i < 12; ++i) a[i] = 0.1f * static_cast<float>(i) - 0.37f;
  f.SetTensor<float>("encoder.weight", {4, 3}, a);
  f.SetTensor<double>("rnn.bias_hh_l0", {3}, {1.0 / 3, -2e-300, 7.25});
  f.SetTensor<double>("scalar", {}, {3.5});
  f.SetTensor<int64_t>("steps", {2}, {-5, int64_t{1} << 40});
  f.SetTensor<int32_t>("ids", {2, 1, 2}, {1, -2, 3, 2147483647});
  f.SetTensor<float>("empty", {0, 3}, {});
  f.SetTensor<float>("five_d", {1, 2, 1, 2, 1}, {1, 2, 3, 4});
  NamedTensor h;
  h.dtype = "F16";
  h.shape = {2};
  h.bytes = {0x00, 0x38, 0x00, 0xbc};  // 0.5, -1
  f.tensors["half"] = h;
  for (int i = 0; i < n_extra; ++i) f.SetTensor<float>("extra." + std::to_string(i), {1}, {static_cast<float>(i)});
  return f;
}

void ExpectSameTensors(const TensorFile& got, const TensorFile& want) {
  ASSERT_EQ(got.tensors.size(), want.tensors.size());
  for (const auto& [name, t] : want.tensors) {
    ASSERT_TRUE(got.Has(name)) << name;
    EXPECT_EQ(got.Get(name).dtype, t.dtype) << name;
    EXPECT_EQ(got.Get(name).shape, t.shape) << name;
    EXPECT_EQ(got.Get(name).bytes, t.bytes) << name;
  }
}

TEST(TorchArchiveWriter, RoundTripThroughOurReaderIsByteExact) {
  for (int extra : {0, 11, 1001}) {
    SCOPED_TRACE(extra);
    const TensorFile want = Sample(extra);
    const fs::path path = TempDir("roundtrip") / "model.pt";
    WriteTensorFile(path, want);
    const std::string bytes = ReadFileChecked(path, 1 << 26);
    ASSERT_GE(bytes.size(), 4u);
    EXPECT_EQ(bytes.substr(0, 4), "PK\x03\x04");  // a zip, not safetensors: chosen by the extension
    ExpectSameTensors(ReadTensorFile(path), want);
  }
  // Any other extension: safetensors, the same tensors.
  const fs::path st = TempDir("roundtrip") / "model.bin";
  WriteTensorFile(st, Sample(0));
  ExpectSameTensors(ReadSafetensors(st), Sample(0));
}

TEST(TorchArchiveWriter, DataRecordsAre64ByteAligned) {
  const std::vector<unsigned char> b = SerializeTorchArchive(Sample(3), "m");
  // Each local header: 30 bytes + name + extra; the data starts at a multiple of 64.
  int records = 0;
  for (std::size_t at = 0; at + 30 <= b.size() && b[at] == 'P' && b[at + 1] == 'K' && b[at + 2] == 3 && b[at + 3] == 4;) {
    const std::size_t name = b[at + 26] | (b[at + 27] << 8), extra = b[at + 28] | (b[at + 29] << 8);
    const std::size_t data = at + 30 + name + extra;
    EXPECT_EQ(data % 64, 0u) << std::string(b.begin() + at + 30, b.begin() + at + 30 + name);
    // The next header follows the data (and its 16-byte descriptor, absent for an empty record).
    std::size_t next = data;
    while (next + 4 <= b.size() && !(b[next] == 'P' && b[next + 1] == 'K' && (b[next + 2] == 7 || b[next + 2] == 3))) ++next;
    at = b[next + 2] == 7 ? next + 16 : next;
    ++records;
  }
  EXPECT_EQ(records, 1 + 11 + 1);  // data.pkl, one storage per tensor, version
}

TEST(TorchArchiveWriter, UnwritableDtypeIsRefusedByName) {
  TensorFile f;
  NamedTensor t;
  t.dtype = "U8";
  t.shape = {1};
  t.bytes = {1};
  f.tensors["mask"] = t;
  try {
    (void)SerializeTorchArchive(f, "m");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'mask' has dtype U8"), std::string::npos) << e.what();
  }
}

// torch.load reads ours; the values it returns are ours; torch.save of what it loaded, under
// the same stem, is byte-identical to our file.
TEST(TorchArchiveWriter, TorchLoadsItAndTorchSaveWritesTheSameBytes) {
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  const fs::path dir = TempDir("live");
  fs::create_directories(dir / "torch");
  const fs::path script = dir / "check.py";
  std::ofstream(script) << R"(import collections, json, sys, torch
src, again, out = sys.argv[1], sys.argv[2], sys.argv[3]
sd = torch.load(src)
assert type(sd) is collections.OrderedDict, type(sd)
dt = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.int64: 'I64', torch.int32: 'I32'}
info = {k: {'dtype': dt[v.dtype], 'shape': list(v.shape),
            'hex': v.contiguous().numpy().tobytes().hex() if v.numel() else ''} for k, v in sd.items()}
json.dump(info, open(out, 'w'))
torch.save(sd, again)
)";
  for (int extra : {0, 11, 300}) {
    SCOPED_TRACE(extra);
    const TensorFile want = Sample(extra);
    const fs::path ours = dir / "model.pt", theirs = dir / "torch" / "model.pt";
    WriteTensorFile(ours, want);
    const std::string cmd = "/usr/bin/python3 " + script.string() + " " + ours.string() + " " + theirs.string() + " " +
                            (dir / "info.json").string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const nlohmann::json info = nlohmann::json::parse(ReadFileChecked(dir / "info.json", 1 << 26));
    ASSERT_EQ(info.size(), want.tensors.size());
    for (const auto& [name, t] : want.tensors) {
      ASSERT_TRUE(info.contains(name)) << name;
      EXPECT_EQ(info[name]["dtype"], t.dtype) << name;
      EXPECT_EQ(info[name]["shape"].get<std::vector<int64_t>>(), t.shape) << name;
      static const char* hex = "0123456789abcdef";
      std::string h;
      for (unsigned char c : t.bytes) h += std::string{hex[c >> 4], hex[c & 15]};
      EXPECT_EQ(info[name]["hex"].get<std::string>(), h) << name;
    }
    EXPECT_TRUE(ReadFileChecked(ours, 1 << 26) == ReadFileChecked(theirs, 1 << 26))
        << "torch.save wrote other bytes than we did";
  }
}

}  // namespace
}  // namespace rnnscope
