#!/usr/bin/python3
"""Writes the small safetensors fixtures read by tests/test_safetensors.cpp.

Debian 12 ships no `safetensors` Python package, so this is an independent reference writer
built with struct/json straight from the spec (https://github.com/huggingface/safetensors):
u64 LE header length, JSON header, raw LE row-major data. It mirrors the reference writer's
choices (tensors sorted by dtype alignment then name, header space-padded to 8 bytes) in one
fixture and deliberately differs (no padding, reverse order, a hole) in another, so the C++
reader is checked against more than its own writer's habits.

Run from the repository root:  /usr/bin/python3 tests/data/make_safetensors_fixtures.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
FMT = {"F32": "<f", "F64": "<d", "I64": "<q", "I32": "<i", "F16": "<e"}
SIZE = {"F32": 4, "F64": 8, "I64": 8, "I32": 4, "F16": 2, "BF16": 2}


def pack(dtype, values):
    if dtype == "BF16":  # top half of the float32 bits (values chosen to be exact)
        return b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", v))[0])[2:]
                        for v in values)
    return b"".join(struct.pack(FMT[dtype], v) for v in values)


def write(path, tensors, metadata=None, pad=True, order=None, hole=0):
    """tensors: {name: (dtype, shape, flat row-major values)}"""
    names = order or sorted(tensors, key=lambda n: (-SIZE[tensors[n][0]], n))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in names:
        dtype, shape, values = tensors[name]
        blob = pack(dtype, values)
        offset += hole
        blobs.append(b"\0" * hole + blob)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(HERE, path), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    # Reference-writer style: padded header, metadata, sorted by alignment then name.
    write("st_basic.safetensors", {
        "weight": ("F32", [2, 3], [0.5 * i - 1.0 for i in range(6)]),  # row-major 2x3
        "bias": ("F32", [3], [1.0, -2.0, 3.25]),
        "weight64": ("F64", [3, 2], [1.0 / (i + 1) for i in range(6)]),
        "steps": ("I64", [2, 2], [0, -1, 2**40, -(2**62)]),
        "ids": ("I32", [4], [7, -8, 2**31 - 1, -(2**31)]),
        "scalar": ("F64", [], [2.5]),
        "empty": ("F32", [0, 3], []),
    }, metadata={"format": "pt", "note": "ünïcode ✓"})
    # Other writers: no padding, reverse name order, 4-byte holes between tensors, half types.
    write("st_unpadded.safetensors", {
        "a": ("F16", [2, 2], [1.0, -0.5, 65504.0, 2.0 ** -24]),  # max half, smallest subnormal
        "b": ("BF16", [3], [1.0, -3.0, 0.15625]),
        "c": ("I32", [1, 2], [42, -42]),
    }, metadata=None, pad=False, order=["c", "b", "a"], hole=4)

    # A real PyTorch state_dict (if torch is importable) with a JSON sidecar of the values.
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 2, batch_first=True)
    tensors, expected = {}, {}
    for name, t in lstm.state_dict().items():
        values = [float(v) for v in t.detach().reshape(-1).tolist()]
        tensors["rnn." + name] = ("F32", list(t.shape), values)
        expected["rnn." + name] = {"shape": list(t.shape), "values": values}
    write("st_torch_lstm.safetensors", tensors, metadata={"format": "pt"})
    with open(os.path.join(HERE, "st_torch_lstm.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
