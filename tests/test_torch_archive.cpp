// io/torch_archive.h on a committed torch.save file (tests/data/torch_golden.pt, written by
// tests/data/make_torch_archives.py --golden) and on bad inputs built here.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rnnscope
