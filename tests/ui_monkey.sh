#!/usr/bin/env bash
# UI monkey test: random clicks, drags, wheel, keys and text (src/app/monkey.h) for a bounded
# time with training live, under Xvfb. Fails on a non-zero exit (crash, abort, sanitizer
# report) or on any ImGui assertion / "Mismatch" in the output. The seed is fixed so a failure
# replays: `rnnscope screenshot --monkey-seed S --monkey-frames F` (the log names the seed and
# the last frame reached, every 600 frames). Crashes found become replay cases below.
# Usage: tests/ui_monkey.sh <rnnscope binary> <output dir> [seconds, default 60]
set -euo pipefail

bin=${1:?usage: ui_monkey.sh <rnnscope binary> <outdir> [seconds]}
outdir=${2:?usage: ui_monkey.sh <rnnscope binary> <outdir> [seconds]}
seconds=${3:-60}
mkdir -p "$outdir"
bin=$(realpath "$bin")
command -v xvfb-run >/dev/null || { echo "ui_monkey: xvfb-run not installed (apt-get install xvfb xauth)"; exit 1; }

# run_case NAME ARGS...: cwd is the output dir, so any file the monkey saves stays in it (the
# file browser is confined to it), and so does the recent-files list (XDG_CONFIG_HOME).
run_case() {
  local name=$1; shift
  local log="$outdir/$name.log"
  if ! (cd "$outdir" && XDG_CONFIG_HOME="$outdir/config" xvfb-run -a -s '-screen 0 1280x800x24' "$bin" screenshot --out "$outdir/$name.png" \
          --steps 5 --frames 2 "$@") >"$log" 2>&1; then
    echo "ui_monkey: $name: rnnscope failed:"; tail -40 "$log"; return 1
  fi
  if grep -E "Assertion|Mismatch|runtime error|AddressSanitizer" "$log"; then
    echo "ui_monkey: $name: reported the above"; return 1
  fi
  grep "monkey: seed=.*events=" "$log"
}

# Regression replays (seed + frames of crashes found), short and exact, first.
# (none yet)

run_case seed1 --monkey "$seconds" --monkey-seed 1
echo "ui_monkey: ok"
