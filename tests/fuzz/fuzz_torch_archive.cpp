// libFuzzer entry point; the harness (and what it checks) is in harnesses.h.
#include "fuzz/harnesses.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return rnnscope::fuzz::FuzzTorchArchive(data, size);
}
