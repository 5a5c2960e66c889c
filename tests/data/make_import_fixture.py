#!/usr/bin/python3
"""Writes the PyTorch models rnnscope imports in tests/test_import.cpp (run from the repo root:
/usr/bin/python3 tests/data/make_import_fixture.py; Debian's python3-torch, no other package).

  import_<cell>.safetensors   state_dict of Net (embedding?, rnn, fc), F32, written by hand
                              (the safetensors layout, as safetensors.torch.save_file does)
  import_vocab.json           the vocabulary: JSON list of tokens, id = position
  import_expected.json        per cell: the probe text and PyTorch's softmax output for it,
                              [time][vocab], which rnnscope's probe must reproduce
"""
import json
import struct

import torch
from torch import nn
import torch.nn.functional as F

VOCAB = list("\n !\"(),.?abcdefghijklmnopqrstuvwxyz")
PROBE = "the cat (sat) \"here\".\nok"


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = tensors[name].detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


class Net(nn.Module):
    def __init__(self, cell, vocab, embed, hidden, layers):
        super().__init__()
        self.vocab = vocab
        if embed:
            self.embedding = nn.Embedding(vocab, embed)
        x = embed or vocab
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(x, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, ids):
        x = self.embedding(ids) if hasattr(self, "embedding") else F.one_hot(ids, self.vocab).float()
        out, _ = self.rnn(x)
        return self.fc(out)


def main():
    torch.manual_seed(1234)
    ids = torch.tensor([[VOCAB.index(c) for c in PROBE]])
    expected = {}
    for cell, embed, hidden, layers in [("lstm", 8, 16, 1), ("gru", 0, 12, 2)]:
        net = Net(cell, len(VOCAB), embed, hidden, layers)
        with torch.no_grad():
            for p in net.parameters():  # larger than the default init: a visible, non-uniform output
                p.uniform_(-0.6, 0.6)
            probs = torch.softmax(net(ids)[0], dim=-1)
        write_safetensors(f"tests/data/import_{cell}.safetensors", net.state_dict())
        expected[cell] = {"probe": PROBE, "probs": [[round(float(v), 7) for v in row] for row in probs]}
    with open("tests/data/import_vocab.json", "w") as f:
        json.dump(VOCAB, f)
    with open("tests/data/import_expected.json", "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
