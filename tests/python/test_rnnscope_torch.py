"""python/rnnscope_torch.py against the real rnnscope binary (ctest python_reference).

usage: test_rnnscope_torch.py RNNSCOPE_BINARY
Exit 77 (ctest: skipped) when torch cannot be imported.

Per model: `rnnscope train` a few steps -> from_rnnscope -> logits vs `rnnscope trace` (1e-5
relative) -> one SGD step in PyTorch -> to_rnnscope -> `rnnscope grad` vs torch autograd
(1e-5 relative) and the file resumes in `rnnscope train`. Seq2seq (no grad/trace for it in the
CLI): greedy output, attention and beam scores of `rnnscope translate --json` vs the module,
before and after a PyTorch step. Then a 2-process gloo DDP run whose `module.*` state_dict
`rnnscope grad` opens.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import torch
except ImportError:
    print("SKIP: this python cannot import torch")
    sys.exit(77)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
import rnnscope_torch as rt  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ""
TMP = Path(tempfile.mkdtemp(prefix="rnnscope_pyref_")) if __name__ == "__main__" else None
worst = {}


def run(*args):
    r = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"rnnscope {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
    return r.stdout


def rel(a, b):
    a, b = a.double(), b.double()
    return float((a - b).abs().max() / max(b.abs().max(), 1e-30))


def check(what, a, b, tol=1e-5):
    d = rel(a, b)
    worst[what] = max(worst.get(what, 0.0), d)
    assert d <= tol, f"{what}: relative difference {d:.3g} > {tol}"


def sgd_step(module, loss_fn, lr=0.5):
    opt = torch.optim.SGD(module.parameters(), lr=lr)
    opt.zero_grad()
    loss_fn().backward()
    opt.step()


def charlm_case(name, train_args, classes_batch=None):
    ckpt = TMP / f"{name}.safetensors"
    run("train", *train_args, "--steps", 3, "--batch", 4, "--ckpt", ckpt)
    m = rt.from_rnnscope(ckpt).double()
    g = torch.Generator().manual_seed(7)
    V, K = m.vocab_size, m.fc.out_features
    ids = torch.randint(0, V, (3, 9), generator=g)
    if classes_batch:
        labels = torch.randint(0, K, (3,), generator=g)
        batch = {"input_ids": ids, "label": labels}
        logits_fn = lambda: m(ids)  # noqa: E731  [B, K]
        loss_fn = lambda: torch.nn.functional.cross_entropy(m(ids), labels)  # noqa: E731
    else:
        targets = torch.randint(0, K, (3, 9), generator=g)
        targets[0, -2:] = -100
        batch = {"input_ids": ids, "target_ids": targets}
        logits_fn = lambda: m(ids)[0]  # noqa: E731
        loss_fn = lambda: m.loss(ids, targets)  # noqa: E731
    rt.save_safetensors(TMP / f"{name}.batch.safetensors", batch)
    # The checkpoint's tensors minus optimizer and carried state: what rnnscope's export holds.
    export = TMP / f"{name}.export.safetensors"
    rt.to_rnnscope(m, export)
    run("trace", "--dtype", "f64", "--weights", export, "--batch", TMP / f"{name}.batch.safetensors",
        "--out", TMP / f"{name}.trace.safetensors")
    trace, _ = rt.load_safetensors(TMP / f"{name}.trace.safetensors")
    with torch.no_grad():
        mine = logits_fn()
    # A classifier batch's trace holds the readout's logits [B, K] (docs/trace_format.md).
    check(f"{name} logits vs trace", mine, trace["logits"])
    # One step in PyTorch, back to rnnscope, gradients there vs autograd here.
    sgd_step(m, loss_fn)
    after = TMP / f"{name}.torch.safetensors"
    rt.to_rnnscope(m, after, step=4)
    m = rt.from_rnnscope(after).double()  # what rnnscope gets: F32 weights
    m.zero_grad()
    loss = loss_fn()
    loss.backward()
    run("grad", "--dtype", "f64", "--weights", after, "--batch", TMP / f"{name}.batch.safetensors",
        "--out", TMP / f"{name}.grad.safetensors")
    grads, _ = rt.load_safetensors(TMP / f"{name}.grad.safetensors")
    check(f"{name} loss vs grad", loss.detach(), grads["loss"])
    for p, t in m.named_parameters():
        check(f"{name} gradients vs grad", t.grad, grads[p].reshape(t.shape))
    # The file with its metadata continues training in rnnscope.
    out = run("train", "--resume", after, "--steps", 2)
    assert "at step 4" in out and "trained 2 steps" in out, out
    return m


def tokenize(text, vocab):
    """A character task's output string back to ids; specials (<pad>, <sos>, ...) are one token."""
    ids, i = [], 0
    while i < len(text):
        special = next((t for t in vocab if len(t) > 1 and text.startswith(t, i)), None)
        tok = special or text[i]
        ids.append(vocab.index(tok))
        i += len(tok)
    return ids


