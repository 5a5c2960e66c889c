#!/usr/bin/env python3
"""Writes torch.save files for tests/test_torch_archive.cpp into OUT_DIR, and expected.json:
for each good file, every tensor the reader must return, flattened name -> dtype, shape and
the hex of its row-major little-endian bytes (bool/int8/uint8/int16 widened to int64, as the
reader does). Also the bad inputs. Run with /usr/bin/python3 (torch installed).

With --golden, writes tests/data/torch_golden.pt instead (committed; read without torch)."""
import io, json, os, pickle, sys, zipfile
import torch

out = sys.argv[1]
if out == "--golden":
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # non-contiguous [3, 2]
    torch.save({"a": a, "b": torch.tensor([1, -2]), "h": torch.tensor([0.5, -1.0]).half(), "step": 7},
               os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_golden.pt"))
    sys.exit(0)
torch.manual_seed(3)
expected = {}
WIDEN = {torch.bool, torch.int8, torch.uint8, torch.int16}
DT = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
      torch.int64: "I64", torch.int32: "I32"}


def record(file, flat):
    e = {}
    for name, t in flat.items():
        t = t.detach().contiguous()
        if t.dtype in WIDEN:
            t = t.to(torch.int64)
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype in (torch.float16, torch.bfloat16) else t.numpy().tobytes()
        e[name] = {"dtype": DT[t.dtype], "shape": list(t.shape), "hex": raw.hex()}
    expected[file] = e


def save(file, obj, flat):
    torch.save(obj, os.path.join(out, file))
    record(file, flat)


# Every dtype.
d = {"f32": torch.randn(3, 4), "f64": torch.randn(2, dtype=torch.float64), "f16": torch.randn(5).half(),
     "bf16": torch.randn(4).bfloat16(), "i64": torch.tensor([-(1 << 40), 7]), "i32": torch.tensor([3, -1], dtype=torch.int32),
     "b": torch.tensor([True, False]), "u8": torch.tensor([255, 1], dtype=torch.uint8),
     "i8": torch.tensor([-128, 5], dtype=torch.int8), "scalar": torch.tensor(2.5)}
save("dtypes.pt", d, d)


class Model(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = torch.nn.Embedding(7, 3)
        self.rnn = cell(3, 4, num_layers=2)
        self.fc = torch.nn.Linear(4, 7)


for name, cell in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
    sd = Model(cell).state_dict()
    save(name + ".pt", sd, sd)

enc, dec = Model(torch.nn.LSTM).state_dict(), Model(torch.nn.GRU).state_dict()
flat = {"encoder." + k: v for k, v in enc.items()}
flat.update({"decoder." + k: v for k, v in dec.items()})
save("nested.pt", {"encoder": enc, "decoder": dec, "epoch": 3, "lr": 0.5}, flat)

base = torch.randn(4, 5)
w = torch.nn.Parameter(torch.randn(6, 3))
views = {"t": base.t(), "slice": base[1:3, ::2], "row": base[2], "tied_a": w, "tied_b": w}
save("views.pt", views, views)

m = Model(torch.nn.LSTM)
torch.save(m, os.path.join(out, "whole_model.pt"))
torch.save(d, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
torch.save({"epoch": 3}, os.path.join(out, "no_tensors.pt"))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


with zipfile.ZipFile(os.path.join(out, "os_system.pt"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pickle.dumps({"w": Evil()}, protocol=2))
    z.writestr("archive/version", "3\n")

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
