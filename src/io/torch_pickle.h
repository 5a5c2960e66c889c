// A restricted unpickler for the data.pkl of a torch.save archive (io/torch_archive.h). It
// executes nothing: it builds a graph of plain values (None, bools, ints, floats, strings,
// lists, tuples, dicts) and two torch records (a storage reference and a tensor view on it),
// and the only callables it accepts are a fixed whitelist, interpreted here, never looked up:
//   collections.OrderedDict                  () → an empty dict
//   torch._utils._rebuild_tensor_v2          (storage, offset, size, stride, requires_grad, hooks[, metadata])
//   torch._utils._rebuild_parameter          (tensor, requires_grad, hooks) → the tensor
//   torch._utils._rebuild_parameter_with_state (tensor, requires_grad, hooks, state) → the tensor
//   torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage  (in persistent ids)
// Any other global (__main__.MyModel from torch.save(model), os.system, …) is refused by name
// before anything else happens. BUILD on a dict (a state_dict's _metadata) is ignored.
//
// Hostile input (fuzzed): every read is bounds-checked; the graph is stored in one arena of
// objects referenced by index, so reference cycles (a list appended to itself) cost nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace rnnscope {

// The pickle ends before its STOP: a truncated archive, or (io/file_kind.h) a sample that holds
// only the first bytes of a larger file.
class PickleCutShort : public InputError {
 public:
  using InputError::InputError;
};

enum class PickleKind { kNone, kBool, kInt, kFloat, kString, kList, kTuple, kDict, kGlobal, kStorage, kTensor };

struct PickleObject {
  PickleKind kind = PickleKind::kNone;
  bool boolean = false;
  int64_t integer = 0;  // kInt; kStorage: numel
  double number = 0;    // kFloat
  std::string text;     // kString; kGlobal: "module.name"; kStorage: its data/<key>
  std::string storage_type;  // kStorage: "FloatStorage", …
  // kList/kTuple: elements; kDict: key0, value0, key1, value1, … (insertion order);
  // kTensor: {the kStorage object}.
  std::vector<int> items;
  int64_t offset = 0;                 // kTensor: storage offset, in elements
  std::vector<int64_t> size, stride;  // kTensor
};

struct PickleGraph {
  std::vector<PickleObject> objects;
  int root = -1;
  const PickleObject& at(int i) const { return objects[static_cast<std::size_t>(i)]; }
};

// `source` names the archive in messages, e.g. "m.pt: the pickle asks for '__main__.M' …".
PickleGraph RestrictedUnpickle(std::span<const unsigned char> pickle, const std::string& source);

}  // namespace rnnscope
