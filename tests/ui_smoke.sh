#!/usr/bin/env bash
# UI smoke test: renders the full window under Xvfb after 50 training steps for LSTM, GRU and
# the attention task (reverse), with each tabbed panel (Inspect and Debug) brought forward once,
# and checks each PNG
# (exit code 0, file exists, 1280x800, not blank) and the "drew ..." lines rnnscope prints for
# the captured frame: every panel must have drawn real data, and the --cursor/--unit given must
# be the cursor and unit the step-through, gradient-flow and probe panels drew.
# Usage: tests/ui_smoke.sh <rnnscope binary> <output dir>
set -euo pipefail

bin=${1:?usage: ui_smoke.sh <rnnscope binary> <outdir>}
outdir=${2:?usage: ui_smoke.sh <rnnscope binary> <outdir>}
mkdir -p "$outdir"
rm -f "$outdir/flaky.txt"
command -v xvfb-run >/dev/null || { echo "ui_smoke: xvfb-run not installed (apt-get install xvfb xauth)"; exit 1; }

# Width and height from the PNG header (bytes 16..23, big-endian), no image library needed.
png_size() {
  od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

# run_case_once NAME EXPECT ARGS...: EXPECT is a '|'-separated list of patterns (grep -E), each
# of which must match a "drew" line of the log.
run_case_once() {
  local name=$1 expect=$2; shift 2
  local png="$outdir/$name.png" log="$outdir/$name.log"
  rm -f "$png"
  # --check makes rnnscope itself fail on a nearly uniform frame (low luminance spread or few
  # colours); its statistics line is kept in the log for inspection.
  if ! xvfb-run -a -s '-screen 0 1280x800x24' "$bin" screenshot --out "$png" --steps 50 --check "$@" >"$log" 2>&1; then
    echo "ui_smoke: $name: rnnscope failed:"; cat "$log"; return 1
  fi
  [[ -s "$png" ]] || { echo "ui_smoke: $name: $png missing"; return 1; }
  local size; size=$(png_size "$png")
  [[ "$size" == 1280x800 ]] || { echo "ui_smoke: $name: size $size, expected 1280x800"; return 1; }
  grep -q '^frame_ms median=' "$log" || { echo "ui_smoke: $name: no frame_ms line"; cat "$log"; return 1; }
  local pattern
  IFS='|' read -ra patterns <<<"$expect"
  for pattern in "${patterns[@]}"; do
    grep -qE "^drew $pattern" "$log" || { echo "ui_smoke: $name: no 'drew $pattern' line:"; grep '^drew' "$log"; return 1; }
  done
  echo "ui_smoke: $name ok ($size; $(grep '^image' "$log"); $(grep '^frame_ms' "$log"))"
}

# run_case: run_case_once, and once more when it fails. A case has failed once in a clean-clone CI
# run under `ctest -j2` (the gtests beside it) and passed on every rerun; the window's frames and
# the trainer race on a loaded 2-core machine. A second failure fails the suite; a pass on the
# retry is reported loudly, with the first failure's log kept as NAME.first_failure.log and
# listed in flaky.txt, so the case can be found and fixed rather than hidden.
run_case() {
  local name=$1
  if run_case_once "$@"; then return 0; fi
  cp "$outdir/$name.log" "$outdir/$name.first_failure.log" 2>/dev/null || true
  echo "ui_smoke: $name: FAILED once (above); retrying, first log kept in $outdir/$name.first_failure.log"
  run_case_once "$@" || return 1
  echo "$name" >>"$outdir/flaky.txt"
  echo "ui_smoke: $name: passed on the retry — FLAKY under load, see $outdir/$name.first_failure.log"
}

# The cursor and unit given on the command line must reach every panel that follows them.
sel() { echo "step_through cursor=$1 unit=$2 |gradients cursor=$1 unit=$2 .*grad_h=[0-9]|probe cursor=$1 unit=$2 "; }

run_case lstm "$(sel 7 5)" --cell lstm --cursor 7 --unit 5
run_case lstm_weights "weights cursor=[0-9]+ unit=[0-9]+ matrix=[a-z_.0-9]+ [0-9]+x[0-9]+" --cell lstm --show weights
run_case lstm_samples "samples cursor=[0-9]+ unit=[0-9]+ chars=[1-9]" --cell lstm --show samples
run_case lstm_attention_hint "attention empty" --cell lstm --show attention
# The debugger (docs/debugger.md): the checkpoint timeline under the loss plot, a step-N
# breakpoint that fired (its tab comes forward by itself), a branch drawn as its own curve,
# interventions given on the command line, the cell finder's ranking and the hand-built LSTM
# reproducing the textbook's numbers.
run_case lstm_breakpoint "breakpoints nonfinite=1 .*at_step=30 hit=step|timeline kept=[1-9][0-9]* " --cell lstm --break-at 30
run_case lstm_branch "timeline kept=[1-9][0-9]* interval=50 bytes=[1-9][0-9]* cap=[1-9][0-9]* branches=1 " --cell lstm --branch-at 20
run_case lstm_interventions "interventions count=2 labels=2" --cell lstm --show interventions --intervene f,0,3,1 --intervene h,0,all,0
run_case lstm_cell_finder "cell_finder signals=[1-9] signal=\"inside quotes\" top=[1-9][0-9]* best=" --cell lstm --show cell_finder
# Dynamics: the state space, the Jacobian and G of the probe; the click is "Find fixed points"
# (a GRU of 24 units has a stable fixed point for a space). A seq2seq task says why it has none.
run_case dynamics "dynamics step=50 probe=[1-9][0-9]* held_out=8 axes=PC1 .* stable=[1-9][0-9]* .*jacobian=[1-9][0-9]* g=[1-9][0-9]* " \
  --cell gru --hidden 24 --show dynamics --frames 3000 --click 975,372
run_case dynamics_seq2seq "dynamics error=reverse: the dynamics views need one unidirectional" --task reverse --show dynamics --frames 400
run_case manual_lstm "manual_lstm mode=hand g=identity h=identity y=0,0,0,7,0 c=3,7,7,7,0" --cell lstm --show manual_lstm
# Clicks (window coordinates of the default 1280x800 layout; move them if the layout changes):
# the fired breakpoint's "Rewind to 0" button, and the manual LSTM's forget-gate toggle at t = 5
# (f = 1 keeps the cell, so c_5 stays 7 instead of resetting to 0).
run_case lstm_breakpoint_rewind "breakpoints nonfinite=1 grad=0.5 .*hit=none|timeline kept=1 " --cell lstm --break-grad-norm 0.5 --click 433,506
run_case manual_lstm_toggle "manual_lstm mode=hand g=identity h=identity y=0,0,0,7,0 c=3,7,7,7,7" --cell lstm --show manual_lstm --click 737,515
run_case gru "$(sel 3 2)" --cell gru --cursor 3 --unit 2
run_case gru_interventions "interventions count=1 labels=1" --cell gru --show interventions --intervene z,0,2,1
run_case gru_weights "weights cursor=[0-9]+ unit=[0-9]+ matrix=" --cell gru --show weights
# Side-by-side runs (docs/compare.md): the vanishing-gradients preset trains a tanh RNN and an
# LSTM on brackets with the same seed; the Compare panel draws a column (plot + heatmap) per
# run, the loss plot one curve per run, gradient flow one series per run.
run_case compare "compare runs=2 names=rnn_tanh,lstm steps=50,50 view=h heatmaps=2 grad_first_over_last=rnn_tanh:[0-9.e+-]+,lstm:[0-9.e+-]+|loss runs=2 series=[2-9] \\[rnn_tanh\\]=[1-9][0-9]* \\[lstm\\]=[1-9]|gradients cursor=[0-9]+ unit=[0-9]+ series=2 " \
  --compare-preset vanishing
# The same preset from the menu (Compare > Vanishing gradients) while a char-LM LSTM trains.
run_case compare_menu "compare runs=2 names=rnn_tanh,lstm steps=[0-9]+,[0-9]+ view=h heatmaps=2 |loss runs=2 " --click 127,9 --click 200,33

# Export (ui/export_dialog.h) through the UI's own path: panels' PNGs (pixels read back from
# the frame: a tab brought forward and a window), CSVs (header naming the axes, one row per
# timestep x unit), the probe trace and the model as safetensors; then the exported model
# opened again as a PyTorch model (--weights/--vocab, as File > Open PyTorch model does), and a
# vocabulary of the wrong size refused with what was expected.
ex="$outdir/export"
rm -rf "$ex"; mkdir -p "$ex"
run_case lstm_export "gradients cursor=" --cell lstm --hidden 32 \
  --export-png gates:"$ex/gates.png" --export-png probe:"$ex/probe.png" --export-png loss:"$ex/loss.png" \
  --export-csv gates:"$ex/gates.csv" --export-csv states:"$ex/states.csv" --export-csv loss:"$ex/loss.csv" \
  --export-csv gradients:"$ex/gradients.csv" --export-trace "$ex/trace.safetensors" --export-model "$ex/model.safetensors"
for f in gates probe loss; do
  [[ -s "$ex/$f.png" ]] && [[ "$(od -An -c -N4 "$ex/$f.png" | tr -d ' ')" == '211PNG' ]] || { echo "ui_smoke: export: $f.png missing or not a PNG"; exit 1; }
  size=$(png_size "$ex/$f.png"); w=${size%x*}; h=${size#*x}
  (( w >= 100 && h >= 100 && w < 1280 )) || { echo "ui_smoke: export: $f.png is $size, expected one panel"; exit 1; }
  grep -q "^exported png $f .*$f.png $size" "$outdir/lstm_export.log" || { echo "ui_smoke: export: no 'exported png $f' line"; exit 1; }
done
[[ "$(head -1 "$ex/gates.csv")" == "timestep,token,unit,i,f,g,o" ]] || { echo "ui_smoke: export: gates.csv header: $(head -1 "$ex/gates.csv")"; exit 1; }
[[ "$(head -1 "$ex/states.csv")" == "timestep,token,unit,c,h" ]] || { echo "ui_smoke: export: states.csv header"; exit 1; }
[[ "$(head -1 "$ex/loss.csv")" == "branch,step,train_loss,val_loss,grad_norm,clipped" ]] || { echo "ui_smoke: export: loss.csv header"; exit 1; }
head -1 "$ex/gradients.csv" | grep -q '^timestep,token,grad_h_norm.l0,grad_c_norm.l0$' || { echo "ui_smoke: export: gradients.csv header"; exit 1; }
# 32 units x T timesteps: the row count is a multiple of 32 (the header aside).
rows=$(( $(wc -l <"$ex/gates.csv") - 1 ))
(( rows > 0 && rows % 32 == 0 )) || { echo "ui_smoke: export: gates.csv has $rows rows"; exit 1; }
# Safetensors headers, parsed with plain Python (no torch, no safetensors package).
python3 - "$ex/trace.safetensors" "$ex/model.safetensors" <<'PY' || { echo "ui_smoke: export: safetensors check failed"; exit 1; }
import json, struct, sys
def header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))
trace, model = header(sys.argv[1]), header(sys.argv[2])
assert trace["trace.l0.gates.f"]["shape"][0] == 1 and trace["trace.l0.gates.f"]["shape"][2] == 32, trace["trace.l0.gates.f"]
assert trace["__metadata__"]["format"] == "rnnscope trace 1"
assert "input_ids" in trace and "target_ids" in trace
assert model["fc.weight"]["shape"][1] == 32 and "rnn.weight_hh_l0" in model
assert not [k for k in model if k.startswith(("optim.", "state."))], "optimizer state in the state_dict"
PY
[[ -s "$ex/model.vocab.json" ]] || { echo "ui_smoke: export: model.vocab.json missing"; exit 1; }
echo "ui_smoke: export files ok ($(ls "$ex" | tr '\n' ' '))"
run_case lstm_import "$(sel 4 3)" --weights "$ex/model.safetensors" --vocab "$ex/model.vocab.json" --cursor 4 --unit 3
# Out again (train/checkpoint.h ExportModel): a word_language_model file (tied) exported as .pt
# keeps its own names, and the export says which names it wrote.
wlm="$(dirname "$0")/parity/layout_goldens/wlm_lstm_tied/weights.safetensors"
echo '["a","b","c","d","e"," "]' >"$ex/wlm.vocab.json"
run_case wlm_export "probe cursor=[0-9]+ unit=[0-9]+ " --weights "$wlm" --vocab "$ex/wlm.vocab.json" --export-model "$ex/wlm.pt"
grep -q "^exported model .*wlm.pt .*(names: word_language_model (as weights.safetensors), tied)" "$outdir/wlm_export.log" ||
  { echo "ui_smoke: wlm_export: no 'names: word_language_model' line:"; grep '^export' "$outdir/wlm_export.log"; exit 1; }
