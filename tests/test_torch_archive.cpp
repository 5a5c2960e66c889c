// io/torch_archive.h on a committed torch.save file (tests/data/torch_golden.pt, written by
// tests/data/make_torch_archives.py --golden) and on bad inputs built here.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/tensor_file_reader.h"
#include "io/torch_archive.h"

namespace rnnscope {
namespace {

const std::string kGolden = std::string(RNNSCOPE_SOURCE_DIR) + "/tests/data/torch_golden.pt";

TEST(TorchArchive, GoldenFileGathersViewsAndKeepsDtypes) {
  const TensorFile f = ReadTensorFile(kGolden);
  ASSERT_EQ(f.tensors.size(), 3u);
  std::vector<int64_t> shape;
  // a = arange(6).reshape(2, 3).t(): a non-contiguous [3, 2] view.
  EXPECT_EQ(f.GetTensor<float>("a", &shape), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(f.Get("b").dtype, "I64");
  EXPECT_EQ(f.GetInt64("b"), (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(f.Get("h").dtype, "F16");
  EXPECT_EQ(f.GetTensor<float>("h"), (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(f.metadata.at(kTorchSkippedKey), "step = 7");
}

TEST(TorchArchive, TruncatedAndLegacyFilesAreRefusedClearly) {
  const std::string bytes = ReadFileChecked(kGolden, 1 << 20);
  const auto parse = [](const std::string& b) {
    try {
      (void)ParseTensorFile({reinterpret_cast<const unsigned char*>(b.data()), b.size()}, "m.pt");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 1, std::size_t{30}})
    EXPECT_NE(parse(bytes.substr(0, cut)).find("m.pt: zip archive cut short"), std::string::npos) << parse(bytes.substr(0, cut));
  const std::string legacy = std::string("\x80\x02\x8a\x0a", 4) + "rest";
  EXPECT_NE(parse(legacy).find("torch.save(torch.load('m.pt'), 'm2.pt')"), std::string::npos) << parse(legacy);
}

// Files torch.save writes here and now, compared byte for byte with what python wrote.
TEST(TorchArchive, FilesWrittenByTorchMatchExactly) {
  const std::string dir = ::testing::TempDir() + "torch_archive_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + std::string(RNNSCOPE_SOURCE_DIR) + "/tests/data/make_torch_archives.py " + dir).c_str()), 0);
  const nlohmann::json expected = nlohmann::json::parse(ReadFileChecked(dir + "/expected.json", 1 << 24));
  for (const auto& [file, tensors] : expected.items()) {
    const TensorFile f = ReadTensorFile(dir + "/" + file);
    EXPECT_EQ(f.tensors.size(), tensors.size()) << file;
    for (const auto& [name, t] : tensors.items()) {
      ASSERT_TRUE(f.Has(name)) << file << " " << name;
      const NamedTensor& got = f.Get(name);
      EXPECT_EQ(got.dtype, t["dtype"].get<std::string>()) << file << " " << name;
      EXPECT_EQ(got.shape, t["shape"].get<std::vector<int64_t>>()) << file << " " << name;
      static const char* hex = "0123456789abcdef";
      std::string h;
      for (unsigned char c : got.bytes) h += std::string{hex[c >> 4], hex[c & 15]};
      EXPECT_EQ(h, t["hex"].get<std::string>()) << file << " " << name;
    }
  }
  const auto refusal = [&](const std::string& file) {
    try {
      (void)ReadTensorFile(dir + "/" + file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refusal("os_system.pt").find("asks for 'posix.system'"), std::string::npos) << refusal("os_system.pt");
  EXPECT_NE(refusal("whole_model.pt").find("asks for '__main__.Model'"), std::string::npos) << refusal("whole_model.pt");
  EXPECT_NE(refusal("legacy.pt").find("a legacy torch.save file"), std::string::npos) << refusal("legacy.pt");
  EXPECT_NE(refusal("no_tensors.pt").find("holds no tensors (only: epoch = 3)"), std::string::npos) << refusal("no_tensors.pt");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rnnscope
