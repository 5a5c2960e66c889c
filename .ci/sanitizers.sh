#!/usr/bin/env bash
# Sanitizer builds for CI (called from .ci/run after the normal build and tests):
#   1. ASan + UBSan (clang, -O1, Eigen assertions on): the whole core test suite through ctest,
#      including the gradient checks, bad-input, divergence, crash-safety and fuzz-regression
#      tests (the bad-input tests run the ASan-built `rnnscope` binary as a child process). The
#      same build directory also holds the libFuzzer targets that .ci/fuzz.sh runs next.
#   2. TSan (clang, -O1): the threaded tests (trainer thread, snapshot exchange/command queue,
#      divergence).
# Any sanitizer report fails the run: reports go to per-run log files (log_path) and the script
# fails if any exist, even when the report happened in a child process whose exit code a test
# expected to be non-zero. ASan/UBSan also halt on the first error.
#
# Environment: JOBS (default 2), ASAN_DIR (build-asan), TSAN_DIR (build-tsan),
#              SANITIZERS="asan tsan" (either or both), CXX_CLANG (clang++-14).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
TSAN_DIR=${TSAN_DIR:-build-tsan}
SANITIZERS=${SANITIZERS:-asan tsan}
source .ci/clang_sanitizer_config.sh
ensure_clang

# Tests left out under ASan, each with its reason (keep this list short; it is printed):
#   (none at present — the whole suite runs; gradient checks and bad-input tests must never be
#   listed here)
ASAN_EXCLUDE=${ASAN_EXCLUDE:-}

# The threaded tests come from the build: tests/CMakeLists.txt labels every test file that
# starts a thread ("threaded") and lists their targets in $TSAN_DIR/threaded_tests.txt, so a new
# threaded test runs here without anyone editing this script. A gtest filter narrows a file
# where only part of it is threaded (the rest is covered by the ASan run).
declare -A TSAN_FILTER=([test_structures_training]='*TrainerThread*')

elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# Fails (listing them) if the sanitizer runtime wrote any report under $1.
check_reports() {
  local dir=$1 name=$2
  if compgen -G "$dir/*" >/dev/null; then
    echo "sanitizers.sh: $name reported errors:" >&2
    for f in "$dir"/*; do echo "---- $f" >&2; head -n 60 "$f" >&2; done
    return 1
  fi
  echo "sanitizers.sh: $name: no reports"
}

status=0
if [[ " $SANITIZERS " == *" asan "* ]]; then
  start=$(date +%s)
  logs=$(mktemp -d /tmp/rnnscope-asan-logs.XXXXXX)
  cmake -S . -B "$ASAN_DIR" "${ASAN_CONFIG[@]}" >/dev/null
  nice cmake --build "$ASAN_DIR" -j"$JOBS"  # the tests and the fuzz targets
  echo "sanitizers.sh: ASan+UBSan build: $(elapsed "$start")"
  start=$(date +%s)
  export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:check_initialization_order=1:log_path=$logs/asan"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
  exclude=()
  [[ -n "$ASAN_EXCLUDE" ]] && exclude=(-E "$ASAN_EXCLUDE")
  (cd "$ASAN_DIR" && ctest --output-on-failure -j"$JOBS" --timeout 1200 "${exclude[@]}") || status=1
  unset ASAN_OPTIONS UBSAN_OPTIONS
  check_reports "$logs" "ASan/UBSan" || status=1
  echo "sanitizers.sh: ASan+UBSan tests: $(elapsed "$start")"
fi

if [[ " $SANITIZERS " == *" tsan "* ]]; then
  start=$(date +%s)
  logs=$(mktemp -d /tmp/rnnscope-tsan-logs.XXXXXX)
  # libgomp is not TSan-instrumented: its barriers look like races, so GEMM threads stay off here.
  cmake -S . -B "$TSAN_DIR" -DCMAKE_CXX_COMPILER="$CXX_CLANG" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" -DRNNSCOPE_SANITIZE=thread \
    -DRNNSCOPE_OPENMP=OFF -DRNNSCOPE_BUILD_APP=OFF -DRNNSCOPE_BUILD_BENCH=OFF \
    -DRNNSCOPE_SIMD_DISPATCH=OFF >/dev/null
  mapfile -t TSAN_TESTS < <(grep -v '^$' "$TSAN_DIR/threaded_tests.txt")
  if (( ${#TSAN_TESTS[@]} == 0 )); then
    echo "sanitizers.sh: $TSAN_DIR/threaded_tests.txt lists no threaded tests" >&2; exit 1
  fi
  echo "sanitizers.sh: TSan over ${#TSAN_TESTS[@]} threaded test files: ${TSAN_TESTS[*]}"
  nice cmake --build "$TSAN_DIR" -j"$JOBS" --target rnnscope "${TSAN_TESTS[@]}"
  echo "sanitizers.sh: TSan build: $(elapsed "$start")"
  start=$(date +%s)
  for t in "${TSAN_TESTS[@]}"; do
    echo "sanitizers.sh: TSan $t"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$logs/tsan" \
      "$TSAN_DIR/tests/$t" --gtest_brief=1 --gtest_filter="${TSAN_FILTER[$t]:-*}" || status=1
  done
  check_reports "$logs" "TSan" || status=1
  echo "sanitizers.sh: TSan tests: $(elapsed "$start")"
fi

exit $status