python3 - "$ex/wlm.pt" <<'PY' || { echo "ui_smoke: wlm_export: wlm.pt is not a torch.save archive with the file's names"; exit 1; }
import sys, zipfile
pkl = zipfile.ZipFile(sys.argv[1]).read("wlm/data.pkl")
for name in (b"encoder.weight", b"decoder.weight", b"decoder.bias", b"rnn.weight_hh_l0"): assert name in pkl, name
assert b"fc.weight" not in pkl and b"embedding.weight" not in pkl
PY
echo "ui_smoke: wlm_export ok ($(grep -o 'names: [^)]*)[^)]*)' "$outdir/wlm_export.log" | head -1))"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); json.dump(v[:-1], open(sys.argv[2], "w"))' "$ex/model.vocab.json" "$ex/short.vocab.json"
if xvfb-run -a -s '-screen 0 1280x800x24' "$bin" screenshot --out "$ex/bad.png" --steps 1 \
     --weights "$ex/model.safetensors" --vocab "$ex/short.vocab.json" >"$outdir/import_mismatch.log" 2>&1; then
  echo "ui_smoke: import_mismatch: a vocabulary one token short was accepted"; exit 1
fi
grep -q "expected one row per token" "$outdir/import_mismatch.log" || { echo "ui_smoke: import_mismatch: no explanation:"; cat "$outdir/import_mismatch.log"; exit 1; }
echo "ui_smoke: import_mismatch ok ($(grep -o 'fc.weight has.*' "$outdir/import_mismatch.log" | head -1))"