def compare_translate(name, path, m=None, score_tol=1e-5):
    """The module against `rnnscope translate --json` on one input: greedy tokens, attention, beam scores."""
    m = m if m is not None else rt.from_rnnscope(path)
    src_vocab, tgt_vocab = m.vocab["source"], m.vocab["target"]
    j = json.loads(run("translate", "--ckpt", path, "--json", "abcdeff"))  # greedy
    source = [src_vocab.index(t) for t in j["source_tokens"]]
    tokens, alpha = m.greedy(source, max_len=len(j["output_tokens"]))
    want = [tgt_vocab.index(t) for t in j["output_tokens"]]
    assert tokens == want, f"{name}: greedy {tokens} vs rnnscope {want}"
    if alpha is not None:
        d = float((alpha - torch.tensor(j["attention"])).abs().max())
        worst[f"{name} attention (abs)"] = max(worst.get(f"{name} attention (abs)", 0.0), d)
        assert d < 1e-5, f"{name}: attention differs by {d}"
    beam = json.loads(run("translate", "--ckpt", path, "--beam", 3, "--json", "abcdeff"))
    assert len(beam["beam_outputs"]) == 3, beam
    for out, score in zip(beam["beam_outputs"], beam["beam_scores"]):
        seq = tokenize(out, tgt_vocab)
        # A finished hypothesis scored its <eos> too; a cut one (max length) did not.
        with_eos = m.score(source, seq + [m.c["eos_id"]])
        without = m.score(source, seq) if seq else float("nan")
        # Both sides run in float32 (rnnscope's jobs do): 1e-5 relative to max(1, |score|).
        d = min(abs(with_eos - score), abs(without - score)) / max(1.0, abs(score))
        worst[f"{name} beam scores"] = max(worst.get(f"{name} beam scores", 0.0), d)
        assert d < score_tol, f"{name}: beam score {score} vs torch {with_eos} / {without}"
    return m


def seq2seq_case(name, train_args):
    ckpt = TMP / f"{name}.safetensors"
    run("train", *train_args, "--steps", 20, "--batch", 8, "--ckpt", ckpt)

    m = compare_translate(name, ckpt)
    g = torch.Generator().manual_seed(3)
    Vs, Vt = m.c["source_vocab"], m.c["target_vocab"]
    src = torch.randint(3, Vs, (4, 6), generator=g)
    lengths = torch.tensor([6, 4, 5, 3])
    tgt = torch.randint(3, Vt, (4, 7), generator=g)
    tgt[:, -1] = m.c["eos_id"]
    tgt[1, 4:] = -100
    sgd_step(m, lambda: m.loss(src, lengths, tgt))
    after = TMP / f"{name}.torch.safetensors"
    rt.to_rnnscope(m, after, step=21)
    compare_translate(name, after)
    out = run("train", "--resume", after, "--steps", 2)
    assert "at step 21" in out and "trained 2 steps" in out, out


# Variants the CLI flags do not reach (context modes, tied output, attention biases, ...):
# a module built here with random weights, written with the reverse run's metadata edited to
# its config; rnnscope translate must decode it as the module does.
VARIANTS = [dict(context="input"), dict(context="both"), dict(context="both", encoder_cell="lstm", decoder_cell="lstm"),
            dict(context="copy", bidirectional=False, encoder_hidden=16, decoder_hidden=16),
            dict(context="copy", bidirectional=False, encoder_cell="lstm", decoder_cell="lstm", encoder_layers=2,
                 decoder_layers=2, encoder_hidden=16, decoder_hidden=16),
            dict(tie_embeddings=True), dict(attention_bias=True), dict(context_first=True),
            dict(output_context=False), dict(attention="none"), dict(encoder_layers=2, decoder_layers=2)]


