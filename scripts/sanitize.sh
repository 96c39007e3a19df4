#!/usr/bin/env bash
# The C++ suite under ASan+UBSan and under TSan, then the multi-threaded Python stress test
# (tests/test_delivery.py) against a _core built with ASan+UBSan. Each build has its own
# folder under build/ and is incremental; any sanitizer report fails the run.
#   ./scripts/sanitize.sh [asan|tsan|python]...   (default: all three)
# Expects the packages and .venv of scripts/bootstrap.sh (scripts/test.sh sources it first).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS=("$@")
((${#STEPS[@]})) || STEPS=(asan tsan python)

# Any report is an error, with a stack; leaks count too (LeakSanitizer).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

build() {  # build DIR SANITIZERS [cmake args...]
  local dir="$1" sanitize="$2"
  shift 2
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCHAOSTRACING_SANITIZE="$sanitize" "$@" >/dev/null
  cmake --build "$dir"
}

for step in "${STEPS[@]}"; do
  case "$step" in
    asan)
      echo "== sanitize: C++ tests under ASan + UBSan"
      build "$ROOT/build/asan" address,undefined -DCHAOSTRACING_BUILD_TESTS=ON
      ctest --test-dir "$ROOT/build/asan" --output-on-failure
      ;;
    tsan)
      echo "== sanitize: C++ tests under TSan"
      build "$ROOT/build/tsan" thread -DCHAOSTRACING_BUILD_TESTS=ON
      # setarch -R: TSan's shadow memory needs the classic address layout on kernels with
      # high mmap randomisation ("unexpected memory mapping" otherwise).
      setarch "$(uname -m)" -R ctest --test-dir "$ROOT/build/tsan" --output-on-failure \
        -E "$(grep -v -e '^#' -e '^$' "$ROOT/scripts/tsan-skip.txt" | paste -sd '|')"
      ;;
    python)
      echo "== sanitize: Python stress test against an ASan + UBSan _core"
      dir="$ROOT/build/asan-python"
      build "$dir" address,undefined -DCHAOSTRACING_PYTHON=ON -DCHAOSTRACING_BUILD_TESTS=OFF \
        -DPython_EXECUTABLE="$ROOT/.venv/bin/python"
      # The package as a folder of its own: the sources plus this _core, first on PYTHONPATH.
      rm -rf "$dir/pkg" && mkdir -p "$dir/pkg"
      cp -r "$ROOT/src/chaostracing" "$dir/pkg/"
      rm -f "$dir/pkg/chaostracing/"_core*.so
      cp "$dir"/bindings/_core*.so "$dir/pkg/chaostracing/"
      # libstdc++ preloaded too: python is not a C++ program, and ASan's __cxa_throw
      # interceptor must find the real one at start-up, before _core is dlopen'ed.
      preload="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libstdc++.so.6)"
      # CPython itself is not built with ASan: its arena allocator and interned objects at
      # exit are not our leaks, so leak checking is off here (the C++ suite above has it on).
      env PYTHONPATH="$dir/pkg" LD_PRELOAD="$preload" \
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
        "$ROOT/.venv/bin/python" -c \
        'import chaostracing._core as c, sys; sys.exit(0 if "asan-python" in c.__file__ else 1)'
      (cd "$ROOT" && env PYTHONPATH="$dir/pkg" LD_PRELOAD="$preload" \
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
        "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q tests/test_delivery.py)
      ;;
    *)
      echo "sanitize: unknown step '$step' (want asan, tsan or python)" >&2
      exit 2
      ;;
  esac
done
