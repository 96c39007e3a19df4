"""What the spans say, read back from a real OpenTelemetry Collector's output:
failures, deviation, an interrupted run, and no secret anywhere it received."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from testbed.backends import Collector

from support import (
    SECRET_PASSWORD,
    SECRET_TOKEN,
    Span,
    chaos_finish,
    chaos_run,
    chaos_start,
    load_experiment,
    parse_otlp_json,
    secrets_experiment,
    spans_of,
    wait_for_log,
    with_control,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def collector(tmp_path_factory) -> Iterator[Collector]:
    with Collector(tmp_path_factory.mktemp("collector")) as running:
        yield running


def received(collector: Collector, trace_id: str, count: int) -> list[Span]:
    """The spans of one trace the Collector wrote to its file (at least
    ``count``: the file exporter flushes every 100 ms), decoded."""
    deadline = time.monotonic() + 30
    while True:
        lines = collector.spans_file.read_text().split("\n")[:-1]
        found = [s for line in lines for s in spans_of(parse_otlp_json(line))]
        spans = [s for s in found if s.trace_id == trace_id]
        if len(spans) >= count or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)  # polling a condition


def to_collector(collector: Collector, experiment: dict) -> dict:
    return with_control(experiment, {"provider": "otlp", "endpoint": collector.otlp_traces_url})


def test_no_secret_reaches_the_collector(tmp_path, service_url, collector):
    run = chaos_run(
        to_collector(collector, secrets_experiment(service_url)),
        tmp_path,
        env={"PAYMENTS_DB_PASSWORD": SECRET_PASSWORD},
    )
    trace_id = run.journal["chaostracing"]["trace_id"]
    spans = received(collector, trace_id, 4)
    assert {s.name for s in spans} >= {"experiment", "activity: echo-the-secrets"}
    everything = Path(collector.spans_file).read_text()
    for secret in (SECRET_TOKEN, SECRET_PASSWORD, "abcdef123"):
        assert secret not in everything
    assert SECRET_TOKEN in str(run.journal["run"][1]["output"])


def test_deviation_and_failure_read_back_from_the_collector(tmp_path, collector):
    run = chaos_run(to_collector(collector, load_experiment("deviates.json")), tmp_path)
    trace_id = run.journal["chaostracing"]["trace_id"]
    spans = received(collector, trace_id, 7)
    by_id = {s.span_id: s for s in spans}
    after = next(s for s in spans if s.attributes.get("chaostoolkit.hypothesis.phase") == "after")
    [probe] = [s for s in spans if s.parent_span_id == after.span_id]
    assert probe.status_code == 2
    assert probe.attributes["chaostoolkit.activity.observed"] == "false"
    assert after.status_code == 2
    experiment = next(s for s in spans if s.name == "experiment")
    assert experiment.status_code == 2
    assert experiment.attributes["chaostoolkit.experiment.deviated"] is True
    assert all(s.parent_span_id in by_id for s in spans if s.name != "experiment")


def test_interrupted_run_arrives_whole_with_its_cause(tmp_path, collector):
    process = chaos_start(to_collector(collector, load_experiment("long.json")), tmp_path)
    wait_for_log(tmp_path, "Action: long-sleep", process)
    process.send_signal(signal.SIGTERM)
    run = chaos_finish(process, tmp_path, timeout=60)
    assert run.journal["status"] == "interrupted"
    spans = received(collector, run.journal["chaostracing"]["trace_id"], 5)
    names = {s.name for s in spans}
    assert {"experiment", "hypothesis", "method", "activity: long-sleep"} <= names
    experiment = next(s for s in spans if s.name == "experiment")
    assert experiment.attributes["chaostoolkit.experiment.interruption"] == "sigterm"
    cut = next(s for s in spans if s.name == "activity: long-sleep")
    assert cut.attributes["chaostoolkit.span.end_cause"] == "sigterm"
    assert cut.status_code != 2
