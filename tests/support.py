"""Helpers shared by the tests: run real `chaos run`, read traces back.

Traces are always decoded with the opentelemetry-proto package (the reference
protobuf and JSON decoders), never with code of ours.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from chaostracing import _core

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
EXPERIMENTS = TESTS / "experiments"
CHAOS = shutil.which("chaos", path=str(Path(sys.executable).parent)) or "chaos"

#: The span tree of a traced run of experiments/full.json (see tree()).
FULL_EXPERIMENT_TREE = [
    (0, "experiment"),
    (1, "hypothesis"),
    (2, "activity: payments-health"),
    (2, "activity: python-probe"),
    (1, "hypothesis"),
    (2, "activity: payments-health"),
    (2, "activity: python-probe"),
    (1, "method"),
    (2, "activity: break-the-database"),
    (2, "activity: inject-latency"),
    (2, "activity: slow-background-work"),
    (1, "rollbacks"),
    (2, "activity: remove-latency"),
]

CONTROL = {
    "name": "tracing",
    "provider": {"type": "python", "module": "chaostracing.control"},
}


@dataclass
class Span:
    """A decoded span, flattened for assertions."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    start: int
    end: int
    attributes: dict[str, Any]
    status_code: int
    status_message: str
    events: list[dict[str, Any]]
    resource: dict[str, Any] = field(repr=False)


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in any_value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in any_value.kvlist_value.values}
    return getattr(any_value, kind) if kind else None


def spans_of(request: ExportTraceServiceRequest) -> list[Span]:
    out = []
    for rs in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in rs.resource.attributes}
        for ss in rs.scope_spans:
            for s in ss.spans:
                out.append(
                    Span(
                        name=s.name,
                        trace_id=s.trace_id.hex(),
                        span_id=s.span_id.hex(),
                        parent_span_id=s.parent_span_id.hex(),
                        start=s.start_time_unix_nano,
                        end=s.end_time_unix_nano,
                        attributes={kv.key: _value(kv.value) for kv in s.attributes},
                        status_code=s.status.code,
                        status_message=s.status.message,
                        events=[
                            {
                                "name": e.name,
                                "time": e.time_unix_nano,
                                "attributes": {kv.key: _value(kv.value) for kv in e.attributes},
                            }
                            for e in s.events
                        ],
                        resource=resource,
                    )
                )
    return out


