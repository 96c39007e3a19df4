"""What a traced run loads: gRPC's shared libraries only when it exports over
gRPC (they take longer to load than the rest of the run's start)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import chaostracing.control
from chaostracing import config, runtime

def grpc_loaded():
    with open("/proc/self/maps") as maps:
        return "libgrpc" in maps.read()

run = runtime.configure(config.resolve({"provider": "file", "path": sys.argv[1]}, {}))
print(run is not None, grpc_loaded())
runtime.finish()
run = runtime.configure(config.resolve(
    {"provider": "otlp", "endpoint": "http://127.0.0.1:9", "protocol": "grpc"}, {}))
print(run is not None, grpc_loaded())
runtime.finish()
"""


def test_grpc_is_loaded_only_by_a_run_that_exports_over_grpc(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "t.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "True", "True"]


def test_the_version_is_the_distributions():
    from importlib import metadata

    import chaostracing

    assert chaostracing.__version__ == metadata.version("chaostoolkit-opentracing")