# Opening the user's own files by content (io/file_kind.h, `rnnscope PATH`): a Chinese text, a
# TSV of pairs and a CoNLL file whose names say nothing of their kind, a checkpoint `train`
# wrote, and the PyTorch state_dict exported above. Each must run as its kind and say so: the
# `model:` line names the file, and the panels draw that run.
op="$outdir/open"
rm -rf "$op"; mkdir -p "$op"
printf '床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。\n' >"$op/唐诗"
for i in 1 2 3 4 5 6 7 8; do printf '%s\t%s\n' "abc$i" "cba$i"; done >"$op/pairs.dat"
printf 'John\tB-PER\nlives\tO\nin\tO\nParis\tB-LOC\n\nMary\tB-PER\nleft\tO\nRome\tB-LOC\n\n' >"$op/tags.dat"
"$bin" train --steps 20 --hidden 32 --ckpt "$op/run.ckpt" >"$outdir/open_train.log" 2>&1 ||
  { echo "ui_smoke: open: train failed"; cat "$outdir/open_train.log"; exit 1; }
open_case() {  # NAME FILE MODEL_PATTERN DREW_PATTERN [ARGS...]
  local name=$1 file=$2 model=$3 drew=$4; shift 4
  run_case "$name" "$drew" "$file" "$@"
  grep -qE "^model: $model.* · from $(realpath "$file")\$" "$outdir/$name.log" ||
    { echo "ui_smoke: $name: no 'model: $model … from $file' line:"; grep -E '^(model|open):' "$outdir/$name.log"; return 1; }
  echo "ui_smoke: $name ok ($(grep '^open:' "$outdir/$name.log" | tail -1))"
}
open_case open_text "$op/唐诗" "charlm" "probe cursor=[0-9]+ unit=[0-9]+ "
open_case open_tsv "$op/pairs.dat" "tsv" "attention cursor=[0-9]+ unit=[0-9]+ example=0 " --show attention
open_case open_conll "$op/tags.dat" "conll" "samples cursor=[0-9]+ unit=[0-9]+ chars=[1-9]" --show samples
open_case open_checkpoint "$op/run.ckpt" "charlm" "probe cursor=[0-9]+ unit=[0-9]+ "
grep -q "loaded .*run.ckpt (step 20)" "$outdir/open_checkpoint.log" ||
  grep -q "model: charlm" "$outdir/open_checkpoint.log" || { echo "ui_smoke: open_checkpoint: not at step 20"; exit 1; }