_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def _hex_ids_to_base64(node: Any) -> Any:
    # OTLP/JSON writes ids as hex, an exception to the protobuf JSON mapping
    # (which reads bytes as base64): convert before the reference parser runs.
    if isinstance(node, dict):
        return {
            k: base64.b64encode(bytes.fromhex(v)).decode()
            if k in _ID_KEYS and isinstance(v, str)
            else _hex_ids_to_base64(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_hex_ids_to_base64(v) for v in node]
    return node


def parse_otlp_json(text: str | bytes) -> ExportTraceServiceRequest:
    """One OTLP/JSON ExportTraceServiceRequest, decoded by protobuf's parser."""
    return json_format.ParseDict(_hex_ids_to_base64(json.loads(text)), ExportTraceServiceRequest())


def read_trace_file(path: Path) -> list[Span]:
    """Spans of an OTLP/JSON lines file, one ExportTraceServiceRequest a line."""
    spans: list[Span] = []
    # Split on "\n" only: str.splitlines() also breaks at U+2028 inside strings.
    for line in path.read_text().split("\n"):
        if line:
            spans.extend(spans_of(parse_otlp_json(line)))
    return spans


@dataclass
class Run:
    returncode: int
    journal: dict[str, Any]
    log: str
    output: str
    workdir: Path

    @property
    def trace_file(self) -> Path:
        return self.workdir / "journal.trace.jsonl"

    def spans(self) -> list[Span]:
        return read_trace_file(self.trace_file)


def chaos_start(
    experiment: dict[str, Any],
    workdir: Path,
    *,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
) -> subprocess.Popen[str]:
    """Start `chaos run` on `experiment` in `workdir`, as a user would."""
    workdir.mkdir(parents=True, exist_ok=True)
    experiment_path = workdir / "experiment.json"
    experiment_path.write_text(json.dumps(experiment, indent=2))
    settings_path = workdir / "settings.yaml"
    # JSON is YAML: chaoslib reads the settings file with yaml.safe_load.
    settings_path.write_text(json.dumps(settings or {}))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    environment["PYTHONPATH"] = str(TESTS / "ext")
    environment.update(env or {})
    command = [
        CHAOS,
        "--no-version-check",
        "--settings",
        str(settings_path),
        "--log-file",
        str(workdir / "chaostoolkit.log"),
        "run",
        "--journal-path",
        str(workdir / "journal.json"),
        *(args or []),
        str(experiment_path),
    ]
    return subprocess.Popen(
        command,
        cwd=workdir,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def chaos_finish(process: subprocess.Popen[str], workdir: Path, timeout: float = 120) -> Run:
    """Wait for a `chaos run` started by chaos_start; what it left behind."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"`chaos run` did not end within {timeout}s:\n{output}") from None
    journal_file = workdir / "journal.json"
    if not journal_file.exists():
        raise AssertionError(f"`chaos run` wrote no journal (exit {process.returncode}):\n{output}")
    return Run(
        returncode=process.returncode,
        journal=json.loads(journal_file.read_text()),
        log=(workdir / "chaostoolkit.log").read_text(),
        output=output,
        workdir=workdir,
    )


def chaos_run(
    experiment: dict[str, Any],
    workdir: Path,
    *,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run `chaos run` on `experiment` in `workdir` to its end."""
    process = chaos_start(experiment, workdir, settings=settings, env=env, args=args)
    return chaos_finish(process, workdir, timeout)


def python_script(script: str, *args: str) -> str:
    """Runs ``script`` in a fresh interpreter (the run is process-global); its stdout.

    Fails the test, with the script's stderr, when it does not exit 0.
    """
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def chaos_run_continuously(experiment: dict[str, Any], workdir: Path, method_sleep: str) -> Run:
    """`chaos run` of long.json (a sleep in its method, of `method_sleep` seconds)
    with its hypothesis checked continuously every 0.2 s."""
    experiment["method"][1]["provider"]["arguments"] = method_sleep
    return chaos_run(
        experiment,
        workdir,
        args=["--hypothesis-strategy", "continuously", "--hypothesis-frequency", "0.2"],
    )


def wait_for_log(
    workdir: Path, text: str, process: subprocess.Popen[str], timeout: float = 60
) -> None:
    """Poll the chaos log until `text` appears (the run reached that point)."""
    import time

    log = workdir / "chaostoolkit.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        if process.poll() is not None:
            raise AssertionError(f"`chaos run` ended before logging {text!r}")
        time.sleep(0.05)  # polling a condition
    raise AssertionError(f"{text!r} not logged within {timeout}s")


def load_experiment(name: str, **configuration: Any) -> dict[str, Any]:
    experiment = json.loads((EXPERIMENTS / name).read_text())
    experiment.setdefault("configuration", {}).update(configuration)
    return experiment


def with_control(
    experiment: dict[str, Any], arguments: dict[str, Any] | None = None
) -> dict[str, Any]:
    experiment = copy.deepcopy(experiment)
    control = copy.deepcopy(CONTROL)
    if arguments:
        control["provider"]["arguments"] = arguments
    experiment["controls"] = [control]
    return experiment


def journal_outcome(journal: dict[str, Any]) -> dict[str, Any]:
    """What a journal says happened, without times and outputs."""

    def runs(items: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
        return sorted((r["activity"]["name"], r["status"]) for r in items or [])

    def state(ss: dict[str, Any] | None) -> Any:
        if ss is None:
            return None
        return (ss["steady_state_met"], runs(ss["probes"]))

    return {
        "status": journal["status"],
        "deviated": journal["deviated"],
        "before": state(journal["steady_states"]["before"]),
        "after": state(journal["steady_states"]["after"]),
        "run": runs(journal["run"]),
        "rollbacks": runs(journal["rollbacks"]),
    }


def tree(spans: list[Span]) -> list[tuple[int, str]]:
    """The span tree as (depth, name) rows."""
    by_parent: dict[str, list[Span]] = {}
    ids = {s.span_id for s in spans}
    for s in spans:
        parent = s.parent_span_id if s.parent_span_id in ids else ""
        by_parent.setdefault(parent, []).append(s)
    rows: list[tuple[int, str]] = []

    def walk(parent: str, depth: int) -> None:
        # By name, then start: background activities start in any order.
        for child in sorted(by_parent.get(parent, []), key=lambda s: (s.name, s.start)):
            rows.append((depth, child.name))
            walk(child.span_id, depth + 1)

    walk("", 0)
    return rows


class OtlpReceiver:
    """An OTLP/HTTP receiver on loopback that decodes with opentelemetry-proto.

    A sink for what our exporter sends, not a stand-in for a backend: the
    payload is decoded by the reference protobuf/JSON decoders and kept.
    """

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.headers: list[dict[str, str]] = []
        self.content_types: list[str] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                content_type = self.headers.get("Content-Type", "")
                if content_type == "application/json":
                    request = parse_otlp_json(body)
                else:
                    request = ExportTraceServiceRequest.FromString(body)
                with receiver._cond:
                    receiver.requests.append(request)
                    receiver.headers.append(dict(self.headers.items()))
                    receiver.content_types.append(content_type)
                    receiver._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def spans(self) -> list[Span]:
        with self._cond:
            return [s for r in self.requests for s in spans_of(r)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def otlp_receiver() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


@contextmanager
def payments_service() -> Iterator[str]:
    """The example's payments service on a free loopback port; yields its URL."""
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "examples" / "payments" / "service.py"),
                "--port",
                "0",
                "--port-file",
                str(port_file),
            ]
        )
        try:
            deadline = time.monotonic() + 30
            while not (port_file.exists() and port_file.read_text()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the payments service did not start")
                time.sleep(0.02)  # polling a condition, not synchronising on time
            yield f"http://127.0.0.1:{port_file.read_text()}"
        finally:
            process.terminate()
            process.wait(timeout=10)


SECRET_TOKEN = "s3cr3t-t0ken-do-not-leak"
SECRET_PASSWORD = "hunter2-from-the-environment"


def secrets_experiment(service_url: str) -> dict[str, Any]:
    """An experiment using a secret token, an env-loaded password (run it with
    PAYMENTS_DB_PASSWORD=SECRET_PASSWORD) and credential headers."""
    token = SECRET_TOKEN
    experiment = {
        "version": "1.0.0",
        "title": "Secrets stay home",
        "description": "Uses a secret token, an env-loaded password and an auth header.",
        "configuration": {
            "service_url": service_url,
            "db_password": {"type": "env", "key": "PAYMENTS_DB_PASSWORD"},
        },
        "secrets": {"payments": {"token": token}},
        "method": [
            {
                "type": "action",
                "name": "call-with-auth",
                "provider": {
                    "type": "http",
                    "method": "POST",
                    "url": f"{service_url}/fault?ms=1",
                    "headers": {"Authorization": f"Bearer {token}", "Cookie": "sid=abcdef123"},
                    "secrets": ["payments"],
                },
            },
            {
                "type": "probe",
                "name": "echo-the-secrets",
                "provider": {
                    "type": "python",
                    "module": "chaostest_activities",
                    "func": "echo",
                    "arguments": {"value": "token=${token} password=${db_password}"},
                    "secrets": ["payments"],
                },
            },
            {
                "type": "action",
                "name": "fail-with-the-secret",
                "provider": {
                    "type": "python",
                    "module": "chaostest_activities",
                    "func": "fail",
                    "arguments": {"reason": "denied for ${db_password}"},
                },
            },
        ],
    }
    return experiment


def spool_for(spool_dir: Path, endpoint: str, batches: int = 2) -> set[str]:
    """Spool `batches` one-span requests for `endpoint`, as an outage would have."""
    spool = _core.Spool(str(spool_dir))
    destination = _core.otlp_http_exporter(endpoint=endpoint).describe()
    ids = set()
    for i in range(batches):
        request = ExportTraceServiceRequest()
        span = request.resource_spans.add().scope_spans.add().spans.add()
        span.trace_id = bytes(range(1, 17))
        span.span_id = (i + 1).to_bytes(8, "big")
        span.name = f"spooled {i}"
        ids.add(span.span_id.hex())
        assert spool.append(destination, request.SerializeToString(), 1)
    return ids


def closed_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A loopback port nobody listens on (taken, then released)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
