// The pickle virtual machine (Lib/pickletools.py documents every opcode) restricted to what
// torch.save writes for state_dicts: protocol 2 (its default) and the protocol 3–5 opcodes for
// the same values (FRAME, MEMOIZE, STACK_GLOBAL, BINBYTES8, …).
#include "io/torch_pickle.h"

#include <array>
#include <cstring>
#include <unordered_map>

#include "core/error.h"

namespace rnnscope {
namespace {

constexpr std::array<const char*, 10> kStorages = {"FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage",
                                                   "LongStorage",  "IntStorage",    "ShortStorage", "CharStorage",
                                                   "ByteStorage",  "BoolStorage"};

bool Allowed(const std::string& module, const std::string& name) {
  if (module == "collections") return name == "OrderedDict";
  if (module == "torch._utils")
    return name == "_rebuild_tensor_v2" || name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state";
  if (module == "torch")
    for (const char* s : kStorages)
      if (name == s) return true;
  return false;
}

class Machine {
 public:
  Machine(std::span<const unsigned char> p, const std::string& source) : p_(p), source_(source) {}

  PickleGraph Run() {
    while (true) {
      const std::size_t op_at = pos_;
      const unsigned char op = Byte();
      switch (op) {
        case 0x80: {  // PROTO
          const unsigned char v = Byte();
          if (v > 5) throw Fail("pickle protocol " + std::to_string(v) + " is newer than any Python writes (corrupt?)");
          break;
        }
        case 0x95: Take(8); break;  // FRAME: a length hint only
        case '.': {                  // STOP
          if (stack_.size() != 1 || !marks_.empty()) throw Fail("pickle stops with " + std::to_string(stack_.size()) + " values on its stack (corrupt)");
          graph_.root = stack_.back();
          return std::move(graph_);
        }
        case '(': marks_.push_back(stack_.size()); break;
        case '0': Pop(); break;
        case '1': (void)PopMark(); break;
        case '2': Push(Top()); break;
        case 'N': Push(New(PickleKind::kNone)); break;
        case 0x88: case 0x89: {
          const int o = New(PickleKind::kBool);
          Obj(o).boolean = op == 0x88;
          Push(o);
          break;
        }
        case 'J': PushInt(static_cast<int32_t>(Uint(4))); break;
        case 'K': PushInt(static_cast<int64_t>(Uint(1))); break;
        case 'M': PushInt(static_cast<int64_t>(Uint(2))); break;
        case 0x8a: {  // LONG1: n little-endian two's complement bytes
          const std::size_t n = Byte();
          if (n > 8) throw Fail("an integer of " + std::to_string(n) + " bytes at byte " + std::to_string(op_at) + " (larger than 64 bits)");
          uint64_t v = n ? Uint(n) : 0;
          if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
          PushInt(static_cast<int64_t>(v));
          break;
        }
        case 'G': {  // BINFLOAT: big-endian double
          const unsigned char* b = Take(8);
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | b[i];
          const int o = New(PickleKind::kFloat);
          std::memcpy(&Obj(o).number, &bits, 8);
          Push(o);
          break;
        }
        case 'X': PushString(Uint(4)); break;     // BINUNICODE
        case 0x8c: PushString(Uint(1)); break;    // SHORT_BINUNICODE
        case 0x8d: PushString(Uint(8)); break;    // BINUNICODE8
        case 'T': PushString(Uint(4)); break;     // BINSTRING
        case 'U': PushString(Uint(1)); break;     // SHORT_BINSTRING
        case 'B': PushString(Uint(4)); break;     // BINBYTES (kept as a string: never a tensor)
        case 'C': PushString(Uint(1)); break;     // SHORT_BINBYTES
        case 0x8e: PushString(Uint(8)); break;    // BINBYTES8
        case ')': Push(New(PickleKind::kTuple)); break;
        case ']': Push(New(PickleKind::kList)); break;
        case '}': Push(New(PickleKind::kDict)); break;
        case 0x85: case 0x86: case 0x87: {  // TUPLE1..3
          const std::size_t n = op - 0x84u;
          if (stack_.size() - Floor() < n) throw Fail("TUPLE" + std::to_string(n) + " at byte " + std::to_string(op_at) + " on a too short stack (corrupt)");
          const int o = New(PickleKind::kTuple);
          Obj(o).items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
          stack_.resize(stack_.size() - n);
          Push(o);
          break;
        }
        case 't': case 'l': {  // TUPLE, LIST from the mark
          std::vector<int> items = PopMark();
          const int o = New(op == 't' ? PickleKind::kTuple : PickleKind::kList);
          Obj(o).items = std::move(items);
          Push(o);
          break;
        }
        case 'd': {  // DICT from the mark
          std::vector<int> items = PopMark();
          if (items.size() % 2) throw Fail("DICT at byte " + std::to_string(op_at) + " with an odd number of items (corrupt)");
          const int o = New(PickleKind::kDict);
          Obj(o).items = std::move(items);
          Push(o);
          break;
        }
        case 'a': {  // APPEND
          const int v = Pop();
          Append(Top(), {v}, op_at);
          break;
        }
        case 'e': {  // APPENDS
          const std::vector<int> items = PopMark();
          Append(Top(), items, op_at);
          break;
        }
        case 's': {  // SETITEM
          const int v = Pop();
          const int k = Pop();
          SetItems(Top(), {k, v}, op_at);
          break;
        }
        case 'u': {  // SETITEMS
          const std::vector<int> items = PopMark();
          if (items.size() % 2) throw Fail("SETITEMS at byte " + std::to_string(op_at) + " with an odd number of items (corrupt)");
          SetItems(Top(), items, op_at);
          break;
        }
        case 'q': Memo(Uint(1)); break;   // BINPUT
        case 'r': Memo(Uint(4)); break;   // LONG_BINPUT
        case 0x94: Memo(memo_.size()); break;  // MEMOIZE
        case 'h': Push(Recall(Uint(1), op_at)); break;  // BINGET
        case 'j': Push(Recall(Uint(4), op_at)); break;  // LONG_BINGET
        case 'c': {  // GLOBAL "module\nname\n"
          const std::string module = Line();
          const std::string name = Line();
          PushGlobal(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const int name = Pop();
          const int module = Pop();
          if (Obj(module).kind != PickleKind::kString || Obj(name).kind != PickleKind::kString)
            throw Fail("STACK_GLOBAL at byte " + std::to_string(op_at) + " without two strings (corrupt)");
          PushGlobal(Obj(module).text, Obj(name).text);
          break;
        }
        case 'R': {  // REDUCE: callable(*args)
          const int args = Pop();
          const int callable = Pop();
          Push(Call(callable, args, op_at));
          break;
        }
        case 'Q': Push(Persistent(Pop(), op_at)); break;  // BINPERSID
        case 'b': {  // BUILD: __setstate__; only a state_dict's _metadata on its OrderedDict
          (void)Pop();
          if (Obj(Top()).kind != PickleKind::kDict)
            throw Fail("the pickle sets the state of an object (BUILD at byte " + std::to_string(op_at) +
                       "); rnnscope reads only state_dicts of tensors");
          break;
        }
        case 0x81: case 0x92: case 'o': case 'i':
          throw Fail("the pickle builds an object of a class (opcode " + Hex(op) + " at byte " + std::to_string(op_at) +
                     "); rnnscope reads only state_dicts of tensors — save model.state_dict() instead");
        default:
          throw Fail("unsupported pickle opcode " + Hex(op) + " at byte " + std::to_string(op_at) +
                     " (not one torch.save writes for a state_dict)");
      }
    }
  }

 private:
  InputError Fail(const std::string& what) const { return InputError(source_ + ": " + what); }
  static std::string Hex(unsigned char op) {
    static const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[op >> 4] + digits[op & 15];
  }

  const unsigned char* Take(uint64_t n) {
    if (n > p_.size() - pos_) throw PickleCutShort(source_ + ": " + "the pickle (data.pkl) is cut short at byte " + std::to_string(pos_) + " of " + std::to_string(p_.size()));
    const unsigned char* b = p_.data() + pos_;
    pos_ += static_cast<std::size_t>(n);
    return b;
  }
  unsigned char Byte() { return *Take(1); }
  uint64_t Uint(std::size_t n) {
    const unsigned char* b = Take(n);
    uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | b[i];
    return v;
  }
  std::string Line() {
    const std::size_t start = pos_;
    while (Byte() != '\n') {
    }
    return std::string(reinterpret_cast<const char*>(p_.data() + start), pos_ - 1 - start);
  }

  PickleObject& Obj(int i) { return graph_.objects[static_cast<std::size_t>(i)]; }
  int New(PickleKind kind) {
    graph_.objects.emplace_back();
    graph_.objects.back().kind = kind;
    return static_cast<int>(graph_.objects.size() - 1);
  }
  std::size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void Push(int o) { stack_.push_back(o); }
  int Top() const {
    if (stack_.size() <= Floor()) throw Fail("the pickle reads past the bottom of its stack at byte " + std::to_string(pos_) + " (corrupt)");
    return stack_.back();
  }
  int Pop() {
    const int o = Top();
    stack_.pop_back();
    return o;
  }
  std::vector<int> PopMark() {
    if (marks_.empty()) throw Fail("the pickle closes a MARK it never opened at byte " + std::to_string(pos_) + " (corrupt)");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<int> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  void PushInt(int64_t v) {
    const int o = New(PickleKind::kInt);
    Obj(o).integer = v;
    Push(o);
  }
  void PushString(uint64_t n) {
    const unsigned char* b = Take(n);
    const int o = New(PickleKind::kString);
    Obj(o).text.assign(reinterpret_cast<const char*>(b), static_cast<std::size_t>(n));
    Push(o);
  }
  void Memo(uint64_t index) {
    if (index > p_.size()) throw Fail("memo index " + std::to_string(index) + " at byte " + std::to_string(pos_) + " is absurd (corrupt)");
    memo_[index] = Top();
  }
  int Recall(uint64_t index, std::size_t at) const {
    const auto it = memo_.find(index);
    if (it == memo_.end()) throw Fail("the pickle recalls memo " + std::to_string(index) + ", never stored (byte " + std::to_string(at) + ")");
    return it->second;
  }
  void PushGlobal(const std::string& module, const std::string& name) {
    if (!Allowed(module, name))
      throw Fail("the pickle asks for '" + module + "." + name + "' (code); rnnscope reads only state_dicts of tensors — "
                 "save model.state_dict() instead");
    const int o = New(PickleKind::kGlobal);
    Obj(o).text = module + "." + name;
    Push(o);
  }
  void Append(int list, const std::vector<int>& items, std::size_t at) {
    if (Obj(list).kind != PickleKind::kList) throw Fail("APPEND at byte " + std::to_string(at) + " onto something not a list (corrupt)");
    Obj(list).items.insert(Obj(list).items.end(), items.begin(), items.end());
  }
  void SetItems(int dict, const std::vector<int>& items, std::size_t at) {
    if (Obj(dict).kind != PickleKind::kDict) throw Fail("SETITEM at byte " + std::to_string(at) + " onto something not a dict (corrupt)");
    Obj(dict).items.insert(Obj(dict).items.end(), items.begin(), items.end());
  }

  // ('storage', torch.FloatStorage, key, location, numel) → a kStorage record.
  int Persistent(int pid, std::size_t at) {
    const std::vector<int> t = Obj(pid).items;  // a copy: New() below may move the arena
    const auto bad = [&] {
      return Fail("persistent id at byte " + std::to_string(at) +
                  " is not ('storage', torch.<Type>Storage, key, location, numel) as torch.save writes");
    };
    if (Obj(pid).kind != PickleKind::kTuple || t.size() != 5) throw bad();
    const PickleObject &tag = Obj(t[0]), &type = Obj(t[1]), &key = Obj(t[2]), &numel = Obj(t[4]);
    if (tag.kind != PickleKind::kString || tag.text != "storage" || type.kind != PickleKind::kGlobal ||
        type.text.rfind("torch.", 0) != 0 || type.text.find("Storage") == std::string::npos ||
        key.kind != PickleKind::kString || numel.kind != PickleKind::kInt || numel.integer < 0)
      throw bad();
    PickleObject s;
    s.kind = PickleKind::kStorage;
    s.storage_type = type.text.substr(6);
    s.text = key.text;
    s.integer = numel.integer;
    graph_.objects.push_back(std::move(s));
    return static_cast<int>(graph_.objects.size() - 1);
  }

  std::vector<int64_t> IntTuple(int o, const char* what, std::size_t at) const {
    const PickleObject& t = graph_.objects[static_cast<std::size_t>(o)];
    if (t.kind != PickleKind::kTuple) throw Fail(std::string("tensor ") + what + " at byte " + std::to_string(at) + " is not a tuple");
    std::vector<int64_t> v;
    for (int i : t.items) {
      const PickleObject& e = graph_.objects[static_cast<std::size_t>(i)];
      if (e.kind != PickleKind::kInt) throw Fail(std::string("tensor ") + what + " at byte " + std::to_string(at) + " holds a non-integer");
      v.push_back(e.integer);
    }
    return v;
  }

  int Call(int callable, int args_index, std::size_t at) {
    const PickleObject& f = Obj(callable);
    if (f.kind != PickleKind::kGlobal) throw Fail("REDUCE at byte " + std::to_string(at) + " calls something not a function (corrupt)");
    const std::string name = f.text;
    if (Obj(args_index).kind != PickleKind::kTuple) throw Fail("REDUCE at byte " + std::to_string(at) + " without an argument tuple (corrupt)");
    const std::vector<int> args = Obj(args_index).items;
    const auto arity = [&](std::size_t lo, std::size_t hi) {
      if (args.size() < lo || args.size() > hi)
        throw Fail(name + " called with " + std::to_string(args.size()) + " arguments at byte " + std::to_string(at) + " (expected " +
                   std::to_string(lo) + (hi > lo ? "–" + std::to_string(hi) : "") + ")");
    };
    if (name == "collections.OrderedDict") {
      arity(0, 0);
      return New(PickleKind::kDict);
    }
    if (name == "torch._utils._rebuild_tensor_v2") {
      arity(6, 7);
      if (Obj(args[0]).kind != PickleKind::kStorage || Obj(args[1]).kind != PickleKind::kInt)
        throw Fail("_rebuild_tensor_v2 at byte " + std::to_string(at) + " without a storage and an offset");
      std::vector<int64_t> size = IntTuple(args[2], "size", at), stride = IntTuple(args[3], "stride", at);
      if (size.size() != stride.size())
        throw Fail("tensor at byte " + std::to_string(at) + " has " + std::to_string(size.size()) + " sizes but " +
                   std::to_string(stride.size()) + " strides");
      const int o = New(PickleKind::kTensor);
      PickleObject& t = Obj(o);
      t.items = {args[0]};
      t.offset = Obj(args[1]).integer;
      t.size = std::move(size);
      t.stride = std::move(stride);
      return o;
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      arity(name == "torch._utils._rebuild_parameter" ? 3 : 4, name == "torch._utils._rebuild_parameter" ? 3 : 4);
      if (Obj(args[0]).kind != PickleKind::kTensor) throw Fail(name + " at byte " + std::to_string(at) + " on something not a tensor");
      return args[0];  // a Parameter is its tensor here
    }
    throw Fail("the pickle calls '" + name + "' at byte " + std::to_string(at) + ", which builds no state_dict value");
  }

  std::span<const unsigned char> p_;
  const std::string& source_;
  std::size_t pos_ = 0;
  PickleGraph graph_;
  std::vector<int> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, int> memo_;
};

}  // namespace

PickleGraph RestrictedUnpickle(std::span<const unsigned char> pickle, const std::string& source) {
  return Machine(pickle, source).Run();
}

}  // namespace rnnscope
