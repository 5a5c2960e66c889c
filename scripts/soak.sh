#!/usr/bin/env bash
# Resource soak: runs rnnscope for a fixed time and samples its resident memory (VmRSS from
# /proc) every INTERVAL seconds, then reports the first (after warm-up), last and peak RSS and
# the growth per 10 minutes. Exits 1 if RSS grows by more than MAX_GROWTH_MB between the end of
# the warm-up and the end of the run.
#
#   scripts/soak.sh [--minutes N] [--headless] [--binary PATH] [-- extra rnnscope args]
#
# GUI mode (default) runs `rnnscope` (the window on the default demo, training live) under
#   xvfb-run -a -s '-screen 0 1280x800x24'
# and stops it with SIGTERM at the end (the app has no fixed-duration flag). --headless runs
# `rnnscope train --steps <huge>` instead. Samples go to $OUT (default soak-<mode>.csv).
set -euo pipefail
MINUTES=10
MODE=gui
BIN=""
INTERVAL=${INTERVAL:-10}
WARMUP=${WARMUP:-60}          # seconds before the baseline sample (allocations settle)
MAX_GROWTH_MB=${MAX_GROWTH_MB:-50}
EXTRA=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --headless) MODE=headless; shift ;;
    --binary) BIN=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
[[ -z "$BIN" ]] && BIN=build/rnnscope
[[ -x "$BIN" ]] || { echo "soak.sh: $BIN is not built" >&2; exit 2; }
OUT=${OUT:-soak-$MODE.csv}

if [[ $MODE == gui ]]; then
  xvfb-run -a -s '-screen 0 1280x800x24' "$BIN" "${EXTRA[@]}" >"$OUT.log" 2>&1 &
  launcher=$!
  # The app is xvfb-run's child; wait for it to appear.
  pid=""
  for _ in $(seq 100); do
    pid=$(pgrep -P "$launcher" -x "$(basename "$BIN")" || true)
    [[ -n "$pid" ]] && break
    sleep 0.2
  done
else
  "$BIN" train --steps 1000000000 --print-every 1000 "${EXTRA[@]}" >"$OUT.log" 2>&1 &
  launcher=$!
  pid=$launcher
fi
[[ -n "$pid" ]] || { echo "soak.sh: the app did not start; log:" >&2; cat "$OUT.log" >&2; kill "$launcher" 2>/dev/null; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
echo "seconds,rss_kb" >"$OUT"
start=$(date +%s)
end=$(( start + MINUTES * 60 ))
baseline="" last="" peak=0
while :; do
  now=$(date +%s)
  kb=$(rss_kb "$pid")
  if [[ -z "$kb" ]]; then echo "soak.sh: rnnscope exited early; log:" >&2; tail -n 20 "$OUT.log" >&2; exit 1; fi
  echo "$(( now - start )),$kb" >>"$OUT"
  last=$kb
  (( kb > peak )) && peak=$kb
  [[ -z "$baseline" && $(( now - start )) -ge $WARMUP ]] && baseline=$kb
  (( now >= end )) && break
  sleep "$INTERVAL"
done
kill -TERM "$pid" 2>/dev/null || true
wait "$launcher" 2>/dev/null || true
[[ -z "$baseline" ]] && baseline=$(sed -n 2p "$OUT" | cut -d, -f2)
first=$(sed -n 2p "$OUT" | cut -d, -f2)
growth=$(( (last - baseline) / 1024 ))
span=$(( $(tail -n1 "$OUT" | cut -d, -f1) - WARMUP ))
per10=$(( span > 0 ? (last - baseline) * 600 / span / 1024 : 0 ))
echo "soak.sh: $MODE ${MINUTES} min: RSS first $((first / 1024)) MiB, after ${WARMUP}s warm-up $((baseline / 1024)) MiB, end $((last / 1024)) MiB, peak $((peak / 1024)) MiB; growth ${growth} MiB (${per10} MiB per 10 min); samples in $OUT"
(( growth <= MAX_GROWTH_MB )) || { echo "soak.sh: RSS grew by ${growth} MiB (> ${MAX_GROWTH_MB})" >&2; exit 1; }
