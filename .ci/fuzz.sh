#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang++-14, ASan+UBSan) in the clang sanitizer build
# directory that .ci/sanitizers.sh already built (so in CI this build is a no-op), and runs each for a bounded time on its committed seed corpus. Any crash, leak,
# timeout or sanitizer report fails the run; the reproducer is kept under $ARTIFACTS and should
# be committed to tests/fuzz/regressions/<target>/ together with the fix (the gtest
# test_fuzz_regressions replays it from then on).
#
# Environment: FUZZ_SECONDS per target (default 25), ASAN_DIR (build-asan), JOBS (2),
#              FUZZ_TARGETS (default: every tests/fuzz/fuzz_<target>.cpp), ARTIFACTS (a fresh temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-25}
JOBS=${JOBS:-2}
all_targets=$(for f in tests/fuzz/fuzz_*.cpp; do f=${f##*/fuzz_}; echo "${f%.cpp}"; done)
FUZZ_TARGETS=${FUZZ_TARGETS:-$(echo $all_targets)}
ARTIFACTS=$(realpath -m "${ARTIFACTS:-$(mktemp -d /tmp/rnnscope-fuzz.XXXXXX)}")  # absolute: the checkpoint harness changes directory
source .ci/clang_sanitizer_config.sh
ensure_clang
FUZZ_DIR=$ASAN_DIR

start=$(date +%s)
cmake -S . -B "$FUZZ_DIR" "${ASAN_CONFIG[@]}" >/dev/null
targets=()
for t in $FUZZ_TARGETS; do targets+=("fuzz_$t"); done
nice cmake --build "$FUZZ_DIR" -j"$JOBS" --target "${targets[@]}"
echo "fuzz.sh: build: $(( $(date +%s) - start ))s"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
for t in $FUZZ_TARGETS; do
  work="$ARTIFACTS/$t"
  mkdir -p "$work/corpus"
  # New inputs go to the scratch corpus (first directory); the committed seeds are read only.
  # Seeds and past crashes, where the target has them (git keeps no empty directories, and
  # libFuzzer stops on a missing one).
  inputs=()
  for d in "$PWD/tests/fuzz/corpus/$t" "$PWD/tests/fuzz/regressions/$t"; do [[ -d "$d" ]] && inputs+=("$d"); done
  if "$FUZZ_DIR/tests/fuzz/fuzz_$t" "$work/corpus" "${inputs[@]}" \
      -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 \
      -artifact_prefix="$work/" >"$work/log" 2>&1; then
    echo "fuzz.sh: $t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$') runs, no findings"
  else
    status=1
    echo "fuzz.sh: $t FAILED; reproducer(s):" >&2
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
    grep -B2 -A40 -m1 'ERROR:\|runtime error\|==ERROR\|deadly signal\|uncaught exception' "$work/log" >&2 || tail -n 60 "$work/log" >&2
  fi
done
exit $status
