"""PyTorch modules for rnnscope's own layouts, so a run can continue in PyTorch and come back.

Standard library + torch only (Python 3.11, torch 1.13). Walk-through: docs/pytorch.md.

    import rnnscope_torch as rt
    model = rt.from_rnnscope("run.safetensors")      # a checkpoint or a model export
    ...train with torch (DDP is fine)...
    rt.to_rnnscope(model, "continued.safetensors")  # opens in `rnnscope gui`, grad, trace, ...

Modules and the names of their state_dict (exactly rnnscope's, see docs/trace_format.md and
src/model/seq2seq.h):

  CharLM / Tagger  [embedding] (nn.Embedding, absent = one-hot input), rnn (nn.LSTM/GRU/RNN,
                   batch_first), fc (nn.Linear on every step).  ids [B, T] -> logits [B, T, K]
  Classifier       the same names; fc on one readout per sequence: last = [h_fwd at n-1 ;
                   h_rev at 0], mean = the mean of the outputs over the n real steps.
                   ids [B, T] (+ lengths) -> logits [B, K]
  Seq2Seq          encoder.{embedding,rnn}, bridge.{h,c}, attention.{query,key,v,general},
                   decoder.{embedding,rnn,fc,out_proj}, with rnnscope's equations (below).

Not covered (NotImplementedError naming it): Jordan cells, peephole LSTMs, and the 1->N
generation structure.

DistributedDataParallel: `ddp.state_dict()` has every name prefixed `module.`. Either save
`ddp.module` (to_rnnscope unwraps a DDP wrapper by itself) or save the prefixed dict as is:
rnnscope strips `module.` (and torch.compile's `_orig_mod.`) when it opens a file. See
`ddp_train` below and `python3 rnnscope_torch.py ddp --help`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import struct
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- safetensors
# The format: 8-byte little-endian header length, a JSON header {name: {dtype, shape,
# data_offsets: [begin, end)}, "__metadata__": {str: str}}, then the raw little-endian bytes.

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def load_safetensors(path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """(tensors, metadata) of a safetensors file; tensors are copies (writable, CPU)."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, not a safetensors file (expected an 8-byte header length)")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header of {n} bytes runs past the end of the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {}) or {}
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor '{name}' has dtype {info['dtype']}, expected one of {sorted(_DTYPES)}")
        begin, end = info["data_offsets"]
        shape = list(info["shape"])
        raw = bytearray(body[begin:end])  # a copy: frombuffer would alias (and warn on) read-only bytes
        if len(raw) == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype).reshape(shape)
        if t.numel() * t.element_size() != end - begin:
            raise ValueError(f"{path}: tensor '{name}' {shape} {info['dtype']} does not fill its {end - begin} bytes")
        tensors[name] = t
    return tensors, metadata


def save_safetensors(path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """Writes `tensors` (any CPU/GPU tensors of the dtypes above) and string metadata."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {t.dtype}, not storable")
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # the tensors start 8-aligned, as safetensors writes them
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- recurrent layers

def _rnn(cell: str, input_size: int, hidden: int, layers: int, bidirectional: bool) -> nn.Module:
    """rnnscope's cell name -> the nn module its weights are the state_dict of."""
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=True)
    if cell == "lstm":
        return nn.LSTM(input_size, hidden, **kw)
    if cell == "gru":
        return nn.GRU(input_size, hidden, **kw)
    if cell in ("rnn_tanh", "rnn_relu", "rnn"):
        return nn.RNN(input_size, hidden, nonlinearity="relu" if cell == "rnn_relu" else "tanh", **kw)
    raise NotImplementedError(f"cell '{cell}': rnnscope's own cell, no nn module has its equations "
                              "(expected lstm, gru, rnn_tanh or rnn_relu)")


def _run(rnn: nn.Module, x: torch.Tensor, lengths: torch.Tensor | None, h0=None):
    """rnn over x [B, T, in]; with lengths each sequence stops at its own length (packed, as
    rnnscope's reverse directions and final states do). Returns (out [B, T, D*H] zero-padded,
    final state as nn returns it)."""
    if lengths is None:
        return rnn(x, h0)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, state = rnn(packed, h0)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, state


