# Sourced by .ci/sanitizers.sh and .ci/fuzz.sh: the one clang ASan+UBSan build that carries both
# the whole test suite and the libFuzzer targets, so CI compiles the core with ASan once.
#   -O1 with line tables: about 3x faster to compile than gcc -O2 -g on the Eigen-heavy files,
#   and still fast enough to run the training tests. No NDEBUG: Eigen's shape and bounds
#   assertions stay on, so a mis-shaped tensor aborts instead of reading out of bounds quietly.
CXX_CLANG=${CXX_CLANG:-clang++-14}
ASAN_DIR=${ASAN_DIR:-build-asan}
ASAN_CONFIG=(-DCMAKE_CXX_COMPILER="$CXX_CLANG" -DCMAKE_BUILD_TYPE=Debug
  "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -gline-tables-only"
  -DRNNSCOPE_SANITIZE=address,undefined -DRNNSCOPE_FUZZ=ON
  -DRNNSCOPE_BUILD_APP=OFF -DRNNSCOPE_BUILD_BENCH=OFF -DRNNSCOPE_SIMD_DISPATCH=OFF)

# clang, its sanitizer runtimes and libomp are Debian packages like the rest (idempotent).
ensure_clang() {
  command -v "$CXX_CLANG" >/dev/null || scripts/install_deps.sh --with-clang
}
