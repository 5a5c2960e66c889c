#!/usr/bin/env bash
# UI smoke test: renders the full window under Xvfb for an LSTM and a GRU model after 50
# training steps and checks each PNG: exit code 0, file exists, 1280x800, not blank.
# Usage: tests/ui_smoke.sh <rnnscope binary> <output dir>
set -euo pipefail

bin=${1:?usage: ui_smoke.sh <rnnscope binary> <outdir>}
outdir=${2:?usage: ui_smoke.sh <rnnscope binary> <outdir>}
mkdir -p "$outdir"
command -v xvfb-run >/dev/null || { echo "ui_smoke: xvfb-run not installed (apt-get install xvfb xauth)"; exit 1; }

# Width and height from the PNG header (bytes 16..23, big-endian), no image library needed.
png_size() {
  od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}

run_case() {
  local name=$1; shift
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
  echo "ui_smoke: $name ok ($size; $(grep '^image' "$log"); $(grep '^frame_ms' "$log"))"
}

run_case lstm --cell lstm
run_case gru --cell gru
echo "ui_smoke: all cases passed"