open_case open_export "$ex/model.safetensors" "charlm" "probe cursor=[0-9]+ unit=[0-9]+ "
# The same weights as PyTorch would save them: no rnnscope metadata, the vocabulary beside.
python3 - "$ex/model.safetensors" "$op/torch_model.safetensors" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n)); data = f.read()
header.pop("__metadata__", None)
raw = json.dumps(header).encode()
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(raw))); f.write(raw); f.write(data)
PY
cp "$ex/model.vocab.json" "$op/torch_model.vocab.json"
open_case open_state_dict "$op/torch_model.safetensors" "charlm" "probe cursor=[0-9]+ unit=[0-9]+ "
grep -q "as PyTorch state_dict" "$outdir/open_state_dict.log" || { echo "ui_smoke: open_state_dict: not opened as a state_dict"; exit 1; }
# A file that cannot open: one line naming it, a non-zero exit, no window.
printf 'x\0y' >"$op/binary.dat"
if "$bin" gui "$op/binary.dat" >"$outdir/open_binary.log" 2>&1; then echo "ui_smoke: open_binary: accepted"; exit 1; fi
grep -q "binary.dat: a binary file" "$outdir/open_binary.log" || { echo "ui_smoke: open_binary:"; cat "$outdir/open_binary.log"; exit 1; }
echo "ui_smoke: open_binary ok ($(cat "$outdir/open_binary.log"))"
# Opening files as a user would (ui/file_browser.h, app/open_path.h): File > Open... with a
# path typed into the in-window browser (the same code path as the path field's Enter), and a
# checkpoint dropped on the window. Each must end with the window running the opened file: the
# `model:` line printed again for the new model, naming the text it trains on (or the loaded
# checkpoint's sizes), and the trainer's status naming the file. XDG_CONFIG_HOME keeps the
# recent-files list in the output dir; the opened text must be the first entry.
mkdir -p "$op/浏览" "$op/config"
for i in $(seq 1 40); do echo "床前明月光，疑是地上霜。举头望明月，低头思故乡。"; done >"$op/浏览/唐诗.txt"
XDG_CONFIG_HOME="$op/config" run_case open_via_browser "gradients cursor=" --cell lstm --open-via-browser "$op/浏览/唐诗.txt"
grep -q "^open: text $op/浏览/唐诗.txt (UTF-8 text" "$outdir/open_via_browser.log" || { echo "ui_smoke: open_via_browser: no 'open: text' line:"; cat "$outdir/open_via_browser.log"; exit 1; }
grep -q "^model: charlm .*, data $op/浏览/唐诗.txt" "$outdir/open_via_browser.log" || { echo "ui_smoke: open_via_browser: the window does not run the opened text:"; grep '^model:' "$outdir/open_via_browser.log"; exit 1; }
# 浏 (in the folder name) is not in ImGui's common Chinese set: the browser asks for it.
grep -qE "^fonts: rebuilt .*common set \+ [1-9][0-9]* in use" "$outdir/open_via_browser.log" || { echo "ui_smoke: open_via_browser: the font atlas did not grow for the folder name:"; grep '^fonts:' "$outdir/open_via_browser.log"; exit 1; }
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r[0]==sys.argv[2], r' "$op/config/rnnscope/recent.json" "$op/浏览/唐诗.txt" ||
  { echo "ui_smoke: open_via_browser: the opened file is not first in recent.json"; exit 1; }
