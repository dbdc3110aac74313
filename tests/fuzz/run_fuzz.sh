#!/usr/bin/env bash
# Build the libFuzzer targets with clang in their own build directory and
# run fuzz_cpu for a number of seconds.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [extra libFuzzer arguments...]
#
# SECONDS defaults to 60. The build directory is build-fuzz/ at the top of
# the source tree (ISOLAB_FUZZ_BUILD overrides it); the corpus it grows is
# kept in build-fuzz/fuzz-corpus/cpu so later runs start from it, and any
# crashing input is written to build-fuzz/fuzz-artifacts/.
#
# Exit status: 0 when the fuzzer ran the whole time without finding a crash,
# leak or hang; 1 when it found one or the build failed; 77 (ctest's skip
# code) when clang or its libFuzzer runtime is missing.
set -u
seconds=${1:-60}
shift $(( $# > 0 ? 1 : 0 ))
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${ISOLAB_FUZZ_BUILD:-$root/build-fuzz}
jobs=${ISOLAB_FUZZ_JOBS:-2}

skip() {
  echo "SKIPPED: fuzz_cpu: $*"
  exit 77
}
fail() {
  echo "FAILED: fuzz_cpu: $*"
  exit 1
}

command -v clang >/dev/null && command -v clang++ >/dev/null ||
  skip "clang is not installed (Debian: apt-get install clang)"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/t.cpp"
clang++ -fsanitize=fuzzer,address,undefined "$probe/t.cpp" -o "$probe/t" 2>"$probe/err" ||
  skip "clang cannot link a libFuzzer target (is libclang-rt-dev / the compiler-rt fuzzer runtime installed?): $(head -n 1 "$probe/err")"

# One fuzz build at a time, even when two ctest runs share the tree.
mkdir -p "$build"
exec 9>"$build/.run_fuzz.lock"
command -v flock >/dev/null && flock 9

generator=()
[ -f "$build/CMakeCache.txt" ] || { command -v ninja >/dev/null && generator=(-G Ninja); }
echo "run_fuzz: configuring $build with clang"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" "${generator[@]}" -DISOLAB_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 ||
  { tail -n 30 "$build/configure.log"; fail "cmake configure failed (log: $build/configure.log)"; }
echo "run_fuzz: building fuzz_cpu"
cmake --build "$build" --target fuzz_cpu -j "$jobs" >"$build/build.log" 2>&1 ||
  { tail -n 40 "$build/build.log"; fail "build failed (log: $build/build.log)"; }

corpus="$build/fuzz-corpus/cpu"
artifacts="$build/fuzz-artifacts/"
mkdir -p "$corpus" "$artifacts"
echo "run_fuzz: running fuzz_cpu for $seconds s (corpus $corpus)"
# -timeout: one input that runs 10 s is a hang (each run is bounded to
# 10,000 guest instructions). -rss_limit_mb catches runaway memory.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1 \
  "$build/tests/fuzz/fuzz_cpu" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts" "$@" "$corpus" "$root/tests/fuzz/regressions" 2>&1 | tail -n 60
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  fail "the fuzzer stopped with status $status: a crash, leak or hang; reproduce with $build/tests/fuzz/fuzz_cpu $artifacts<file>"
fi
echo "run_fuzz: fuzz_cpu ran $seconds s with no crash, leak or hang"