class CharLM(nn.Module):
    """rnnscope's language model and tagger: logits = fc(rnn(embedding(ids))) at every step.

    embed = 0: no embedding, the input is one-hot over the vocabulary (rnnscope's char-LM
    default). classes = 0: as many outputs as the vocabulary (a language model); a tagger has
    its own count.
    """

    def __init__(self, vocab: int, hidden: int, cell: str = "lstm", layers: int = 1, embed: int = 0,
                 bidirectional: bool = False, classes: int = 0):
        super().__init__()
        self.vocab_size, self.cell = vocab, cell
        if embed > 0:
            self.embedding = nn.Embedding(vocab, embed)
        else:
            self.embedding = None
        self.rnn = _rnn(cell, embed if embed > 0 else vocab, hidden, layers, bidirectional)
        self.fc = nn.Linear((2 if bidirectional else 1) * hidden, classes or vocab)

    def inputs(self, ids: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            return self.embedding(ids)
        return F.one_hot(ids, self.vocab_size).to(self.fc.weight.dtype)

    def forward(self, ids: torch.Tensor, state=None):
        """ids [B, T] -> (logits [B, T, K], final state). `state` carries over (h, or (h, c))."""
        out, state = self.rnn(self.inputs(ids), state)
        return self.fc(out), state

    def loss(self, ids: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over targets != -100: what `rnnscope grad` computes."""
        logits, _ = self(ids)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


Tagger = CharLM  # the same module; a tagger has classes = the tag count


class Classifier(CharLM):
    """rnnscope's N->1 classifier (model/classifier.h): one class per sequence.

    Bidirectional with readout last: r = [h_fwd at n-1 ; h_rev at 0], what rnnscope trains;
    `rnnscope grad` on a `label` batch reads out[:, -1] instead (the common PyTorch code), which
    differs in the reverse half. Unidirectional, both are the same.
    """

    def __init__(self, vocab: int, hidden: int, classes: int, cell: str = "gru", layers: int = 1,
                 embed: int = 32, bidirectional: bool = False, readout: str = "last"):
        super().__init__(vocab, hidden, cell, layers, embed, bidirectional, classes)
        if readout not in ("last", "mean"):
            raise ValueError(f"readout '{readout}': expected last or mean")
        self.readout, self.hidden, self.directions = readout, hidden, 2 if bidirectional else 1

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor | None = None):
        """ids [B, T], lengths [B] (default: all T) -> logits [B, K]."""
        B, T = ids.shape
        n = lengths if lengths is not None else torch.full((B,), T, dtype=torch.long)
        out, _ = _run(self.rnn, self.inputs(ids), lengths)
        if self.readout == "mean":
            r = out.sum(1) / n.to(out.dtype)[:, None]  # padding is zero
        else:
            H = self.hidden
            r = out[torch.arange(B), n - 1, :H]  # each direction's final state
            if self.directions == 2:
                r = torch.cat([r, out[:, 0, H:]], dim=1)
        return self.fc(r)

    def loss(self, ids, labels, lengths=None):
        return F.cross_entropy(self(ids, lengths), labels)


# ----------------------------------------------------------------------------- seq2seq
# rnnscope's encoder-decoder (src/model/seq2seq.h, model/attention.h), per decoder step i:
#   q_i = s_{i-1} (top decoder layer before the step); alpha_i = softmax_j<len(e_ij); a_i = sum alpha_ij h_j
#   e_ij: additive v^T tanh(W q + U h_j) (+ biases), dot q^T h_j, general q^T W_a h_j
#   x_i = [emb(y_{i-1}) ; a_i ; z] (context_first: [a_i ; emb ; z]); z = [h_fwd(n-1) ; h_rev(0)]
#   s_i = decoder rnn(x_i, s_{i-1}); o_i = [s_i ; a_i]; logits = fc(o_i), or tied: E_dec (W_p o_i) + b
#   initial state: init/both h0 = tanh(bridge.h(z)) (LSTM c0 = bridge.c(z)), copy: the encoder's.

class _Namespace(nn.Module):
    """A plain container, so that parameters get rnnscope's dotted names."""


class _BiasOnly(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(n))


class Seq2Seq(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        c = dict(config)
        self.c = c
        for cell in (c["encoder_cell"], c["decoder_cell"]):
            if cell not in ("gru", "lstm", "rnn_tanh", "rnn_relu"):
                raise NotImplementedError(f"seq2seq cell '{cell}' (expected gru, lstm, rnn_tanh or rnn_relu)")
        E, He, Hd, Ld = c["embed"], c["encoder_hidden"], c["decoder_hidden"], c["decoder_layers"]
        D = 2 if c["bidirectional"] else 1
        C = D * He
        self.C, self.has_attention = C, c["attention"] != "none"
        self.feeds = c["context"] in ("input", "both")
        self.bridged = c["context"] in ("init", "both")
        if c["context"] == "copy" and (c["encoder_cell"] != c["decoder_cell"] or He != Hd or D != 1
                                       or c["encoder_layers"] != Ld):
            raise ValueError("context copy needs the same cell, hidden size and layer count and a unidirectional encoder")
        self.encoder = _Namespace()
        self.encoder.embedding = nn.Embedding(c["source_vocab"], E)
        self.encoder.rnn = _rnn(c["encoder_cell"], E, He, c["encoder_layers"], c["bidirectional"])
        if self.bridged:
            self.bridge = _Namespace()
            self.bridge.h = nn.Linear(C, Ld * Hd)
            if c["decoder_cell"] == "lstm":
                self.bridge.c = nn.Linear(C, Ld * Hd)
        kind = c["attention"]
        if kind in ("additive", "bahdanau"):
            A, bias = c["attention_size"], bool(c.get("attention_bias", False))
            self.attention = _Namespace()
            self.attention.query = nn.Linear(Hd, A, bias=bias)
            self.attention.key = nn.Linear(C, A, bias=bias)
            self.attention.v = nn.Linear(A, 1, bias=bias)
        elif kind in ("general", "bilinear"):
            self.attention = _Namespace()
            self.attention.general = nn.Linear(C, Hd, bias=False)
        elif kind == "dot":
            if Hd != C:
                raise ValueError(f"dot attention needs decoder hidden {Hd} == encoder output {C}")
        elif kind != "none":
            raise NotImplementedError(f"attention '{kind}'")
        X = E + (C if self.has_attention else 0) + (C if self.feeds else 0)
        self.out_features = Hd + (C if self.has_attention and c.get("output_context", True) else 0)
        self.decoder = _Namespace()
        self.decoder.embedding = nn.Embedding(c["target_vocab"], E)
        self.decoder.rnn = _rnn(c["decoder_cell"], X, Hd, Ld, False)
        if c.get("tie_embeddings", False):
            self.decoder.out_proj = nn.Linear(self.out_features, E, bias=False)
            self.decoder.fc = _BiasOnly(c["target_vocab"])
        else:
            self.decoder.fc = nn.Linear(self.out_features, c["target_vocab"])

    # -- encoder: (keys [B, Ts, C], z [B, C], initial decoder state)
    def encode(self, source: torch.Tensor, lengths: torch.Tensor):
        c = self.c
        B, Ts = source.shape
        n = torch.full_like(lengths, Ts) if c.get("encoder_over_padding", False) else lengths
        keys, state = _run(self.encoder.rnn, self.encoder.embedding(source), n)
        He = c["encoder_hidden"]
        z = keys[torch.arange(B), n - 1, :He]
        if c["bidirectional"]:
            z = torch.cat([z, keys[:, 0, He:]], dim=1)
        Ld, Hd = c["decoder_layers"], c["decoder_hidden"]
        if self.bridged:
            h0 = torch.tanh(self.bridge.h(z)).reshape(B, Ld, Hd).transpose(0, 1).contiguous()
            s0 = (h0, self.bridge.c(z).reshape(B, Ld, Hd).transpose(0, 1).contiguous()) \
                if c["decoder_cell"] == "lstm" else h0
        elif c["context"] == "copy":
            s0 = state
        else:  # input: the decoder starts from zero
            zero = z.new_zeros(Ld, B, Hd)
            s0 = (zero, zero.clone()) if c["decoder_cell"] == "lstm" else zero
        return keys, z, s0

    def attend(self, q: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor):
        """q [B, Hd], keys [B, Ts, C], mask [B, Ts] (True = a real position) -> (alpha [B, Ts], a [B, C])."""
        kind = self.c["attention"]
        if kind in ("additive", "bahdanau"):
            e = self.attention.v(torch.tanh(self.attention.query(q)[:, None, :] + self.attention.key(keys))).squeeze(-1)
        elif kind == "dot":
            e = torch.einsum("bh,bjh->bj", q, keys)
        else:
            e = torch.einsum("bh,bjh->bj", q, self.attention.general(keys))
        alpha = torch.softmax(e.masked_fill(~mask, float("-inf")), dim=1)
        return alpha, torch.einsum("bj,bjc->bc", alpha, keys)

    def step(self, y_prev: torch.Tensor, state, keys, z, mask):
        """One decoder step: y_prev [B] -> (logits [B, V_t], new state, alpha [B, Ts] or None)."""
        c = self.c
        h = state[0] if isinstance(state, tuple) else state
        emb = self.decoder.embedding(y_prev)
        parts, alpha, a = [emb], None, None
        if self.has_attention:
            alpha, a = self.attend(h[-1], keys, mask)
            parts = [a, emb] if c.get("context_first", False) else [emb, a]
        if self.feeds:
            parts.append(z)
        out, state = self.decoder.rnn(torch.cat(parts, dim=1)[:, None, :], state)
        o = out[:, 0]
        if self.has_attention and c.get("output_context", True):
            o = torch.cat([o, a], dim=1)
        if c.get("tie_embeddings", False):
            logits = self.decoder.out_proj(o) @ self.decoder.embedding.weight.t() + self.decoder.fc.bias
        else:
            logits = self.decoder.fc(o)
        return logits, state, alpha

    def forward(self, source, lengths, decoder_inputs):
        """Teacher forcing. source [B, Ts] (padded after each length), lengths [B],
        decoder_inputs [B, To] (<sos> y_1 .. y_{To-1}) -> (logits [B, To, V_t], alpha [B, To, Ts])."""
        keys, z, state = self.encode(source, lengths)
        mask = torch.arange(source.shape[1])[None, :] < lengths[:, None]
        logits, alphas = [], []
        for i in range(decoder_inputs.shape[1]):
            lg, state, alpha = self.step(decoder_inputs[:, i], state, keys, z, mask)
            logits.append(lg)
            alphas.append(alpha if alpha is not None else lg.new_zeros(0))
        return torch.stack(logits, 1), (torch.stack(alphas, 1) if self.has_attention else None)

    def loss(self, source, lengths, targets):
        """targets [B, To]: y_1 .. y_n <eos>, then -100. The mean cross-entropy rnnscope trains on."""
        sos = torch.full_like(targets[:, :1], self.c["sos_id"])
        inputs = torch.cat([sos, targets[:, :-1].clamp(min=0)], dim=1)
        logits, _ = self(source, lengths, inputs)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    @torch.no_grad()
    def greedy(self, source: list[int], max_len: int):
        """Argmax decoding of one source sequence -> (tokens incl. <eos> if produced, alpha [steps, Ts])."""
        src = torch.tensor([source])
        lengths = torch.tensor([len(source)])
        keys, z, state = self.encode(src, lengths)
        mask = torch.ones(1, len(source), dtype=torch.bool)
        y, tokens, alphas = torch.tensor([self.c["sos_id"]]), [], []
        for _ in range(max_len):
            logits, state, alpha = self.step(y, state, keys, z, mask)
            y = logits.argmax(1)
            tokens.append(int(y))
            if alpha is not None:
                alphas.append(alpha[0])
            if tokens[-1] == self.c["eos_id"]:
                break
        return tokens, (torch.stack(alphas) if alphas else None)

    @torch.no_grad()
    def score(self, source: list[int], tokens: list[int]) -> float:
        """Sum of log-probabilities of `tokens` given `source` (what a beam hypothesis scores)."""
        inputs = torch.tensor([[self.c["sos_id"]] + tokens[:-1]])
        logits, _ = self(torch.tensor([source]), torch.tensor([len(source)]), inputs)
        return float(torch.log_softmax(logits[0], -1).gather(1, torch.tensor(tokens)[:, None]).sum())


# ----------------------------------------------------------------------------- files

def _strip_wrappers(state: dict) -> dict:
    """DDP's `module.` and torch.compile's `_orig_mod.`, as rnnscope strips them (also nested)."""
    out = {}
    for name, t in state.items():
        changed = True
        while changed:
            changed = False
            for p in ("module.", "_orig_mod."):
                if name.startswith(p):
                    name, changed = name[len(p):], True
        out[name] = t
    return out


def _cell_from_gates(rows: int, hidden: int) -> str:
    return {4: "lstm", 3: "gru", 1: "rnn_tanh"}.get(rows // hidden, f"<{rows}/{hidden} gates>")


def _charlm_config_from_shapes(t: dict) -> dict:
    if "rnn.weight_hh_l0" not in t:
        raise ValueError(f"no rnn.weight_hh_l0 among {sorted(t)[:8]}: not rnnscope's layout "
                         "(rnnscope grad/trace resolve other layouts, docs/pytorch.md)")
    rows, H = t["rnn.weight_hh_l0"].shape
    layers = 1 + max(int(k.split("_l")[-1].split("_")[0]) for k in t if k.startswith("rnn.weight_hh_l"))
    return dict(vocab=t["embedding.weight"].shape[0] if "embedding.weight" in t else t["rnn.weight_ih_l0"].shape[1],
                hidden=H, cell=_cell_from_gates(rows, H), layers=layers,
                embed=t["embedding.weight"].shape[1] if "embedding.weight" in t else 0,
                bidirectional="rnn.weight_hh_l0_reverse" in t)


def from_rnnscope(path, cell: str | None = None) -> nn.Module:
    """The module of an rnnscope checkpoint (`train --ckpt`), model export (File > Export model)
    or a plain state_dict in rnnscope's layout, with its weights loaded (strict).

    The config comes from `__metadata__["rnnscope"]` when the file has it (kind charlm,
    structure or seq2seq), else from the shapes (a plain nn.RNN is taken as tanh unless
    cell="rnn_relu"). The module keeps `rnnscope_metadata` (the parsed JSON, or None) and
    `vocab` (token strings, when known) for to_rnnscope.
    """
    tensors, metadata = load_safetensors(path)
    # A checkpoint also holds optimizer buffers and the carried recurrent state.
    weights = _strip_wrappers({k: v for k, v in tensors.items() if not k.startswith(("optim.", "state."))})
    meta = json.loads(metadata["rnnscope"]) if "rnnscope" in metadata else None
    vocab = None
    if meta is None:
        cfg = _charlm_config_from_shapes(weights)
        if cell:
            cfg["cell"] = cell
        if "fc.weight" in weights:
            cfg["classes"] = weights["fc.weight"].shape[0]
        side = Path(path).with_suffix(".vocab.json")
        vocab = json.loads(side.read_text()) if side.exists() else None
        module = CharLM(**cfg)
    else:
        kind, d = meta.get("kind"), meta.get("definition", {})
        if kind == "charlm":
            m = d["model"]
            if m.get("peephole"):
                raise NotImplementedError(f"{path}: a peephole LSTM has no nn.LSTM equivalent")
            module = CharLM(m["vocab"], m["hidden"], m["cell"], m["layers"], m["embed"], m["bidirectional"])
            vocab = d.get("vocab")
        elif kind == "structure":
            s = d["structure"]
            m = s["rnn"]
            if m.get("peephole"):
                raise NotImplementedError(f"{path}: a peephole LSTM has no nn.LSTM equivalent")
            if s["structure"] == "tagger":
                module = Tagger(m["vocab"], m["hidden"], m["cell"], m["layers"], m["embed"], m["bidirectional"],
                                s["classes"])
            elif s["structure"] == "classifier":
                module = Classifier(m["vocab"], m["hidden"], s["classes"], m["cell"], m["layers"], m["embed"],
                                    m["bidirectional"], s["readout"])
            else:
                raise NotImplementedError(f"{path}: structure '{s['structure']}' (1->N generation) has no "
                                          "reference module yet; char LM, tagger, classifier and seq2seq do")
        elif kind == "seq2seq":
            module = Seq2Seq(d["seq2seq"])
            vocab = {"source": d.get("source_vocab"), "target": d.get("target_vocab")}
        else:
            raise ValueError(f"{path}: rnnscope metadata kind '{kind}', expected charlm, structure or seq2seq")
    own = module.state_dict()
    missing = sorted(set(own) - set(weights))
    extra = sorted(set(weights) - set(own))
    if missing or extra:
        raise ValueError(f"{path}: missing tensors {missing}, unexpected tensors {extra}")
    module.load_state_dict({k: v.reshape(own[k].shape).to(own[k].dtype) for k, v in weights.items()}, strict=True)
    module.rnnscope_metadata, module.vocab = meta, vocab
    return module


def to_rnnscope(module: nn.Module, path, vocab: list[str] | None = None, metadata: dict | None = None,
                step: int | None = None) -> None:
    """Writes `module`'s weights (F32, rnnscope's names) where rnnscope opens them: `rnnscope
    grad/trace --weights`, `train --resume`/`--weights`, `gui PATH`.

    A DDP (or torch.compile) wrapper is unwrapped. The rnnscope metadata of the file the module
    came from (from_rnnscope) is written back marked `state_dict_only` (fresh optimizer, no
    carried state, as rnnscope's own export), with `step` if given, so the window restores the
    task, vocabularies and settings. `vocab` (default: the module's) is also written beside the
    file as NAME.vocab.json, which is what a plain state_dict needs to open in the window.
    """
    inner = module.module if isinstance(module, nn.parallel.DistributedDataParallel) else module
    inner = getattr(inner, "_orig_mod", inner)
    state = {k: v.detach().to(torch.float32) for k, v in _strip_wrappers(inner.state_dict()).items()}
    meta = metadata if metadata is not None else getattr(inner, "rnnscope_metadata", None)
    out_meta = {}
    if meta is not None:
        meta = json.loads(json.dumps(meta))
        meta["state_dict_only"] = True
        if isinstance(meta.get("state"), dict) and "carried" in meta["state"]:
            meta["state"]["carried"] = False
        if step is not None:  # the loss curve ("history") stays: rnnscope's part of the run
            meta["step"] = int(step)
        out_meta["rnnscope"] = json.dumps(meta)
    save_safetensors(path, state, out_meta)
    vocab = vocab if vocab is not None else getattr(inner, "vocab", None)
    if isinstance(vocab, list):
        Path(path).with_suffix(".vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))


# ----------------------------------------------------------------------------- DDP

def _ddp_worker(rank: int, world: int, weights: str, out: str, steps: int, port: int, lr: float):
    import torch.distributed as dist
    if "RANK" not in os.environ:  # mp.spawn; under torchrun the environment is already set
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(1234 + rank)  # each rank its own batches
    model = from_rnnscope(weights)
    if not isinstance(model, CharLM) or isinstance(model, Classifier):
        raise NotImplementedError("ddp_train's toy batches are for char LMs and taggers")
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=lr)
    K = model.fc.out_features
    for _ in range(steps):
        ids = torch.randint(0, model.vocab_size, (4, 16))
        targets = torch.randint(0, K, (4, 16))
        logits, _ = ddp(ids)
        loss = F.cross_entropy(logits.reshape(-1, K), targets.reshape(-1))
        opt.zero_grad()
        loss.backward()  # DDP averages the gradients of both ranks here
        opt.step()
    if rank == 0:
        # The wrapper's own state_dict: every name starts with "module.", which rnnscope strips.
        save_safetensors(out, ddp.state_dict())
        print(f"rank 0: {steps} steps on {world} processes, loss {loss.item():.4f}, wrote {out} "
              f"({len(ddp.state_dict())} tensors named module.*)")
    dist.destroy_process_group()


def ddp_train(weights: str, out: str, steps: int = 2, world_size: int = 2, port: int = 0, lr: float = 0.1):
    """A tiny torch.distributed run: `world_size` CPU processes (gloo) train the model of
    `weights` for `steps` SGD steps on random batches and rank 0 saves the DDP wrapper's
    state_dict (names `module.*`) to `out`. port 0: a free one."""
    import socket
    import torch.multiprocessing as mp
    if port == 0:  # a free one, so that two runs at once do not collide
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    mp.spawn(_ddp_worker, args=(world_size, weights, out, steps, port, lr), nprocs=world_size, join=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("ddp", help="train a char LM with DistributedDataParallel (gloo, CPU) and save its state_dict")
    d.add_argument("--weights", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--steps", type=int, default=2)
    d.add_argument("--world-size", type=int, default=2)
    d.add_argument("--port", type=int, default=0, help="0: a free port (mp.spawn only)")
    d.add_argument("--lr", type=float, default=0.1)
    a = p.parse_args(argv)
    if a.command == "ddp":
        if "RANK" in os.environ:  # started by torchrun: this process is one rank
            _ddp_worker(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), a.weights, a.out, a.steps, a.port, a.lr)
        else:
            ddp_train(a.weights, a.out, a.steps, a.world_size, a.port, a.lr)


if __name__ == "__main__":
    main()
