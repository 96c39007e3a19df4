#!/usr/bin/env bash
# Every test: the C++ core's GoogleTest suite (ctest), then the Python suite
# (unit tests and real `chaos run` integration tests), then the linters.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"

echo "== C++ core: build and ctest"
cmake -S "$ROOT" -B "$ROOT/build/cpp-tests" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCHAOSTRACING_BUILD_TESTS=ON >/dev/null
cmake --build "$ROOT/build/cpp-tests"
ctest --test-dir "$ROOT/build/cpp-tests" --output-on-failure

echo "== Sanitizers: C++ tests under ASan+UBSan and under TSan, Python stress test under ASan"
"$ROOT/scripts/sanitize.sh"

echo "== Fuzzing, short mode: 10 s per parser with libFuzzer, ASan and UBSan (scripts/fuzz.sh)"
"$ROOT/scripts/fuzz.sh" 10

echo "== Test bed: real Collector, Jaeger and Zipkin (built once, cached)"
"$ROOT/testbed/install.sh" all >/dev/null

echo "== Python: pytest"
cd "$ROOT"
"$ROOT/.venv/bin/python" -m pytest "$@"

echo "== Benchmarks, short mode (keeps them working; no time is asserted)"
"$ROOT/.venv/bin/python" "$ROOT/bench/run.py" --short

echo "== Python: ruff and mypy"
"$ROOT/.venv/bin/ruff" check src tests examples bench
"$ROOT/.venv/bin/ruff" format --check src tests examples bench
"$ROOT/.venv/bin/python" -m mypy