echo "ui_smoke: open_via_browser files ok ($(grep '^model:' "$outdir/open_via_browser.log" | tail -1))"
# A checkpoint of a different size (H=24) on the same text, dropped on a default window.
"$bin" train --steps 5 --hidden 24 --text "$op/浏览/唐诗.txt" --checkpoint "$op/ck.safetensors" >"$outdir/open_train.log" 2>&1 ||
  { echo "ui_smoke: drop: could not train the checkpoint:"; cat "$outdir/open_train.log"; exit 1; }
XDG_CONFIG_HOME="$op/config" run_case drop "gradients cursor=" --cell lstm --drop "$op/ck.safetensors"
grep -q "^open: checkpoint $op/ck.safetensors" "$outdir/drop.log" || { echo "ui_smoke: drop: no 'open: checkpoint' line:"; cat "$outdir/drop.log"; exit 1; }
grep -q "^status: loaded $op/ck.safetensors" "$outdir/drop.log" || { echo "ui_smoke: drop: the checkpoint was not loaded:"; grep '^status:' "$outdir/drop.log"; exit 1; }
grep -q "^model: charlm .*H=24.*, data $op/浏览/唐诗.txt" "$outdir/drop.log" || { echo "ui_smoke: drop: the window does not run the checkpoint:"; grep '^model:' "$outdir/drop.log"; exit 1; }
echo "ui_smoke: drop files ok ($(grep '^status:' "$outdir/drop.log"))"
# Every kind through the other two ways as well: typed into File > Open... and dropped. Each
# must end with the window running it (`model: … · from FILE`).
for way in open-via-browser drop; do
  i=0
  for f in "$op/唐诗" "$op/pairs.dat" "$op/tags.dat" "$op/run.ckpt" "$ex/model.safetensors" "$op/torch_model.safetensors"; do
    i=$((i + 1)); name="${way}_$i"
    XDG_CONFIG_HOME="$op/config" run_case "$name" "gradients cursor=[0-9]+ unit=[0-9]+ series=[1-9]" --"$way" "$f"
    grep -qE "^model: .* · from $(realpath "$f")\$" "$outdir/$name.log" ||
      { echo "ui_smoke: $name: the window does not run $f:"; grep -E '^(model|open|status|browser):' "$outdir/$name.log"; exit 1; }
  done
