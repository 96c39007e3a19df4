#!/usr/bin/env bash
# Builds the libFuzzer harnesses (cpp/fuzz) with clang, ASan and UBSan, and runs each one for a
# bounded time over its committed seed corpus: ./scripts/fuzz.sh [seconds-per-target, default 30].
# Fails on any crash, leak, timeout or failed invariant; the input is left in
# build/fuzz/artifacts/<target>/. New inputs go to build/fuzz/corpus/<target>/, which grows from
# run to run, never to the committed seeds (copy a useful one into cpp/fuzz/corpus/<target>/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-30}"
TARGETS=(tracecontext baggage b3 jaeger otel_env spool_record)
BUILD="$ROOT/build/fuzz"

DEBIAN_PACKAGES=(clang-14 libclang-rt-14-dev cmake ninja-build pkg-config libcurl4-openssl-dev
                 zlib1g-dev libgrpc++-dev)
source "$ROOT/scripts/debian-packages.sh"
ensure_debian_packages fuzz "${DEBIAN_PACKAGES[@]}"
CXX_FUZZ="${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}"

echo "== fuzz: build ($CXX_FUZZ)"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCHAOSTRACING_BUILD_FUZZ=ON -DCHAOSTRACING_BUILD_TESTS=OFF \
  >/dev/null
cmake --build "$BUILD" --target "${TARGETS[@]/%/_fuzzer}"

echo "== fuzz: ${SECONDS_PER_TARGET}s per target, all targets at once"
pids=()
for target in "${TARGETS[@]}"; do
  mkdir -p "$BUILD/corpus/$target" "$BUILD/artifacts/$target"
  # The first directory receives new inputs; the committed seeds are only read.
  "$BUILD/cpp/fuzz/${target}_fuzzer" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$BUILD/artifacts/$target/" \
    "$BUILD/corpus/$target" "$ROOT/cpp/fuzz/corpus/$target" >"$BUILD/$target.log" 2>&1 &
  pids+=($!)
done

failed=()
for i in "${!TARGETS[@]}"; do
  target="${TARGETS[$i]}"
  if wait "${pids[$i]}"; then
    log="$BUILD/$target.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    added=$(sed -n 's/^stat::new_units_added: *//p' "$log")
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    echo "fuzz: $target ok: $runs runs in ${secs}s ($rate/s), $added new units," \
      "corpus $(ls "$BUILD/corpus/$target" | wc -l) + $(ls "$ROOT/cpp/fuzz/corpus/$target" | wc -l) seeds," \
      "peak RSS ${rss} MB"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED (log: $BUILD/$target.log)"
    grep -E "ERROR|invariant failed|SUMMARY|Test unit written" "$BUILD/$target.log" | head -20 || true
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failures in ${failed[*]}"
  exit 1
fi
