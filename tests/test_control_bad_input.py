"""Bad configuration: one clear line naming the key, the value and what is
accepted; the experiment runs unchanged; the trace falls back to the embedded
default file rather than being dropped."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import support
from support import chaos_run, journal_outcome, load_experiment, tree, with_control

pytestmark = pytest.mark.integration


def warning_lines(log: str, needle: str) -> list[str]:
    return [line for line in log.splitlines() if needle in line]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, service_url):
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    run = chaos_run(experiment, tmp_path_factory.mktemp("reference"))
    return journal_outcome(run.journal), tree(run.spans())


@pytest.mark.parametrize(
    ("arguments", "configuration", "env", "expected"),
    [
        (
            {"provider": "zipkinn"},
            {},
            {},
            ["provider='zipkinn' is not supported; accepted: otlp, file, noop, jaeger, zipkin"],
        ),
        (
            {},
            {"tracing_provider": "otlp", "tracing_port": "eighty"},
            {},
            ["tracing_port='eighty' is not a port number; accepted: 1-65535"],
        ),
        (
            {},
            {},
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"},
            ["OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"],
        ),
        (
            {"provider": "otlp"},
            {},
            {
                "OTEL_EXPORTER_OTLP_HEADERS": "x-team",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
            },
            ["OTEL_EXPORTER_OTLP_HEADERS", "member 1 has no '='", "value not shown"],
        ),
        (
            {"provider": "otlp", "endpoint": "ftp://collector"},
            {},
            {},
            ["endpoint", "ftp://collector"],
        ),
        (
            {"provider": "otlp", "protocol": "thrift"},
            {},
            {},
            ["protocol='thrift' is not supported; accepted: http/protobuf, http/json, grpc"],
        ),
        (
            {"provider": "otlp", "provdier": "otlp", "port": "x"},
            {},
            {},
            ["unknown control argument 'provdier'; accepted: provider"],
        ),
    ],
    ids=[
        "unknown-provider",
        "non-numeric-port",
        "malformed-endpoint",
        "malformed-header",
        "endpoint-scheme",
        "protocol",
        "misspelt-key",
    ],
)
def test_bad_value_is_reported_once_and_the_run_is_unchanged(
    tmp_path, service_url, reference, arguments, configuration, env, expected
):
    experiment = with_control(
        load_experiment("full.json", service_url=service_url, **configuration),
        arguments,
    )
    run = chaos_run(experiment, tmp_path, env=env)
    lines = warning_lines(run.log, "chaostracing: ")
    matching = [line for line in lines if all(part in line for part in expected)]
    assert len(matching) == 1, lines
    assert "WARNING" in matching[0]
    outcome, spans_tree = reference
    assert journal_outcome(run.journal) == outcome
    # Nothing lost: the whole trace is in the embedded default's file.
    assert tree(run.spans()) == spans_tree
    [fallback] = warning_lines(run.log, "(the embedded default) instead")
    assert str(run.trace_file) in fallback


@contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: a backend that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_backend_that_never_answers_does_not_hang_the_run(tmp_path, service_url, reference):
    with silent_server() as port:
        experiment = with_control(
            load_experiment("full.json", service_url=service_url),
            {"provider": "otlp", "host": "127.0.0.1", "port": port, "timeout_ms": 1000},
        )
        # The subprocess timeout is the hang detector, not a timing assertion.
        run = chaos_run(experiment, tmp_path, timeout=60)
    assert journal_outcome(run.journal) == reference[0]
    [line] = warning_lines(run.log, "could not be delivered")
    assert f"http://127.0.0.1:{port}/v1/traces" in line


def test_unreachable_backend_is_reported_with_its_endpoint(tmp_path, service_url, reference):
    closed_port = support.closed_port()
    experiment = with_control(
        load_experiment("full.json", service_url=service_url),
        {"provider": "otlp", "host": "127.0.0.1", "port": closed_port},
    )
    run = chaos_run(experiment, tmp_path)
    assert journal_outcome(run.journal) == reference[0]
    [line] = warning_lines(run.log, "could not be delivered")
    assert f"127.0.0.1:{closed_port}" in line


UNWRITABLE_TRACE_FILE = """
import sys, tempfile
tempfile.tempdir = sys.argv[2]  # the temp folder this test owns
from chaostracing import config, runtime

missing = sys.argv[1] + "/no-such-folder"
settings = config.resolve(
    {"provider": "file", "path": missing + "/t.jsonl"}, {}, journal_path=missing + "/journal.json"
)
run = runtime.configure(settings)
run.pipeline.start_span("kept").end()
runtime.finish()
print(settings.path)
"""


def test_a_trace_file_that_cannot_be_opened_goes_to_the_temp_folder(tmp_path):
    temp = tmp_path / "temp"
    temp.mkdir()
    out = support.python_script(UNWRITABLE_TRACE_FILE, str(tmp_path), str(temp))
    fallback = temp / "chaostracing.trace.jsonl"
    assert out.strip() == str(fallback)
    assert [s.name for s in support.read_trace_file(fallback)] == ["kept"]