done
echo "ui_smoke: six kinds opened by typing into the browser and by dropping ok"
# One-word pairs in groups fit tagging and translation: dropped, the window asks which.
printf 'cat\tchat\ndog\tchien\n\nsun\tsoleil\nsea\tmer\n' >"$op/both.dat"
XDG_CONFIG_HOME="$op/config" run_case drop_ambiguous "open-choice .*both.dat kinds=2" --drop "$op/both.dat"
grep -q "^open-choice: .*both.dat kinds=2" "$outdir/drop_ambiguous.log" || { echo "ui_smoke: drop_ambiguous: no question:"; cat "$outdir/drop_ambiguous.log"; exit 1; }
echo "ui_smoke: drop_ambiguous ok ($(grep '^status:' "$outdir/drop_ambiguous.log"))"
# A text dropped while a PyTorch model runs: the window asks whether it is that model's data.
XDG_CONFIG_HOME="$op/config" run_case drop_text_on_model "open-choice .*唐诗 kinds=1" "$op/torch_model.safetensors" --drop "$op/唐诗"
grep -q "^open-choice: .*唐诗 kinds=1 running_model=.*torch_model.safetensors" "$outdir/drop_text_on_model.log" ||
  { echo "ui_smoke: drop_text_on_model: no question about the running model:"; cat "$outdir/drop_text_on_model.log"; exit 1; }
echo "ui_smoke: drop_text_on_model ok"

# The attention task needs the seq2seq job in MakeJob; say so rather than fail when it is absent.
if run_case reverse "attention cursor=2 unit=[0-9]+ example=0 size=[1-9][0-9]*x[1-9]|step_through cursor=2 " \
     --task reverse --show attention --cursor 2; then
  run_case reverse_samples "samples cursor=[0-9]+ unit=[0-9]+ chars=[1-9]" --task reverse --show samples
  # An overwritten attention row (seq2seq interventions): listed, outlined in the map, and the
  # panel has the unchanged model's output beside the changed one.
  run_case reverse_attention_row "attention cursor=[0-9]+ unit=[0-9]+ example=0 size=[1-9][0-9]*x[1-9][0-9]* overwritten=1 " \
    --task reverse --show attention --intervene attn,1,0
  run_case reverse_attention_row_list "interventions count=1 labels=1" --task reverse --show interventions --intervene attn,1,uniform
  # Word-level targets are shown as the task joins them: with spaces, not "maozaifangzi".
  run_case translation_words "attention cursor=[0-9]+ unit=[0-9]+ example=0 .* output='[a-z]+ [a-z]+" --task translation --show attention
