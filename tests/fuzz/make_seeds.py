#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/{safetensors,model_io,text_corpus} (plain
Python, no numpy) and, when torch is importable (/usr/bin/python3), corpus/torch_archive. The
checkpoint seeds come from the real binary: see README.md."""
import json, os, random, struct, sys

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)


def st(tensors, metadata=None, pad=True):
    """tensors: name -> (dtype, shape, raw bytes)."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + data


def f32(shape):
    n = 1
    for s in shape:
        n *= s
    return ("F32", list(shape), struct.pack("<%df" % n, *[rng.uniform(-0.5, 0.5) for _ in range(n)]))


def write(kind, name, data):
    with open(os.path.join(here, "corpus", kind, name), "wb") as f:
        f.write(data)


# ---- safetensors: every dtype, scalars, empty tensors, metadata, unpadded, holes
write("safetensors", "basic", st({"a": f32([2, 3]), "b": f32([3])}))
write("safetensors", "dtypes", st({
    "f64": ("F64", [2], struct.pack("<2d", 1.5, -2.0)),
    "i64": ("I64", [2, 1], struct.pack("<2q", 7, -(1 << 40))),
    "i32": ("I32", [3], struct.pack("<3i", 1, 2, -3)),
    "f16": ("F16", [4], struct.pack("<4H", 0x3C00, 0x7C00, 0x0001, 0xFE00)),
    "bf16": ("BF16", [2], struct.pack("<2H", 0x3F80, 0x7FC0)),
}))
write("safetensors", "scalar_empty_meta", st({"s": ("F32", [], struct.pack("<f", 3.0)), "e": ("F32", [0, 4], b"")},
                                             metadata={"format": "pt", "note": "h\u00e9llo"}))
write("safetensors", "unpadded", st({"x": f32([1, 1])}, pad=False))
write("safetensors", "nan_inf", st({"x": ("F32", [3], struct.pack("<3f", float("nan"), float("inf"), 1.0))}))
write("safetensors", "empty_header", st({}))


# ---- model_io: PyTorch-shaped state_dicts (embedding optional, layers, bidirectional, cells)
def state_dict(gates, V, H, E=0, layers=1, bidir=False, extra=None):
    t = {}
    if E:
        t["embedding.weight"] = f32([V, E])
    D = 2 if bidir else 1
    for l in range(layers):
        X = (E or V) if l == 0 else D * H
        for suffix in ([""] + (["_reverse"] if bidir else [])):
            t["rnn.weight_ih_l%d%s" % (l, suffix)] = f32([gates * H, X])
            t["rnn.weight_hh_l%d%s" % (l, suffix)] = f32([gates * H, H])
            t["rnn.bias_ih_l%d%s" % (l, suffix)] = f32([gates * H])
            t["rnn.bias_hh_l%d%s" % (l, suffix)] = f32([gates * H])
            if extra:
                extra(t, l, suffix, H)
    t["fc.weight"] = f32([V, D * H])
    t["fc.bias"] = f32([V])
    return t


def ids(B, T, V):
    return ("I64", [B, T], struct.pack("<%dq" % (B * T), *[rng.randrange(V) for _ in range(B * T)]))


write("model_io", "lstm_onehot", st(state_dict(4, 5, 3)))
write("model_io", "gru_embed_2layer", st(state_dict(3, 6, 4, E=3, layers=2)))
write("model_io", "rnn_bidir", st(state_dict(1, 4, 2, bidir=True)))
write("model_io", "lstm_peephole", st(state_dict(4, 5, 3, extra=lambda t, l, s, H: t.update(
    {"rnn.weight_peep_l%d%s" % (l, s): f32([H, 3])}))))
write("model_io", "jordan", st(state_dict(1, 5, 3, extra=lambda t, l, s, H: t.update(
    {"rnn.weight_hy_l%d%s" % (l, s): f32([H, H]), "rnn.bias_hy_l%d%s" % (l, s): f32([H])}))))
with_batch = state_dict(4, 5, 3)
with_batch["input_ids"] = ids(2, 3, 5)
with_batch["target_ids"] = ids(2, 3, 5)
write("model_io", "lstm_with_batch", st(with_batch))

# ---- text_corpus
write("text_corpus", "ascii", b"hello world\nthe quick brown fox\n")
write("text_corpus", "chinese", "\u5929\u5730\u7384\u9ec4\uff0c\u5b87\u5b99\u6d2a\u8352\u3002\n".encode())
write("text_corpus", "bom_crlf", b"\xef\xbb\xbfline one\r\nline two\r\n")
write("text_corpus", "emoji_4byte", "a\U0001F600b\U0001F601c\n".encode())
write("text_corpus", "invalid_latin1", b"caf\xe9 au lait")
write("text_corpus", "overlong", b"ab\xc0\x80cd")
write("text_corpus", "surrogate", b"ab\xed\xa0\x80cd")
write("text_corpus", "nul", b"ab\x00cd")
write("text_corpus", "one_char", b"aaaaaaaaaa")


# ---- torch_archive: small real torch.save files (zip: what the reader sees first) and their bare
# data.pkl (non-zip inputs go to the unpickler alone). Tiny tensors: fuzzing speed is per byte.
def torch_seeds():
    try:
        import io, zipfile
        import torch
    except ImportError:
        print("torch not importable: corpus/torch_archive left as it is")
        return
    torch.manual_seed(7)

    def save(name, obj):
        buf = io.BytesIO()
        torch.save(obj, buf)
        raw = buf.getvalue()
        write("torch_archive", name + ".pt", raw)
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
            write("torch_archive", name + ".pkl", z.read(pkl))

    os.makedirs(os.path.join(here, "corpus", "torch_archive"), exist_ok=True)
    lstm = torch.nn.LSTM(2, 2)
    save("lstm_state_dict", lstm.state_dict())
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    save("views", {"t": t.t(), "row": t[1], "tied": t, "bcast": torch.ones(1).expand(3), "scalar": torch.tensor(2.5)})
    save("dtypes", {"f64": torch.zeros(2, dtype=torch.float64), "f16": torch.ones(2).half(),
                    "bf16": torch.ones(1).bfloat16(), "i64": torch.tensor([-3, 4]), "i32": torch.tensor([1], dtype=torch.int32),
                    "b": torch.tensor([True]), "u8": torch.tensor([255], dtype=torch.uint8), "i8": torch.tensor([-1], dtype=torch.int8),
                    "i16": torch.tensor([-2], dtype=torch.int16)})
    save("nested_checkpoint", {"model": {"fc.weight": torch.randn(2, 2)}, "epoch": 3, "lr": 1e-3, "name": "run",
                               "flags": [True, None], "opt": {"state": {0: {"step": torch.tensor(1.0)}}}})
    save("parameter", {"p": torch.nn.Parameter(torch.randn(2))})
    save("empty_tensor", {"e": torch.zeros(0, 3)})


torch_seeds()
print("seeds written")