def seq2seq_variants(base_name):
    base = rt.from_rnnscope(TMP / f"{base_name}.safetensors")
    for k, v in enumerate(VARIANTS):
        meta = json.loads(json.dumps(base.rnnscope_metadata))
        meta["definition"]["seq2seq"].update(v)
        torch.manual_seed(k)
        m = rt.Seq2Seq(meta["definition"]["seq2seq"])
        with torch.no_grad():  # larger weights: decisive argmaxes and peaked attention
            for p in m.parameters():
                p.mul_(3)
        m.vocab = base.vocab
        path = TMP / f"variant{k}.safetensors"
        rt.to_rnnscope(m, path, metadata=meta)
        # Scores of -50 summed in float32 on both sides over 14 steps: measured 8e-6, so 5e-5.
        compare_translate("seq2seq variants", path, m, score_tol=5e-5)


def ddp_case():
    ckpt = TMP / "charlm_lstm.torch.safetensors"
    out = TMP / "ddp.safetensors"
    rt.ddp_train(str(ckpt), str(out), steps=2, world_size=2)
    names = rt.load_safetensors(out)[0]
    assert all(k.startswith("module.") for k in names), sorted(names)
    text = run("grad", "--weights", out, "--batch", TMP / "charlm_lstm.batch.safetensors", "--out", TMP / "ddp.grad.safetensors")
    assert "module." in text, text
    grads = rt.load_safetensors(TMP / "ddp.grad.safetensors")[0]
    assert "module.rnn.weight_hh_l0" in grads, sorted(grads)
    # The same weights through the module: the loss agrees.
    m = rt.from_rnnscope(out).double()
    batch = rt.load_safetensors(TMP / "charlm_lstm.batch.safetensors")[0]
    check("ddp loss vs grad (f32 output)", m.loss(batch["input_ids"], batch["target_ids"]).detach(), grads["loss"], 1e-6)


def continue_example():
    """docs/pytorch.md's walk-through script, small: it writes a run `rnnscope eval` scores."""
    text = TMP / "text.txt"
    text.write_text("the cat sat on the mat, the dog sat on the log.\n" * 40)
    run("train", "--text", text, "--steps", 3, "--hidden", 8, "--batch", 4, "--seq-len", 16, "--ckpt", TMP / "c.safetensors")
    script = Path(__file__).resolve().parents[2] / "python" / "continue_charlm.py"
    r = subprocess.run([sys.executable, script, "--ckpt", TMP / "c.safetensors", "--text", text, "--out",
                        TMP / "c2.safetensors", "--steps", "5"], capture_output=True, text=True)
    assert r.returncode == 0 and "wrote" in r.stdout, r.stdout + r.stderr
    out = run("eval", "--ckpt", TMP / "c2.safetensors")
    assert "step 8" in out, out


def main():
    charlm_case("charlm_lstm", ["--cell", "lstm", "--hidden", 8, "--seq-len", 10])
    charlm_case("charlm_gru", ["--cell", "gru", "--hidden", 8, "--seq-len", 10, "--layers", 2])
    charlm_case("charlm_rnn", ["--cell", "rnn_tanh", "--hidden", 8, "--seq-len", 10, "--embed", 5])
    charlm_case("tagger_slots", ["--task", "slots", "--hidden", 8, "--bidirectional"])
    charlm_case("classifier_brackets", ["--task", "brackets", "--hidden", 8], classes_batch=True)
    seq2seq_case("seq2seq_reverse", ["--task", "reverse", "--hidden", 16])
    seq2seq_case("seq2seq_reverse_lstm_dot", ["--task", "reverse", "--cell", "lstm", "--hidden", 16,
                                              "--no-bidirectional", "--attention", "dot"])
    seq2seq_case("seq2seq_reverse_general", ["--task", "reverse", "--hidden", 16, "--attention", "general"])
    seq2seq_variants("seq2seq_reverse")
    ddp_case()
    continue_example()
    for k, v in worst.items():
        print(f"{k}: {v:.2e}")
    print("ok")


if __name__ == "__main__":  # mp.spawn re-imports this file in each rank
    main()