elif grep -q "unknown task" "$outdir/reverse.log"; then
  echo "ui_smoke: reverse: skipped (the seq2seq job is not in MakeJob yet)"
else
  exit 1
fi
# Chinese Tang poems (fortunes-zh) whose titles are wrapped in ANSI colour codes: the atlas must
# grow with the characters beyond ImGui's common set, and ESC must draw as a symbol (␛), not "?".
tang=/usr/share/games/fortunes/tang300
if [[ -f "$tang" ]]; then
  run_case tang_poems "probe cursor=[0-9]+ unit=[0-9]+ rows=[1-9][0-9]* symbols=[1-9][0-9]* escapes=[1-9][0-9]* missing_glyphs=0$" "$tang" --show probe
  grep -qE '^fonts: rebuilt .*CJK ideographs [0-9]+ \(common set \+ [1-9][0-9]* in use\)' "$outdir/tang_poems.log" ||
    { echo "ui_smoke: tang_poems: the font atlas did not grow for the poems' characters:"; grep '^fonts:' "$outdir/tang_poems.log"; exit 1; }
  echo "ui_smoke: tang_poems fonts ok ($(grep '^fonts: rebuilt' "$outdir/tang_poems.log" | sed 's/.*; CJK/CJK/'))"
else
  echo "ui_smoke: tang_poems: skipped ($tang not installed: apt-get install fortunes-zh)"
fi
# `rnnscope measure` (README, issue 4): both runs trained and the window drew frames. Its numbers
# are for the README, not for a timed test. --verify-redraw also draws every frame that left no
# damage for later with ImGui's stock backend, and fails if one pixel differs from the partly
# redrawn frame (while training changes the plots and heatmaps under it).
measure_log="$outdir/measure.log"
if ! xvfb-run -a -s '-screen 0 1280x800x24' "$bin" measure --seconds 2 --verify-redraw >"$measure_log" 2>&1; then
  echo "ui_smoke: measure: rnnscope failed:"; cat "$measure_log"; exit 1
fi
for pattern in '^headless tokens_per_s=[1-9]' '^window tokens_per_s=[1-9][0-9]* frames=[1-9]' \
               '^frame_work_ms median=[0-9.]+ p95=' '^frame_interval_ms median=[0-9.]+ p95=' '^window/headless=[0-9.]+$' \
               '^redraw_verified frames=[1-9][0-9]* differing=0 deferring=[0-9]+$'; do
  grep -qE "$pattern" "$measure_log" || { echo "ui_smoke: measure: no line '$pattern':"; cat "$measure_log"; exit 1; }
done
echo "ui_smoke: measure ok ($(tr '\n' ' ' <"$measure_log" | sed 's/measure: [^)]*) //'))"
# The same check on the path GPU drivers take: the frame kept off screen and copied each frame.
offscreen_log="$outdir/measure_offscreen.log"
if ! xvfb-run -a -s '-screen 0 1280x800x24' "$bin" measure --seconds 2 --verify-redraw --redraw-offscreen >"$offscreen_log" 2>&1 ||
   ! grep -qE '^redraw_verified frames=[1-9][0-9]* differing=0 deferring=[0-9]+$' "$offscreen_log" ||
   ! grep -q 'off screen, copied' "$offscreen_log"; then
  echo "ui_smoke: measure --redraw-offscreen failed:"; cat "$offscreen_log"; exit 1
fi
echo "ui_smoke: measure --redraw-offscreen ok ($(grep redraw_verified "$offscreen_log"))"
if [[ -s "$outdir/flaky.txt" ]]; then
  echo "ui_smoke: all cases passed; FLAKY (passed on the retry): $(tr '\n' ' ' <"$outdir/flaky.txt")"
else
  echo "ui_smoke: all cases passed"
fi
