#!/usr/bin/env bash
# Installs what chaostracing needs on a fresh Debian 12 machine and builds it
# into ./.venv. Sourced by scripts/example.sh and scripts/test.sh; safe to run
# again (it only installs what is missing, and the C++ build is incremental).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DEBIAN_PACKAGES=(g++ cmake ninja-build pkg-config libcurl4-openssl-dev zlib1g-dev
                 libgrpc++-dev    # the OTLP/gRPC exporter (gRPC C++, no code generator)
                 thrift-compiler  # the exporter tests decode Jaeger Thrift with generated types
                 libgtest-dev libgmock-dev libbenchmark-dev python3-venv
                 chromium)  # the HTML report's browser tests (driven by Playwright)
source "$ROOT/scripts/debian-packages.sh"
ensure_debian_packages bootstrap "${DEBIAN_PACKAGES[@]}"

PYTHON="${PYTHON:-python3}"
if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
  echo "bootstrap: creating $ROOT/.venv"
  "$PYTHON" -m venv "$ROOT/.venv"
fi
VENV_PY="$ROOT/.venv/bin/python"
# wheel: without build isolation, dependencies published only as sdists
# (opentracing) are built with the venv's own setuptools, which in Debian 12's
# Python (setuptools 65) cannot make a wheel without it.
"$VENV_PY" -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.13" wheel
echo "bootstrap: building and installing chaostracing (C++ core + bindings)"
# No build isolation: the build folder (build/<wheel tag>) is then reused and
# rebuilds are incremental.
"$VENV_PY" -m pip install -q --disable-pip-version-check --no-build-isolation "$ROOT[test]"
