"""Fault tests against the real OpenTelemetry Collector of the test bed: the
backend down, killed mid-run, slow (toxiproxy latency), answering 503/429 with
Retry-After, and the `chaos` process signalled or killed. Each counts span ids
at the receiver: the full set arrives in the end (live, from the spool at the
next run, or by replay), and the experiment's outcome and duration (within
DURATION_SLACK_S of an undisturbed run) are unaffected.

Each scenario's figures (spans sent, received, spooled, dropped, durations)
are appended to build/delivery-figures.jsonl.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from testbed.backends import Collector, Toxiproxy, free_ports

from chaostracing import _core, delivery
from fault_server import fault_server
from support import (
    ROOT,
    Run,
    chaos_finish,
    chaos_run,
    chaos_start,
    journal_outcome,
    load_experiment,
    wait_for_log,
    with_control,
)

pytestmark = pytest.mark.integration

#: The stated slack on the experiment's duration (journal "duration") against an
#: undisturbed run: tracing must not make the experiment itself take longer.
DURATION_SLACK_S = 1.5
TIMEOUT_MS = 1000
FIGURES = ROOT / "build" / "delivery-figures.jsonl"
_DELIVERY = re.compile(
    r"delivery: (\d+) spans sent, (\d+) spooled, (\d+) dropped, (\d+) replayed from earlier runs"
)


def paced_experiment(steps: int = 6, seconds: float = 0.5) -> dict[str, Any]:
    """Activities spread over a few seconds, so spans are exported during the run."""
    experiment = load_experiment("long.json")
    experiment["title"] = "A paced run"
    experiment["method"] = [
        {
            "type": "action",
            "name": f"step-{i}",
            "provider": {"type": "process", "path": "sleep", "arguments": str(seconds)},
        }
        for i in range(1, steps + 1)
    ]
    return experiment


def otlp(endpoint: str) -> dict[str, Any]:
    return {"provider": "otlp", "endpoint": endpoint, "timeout_ms": TIMEOUT_MS}


def delivery_line(run_log: str) -> dict[str, int]:
    [match] = _DELIVERY.findall(run_log)
    sent, spooled, dropped, replayed = map(int, match)
    return {"sent": sent, "spooled": spooled, "dropped": dropped, "replayed": replayed}


def received_ids(*collectors: Collector, trace_id: str | None = None) -> set[str]:
    ids: set[str] = set()
    for col in collectors:
        for span in col.received_spans():
            if trace_id is None or span["traceId"] == trace_id:
                ids.add(span["spanId"])
    return ids


def received_spans(*collectors: Collector, trace_id: str) -> dict[str, dict[str, Any]]:
    return {
        s["spanId"]: s
        for col in collectors
        for s in col.received_spans()
        if s["traceId"] == trace_id
    }


def assert_complete_tree(spans: dict[str, dict[str, Any]]) -> None:
    """One root, named after the experiment span, and every parent present."""
    roots = [s for s in spans.values() if not s.get("parentSpanId")]
    assert [r["name"] for r in roots] == ["experiment"] or len(roots) == 1, roots
    for span in spans.values():
        parent = span.get("parentSpanId")
        assert not parent or parent in spans, f"{span['name']}: parent {parent} missing"


def spool_span_ids(spool_dir: Path) -> set[str]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    ids: set[str] = set()
    for record in _core.Spool(str(spool_dir)).pending():
        request = ExportTraceServiceRequest.FromString(record["payload"])
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                ids.update(s.span_id.hex() for s in ss.spans)
    return ids


def record(scenario: str, **figures: Any) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as out:
        out.write(json.dumps({"scenario": scenario, **figures}) + "\n")


def poll(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout}s")
        time.sleep(0.05)  # polling a condition


def timed_run(experiment: dict[str, Any], workdir: Path, **kwargs: Any) -> tuple[Run, float]:
    start = time.monotonic()
    run = chaos_run(experiment, workdir, **kwargs)
    return run, time.monotonic() - start


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The paced experiment with a healthy Collector: outcome, duration, span count."""
    workdir = tmp_path_factory.mktemp("baseline")
    with Collector(workdir / "collector") as col:
        run, wall = timed_run(with_control(paced_experiment(), otlp(col.otlp_traces_url)), workdir)
        trace_id = run.journal["chaostracing"]["trace_id"]
        counts = delivery_line(run.log)
        col.wait_for_spans(counts["sent"], timeout=10)
        ids = received_ids(col, trace_id=trace_id)
    assert counts["spooled"] == counts["dropped"] == 0
    assert len(ids) == counts["sent"]
    record(
        "baseline (Collector healthy)",
        sent=counts["sent"],
        received=len(ids),
        spooled=0,
        dropped=0,
        duration_s=run.journal["duration"],
        wall_s=round(wall, 2),
    )
    return {
        "outcome": journal_outcome(run.journal),
        "duration": run.journal["duration"],
        "spans": len(ids),
        "wall": wall,
    }


def assert_experiment_unaffected(run: Run, baseline: dict[str, Any]) -> None:
    assert journal_outcome(run.journal) == baseline["outcome"]
    assert abs(run.journal["duration"] - baseline["duration"]) <= DURATION_SLACK_S


def test_backend_down_for_the_whole_run_then_the_next_run_delivers_it(tmp_path, baseline):
    (port,), _ = free_ports(tcp=1)
    endpoint = f"http://127.0.0.1:{port}/v1/traces"
    experiment = with_control(paced_experiment(), otlp(endpoint))
    first, wall = timed_run(experiment, tmp_path / "down")
    assert_experiment_unaffected(first, baseline)
    counts = delivery_line(first.log)
    assert counts == {"sent": 0, "spooled": baseline["spans"], "dropped": 0, "replayed": 0}
    trace_id = first.journal["chaostracing"]["trace_id"]
    # The Collector comes up afterwards on that port; the next run replays on its own.
    with Collector(tmp_path / "collector", ports={"otlp_http": port}) as col:
        second, _ = timed_run(experiment, tmp_path / "next")
        assert delivery_line(second.log)["replayed"] == baseline["spans"]
        col.wait_for_spans(2 * baseline["spans"], timeout=15)
        spans = received_spans(col, trace_id=trace_id)
    assert len(spans) == baseline["spans"]
    assert_complete_tree(spans)
    record(
        "backend down for the whole run, next run replays",
        sent=counts["sent"],
        received=len(spans),
        spooled=counts["spooled"],
        dropped=counts["dropped"],
        duration_s=first.journal["duration"],
        baseline_duration_s=baseline["duration"],
        wall_s=round(wall, 2),
    )


def test_backend_killed_mid_run_and_restarted(tmp_path, spool_dir, baseline):
    workdir = tmp_path / "run"
    first = Collector(tmp_path / "first").start()
    port = first.otlp_http_port
    try:
        # A short export timeout: the outage outlasts an export and its retries.
        arguments = {**otlp(first.otlp_traces_url), "timeout_ms": 300}
        experiment = with_control(paced_experiment(), arguments)
        process = chaos_start(experiment, workdir)
        first.wait_for_spans(1, timeout=30)
        os.killpg(first.pid, signal.SIGKILL)  # type: ignore[arg-type]
        # Down until an export has failed and its batch is in the spool.
        poll(lambda: spool_span_ids(spool_dir), 30, "a batch spooled during the outage")
        with Collector(tmp_path / "second", ports={"otlp_http": port}) as second:
            run = chaos_finish(process, workdir)
            counts = delivery_line(run.log)
            trace_id = run.journal["chaostracing"]["trace_id"]
            # What was spooled during the outage and not replayed by the run itself yet.
            result = delivery.replay(spool_dir)
            assert result.errors == []
            poll(
                lambda: len(received_ids(first, second, trace_id=trace_id)) >= baseline["spans"],
                15,
                "every span at the Collector",
            )
            spans = received_spans(first, second, trace_id=trace_id)
    finally:
        first.stop()
    assert_experiment_unaffected(run, baseline)
    assert len(spans) == baseline["spans"]
    assert_complete_tree(spans)
    assert counts["dropped"] == 0
    record(
        "backend killed mid-run and restarted",
        sent=counts["sent"],
        received=len(spans),
        spooled=counts["spooled"],
        replayed_in_run=counts["replayed"],
        replayed_after=result.spans_delivered,
        dropped=counts["dropped"],
        duration_s=run.journal["duration"],
        baseline_duration_s=baseline["duration"],
    )


def test_backend_slow_behind_a_latency_fault_proxy(tmp_path, spool_dir, baseline):
    with Collector(tmp_path / "collector") as col, Toxiproxy(tmp_path / "toxiproxy") as toxi:
        proxy_port = toxi.create_proxy("otlp", upstream=f"127.0.0.1:{col.otlp_http_port}")
        # Three times the export timeout, on every answer: no export can finish in time.
        toxic = toxi.add_toxic("otlp", "latency", {"latency": 3 * TIMEOUT_MS, "jitter": 0})
        endpoint = f"http://127.0.0.1:{proxy_port}/v1/traces"
        run, wall = timed_run(with_control(paced_experiment(), otlp(endpoint)), tmp_path / "run")
        counts = delivery_line(run.log)
        trace_id = run.journal["chaostracing"]["trace_id"]
        toxi.remove_toxic("otlp", toxic)
        result = delivery.replay(spool_dir)
        assert result.errors == []
        poll(
            lambda: len(received_ids(col, trace_id=trace_id)) >= baseline["spans"],
            15,
            "every span at the Collector",
        )
        spans = received_spans(col, trace_id=trace_id)
    assert_experiment_unaffected(run, baseline)
    assert counts["spooled"] > 0 and counts["dropped"] == 0
    assert len(spans) == baseline["spans"]
    assert_complete_tree(spans)
    record(
        "backend slow (toxiproxy latency 3x the export timeout)",
        sent=counts["sent"],
        received=len(spans),
        spooled=counts["spooled"],
        replayed_after=result.spans_delivered,
        dropped=counts["dropped"],
        duration_s=run.journal["duration"],
        baseline_duration_s=baseline["duration"],
        wall_s=round(wall, 2),
        baseline_wall_s=round(baseline["wall"], 2),
    )


@pytest.mark.parametrize(
    "refusals",
    [[(503, "1"), (503, "1")], [(429, "1"), (429, "1")]],
    ids=["503", "429"],
)
def test_backend_answering_retry_after_gets_the_batch_again(tmp_path, baseline, refusals):
    with (
        Collector(tmp_path / "collector") as col,
        fault_server(col.otlp_http_port, refusals) as faults,
    ):
        arguments = {**otlp(faults.traces_url), "timeout_ms": 5000}
        run, _ = timed_run(with_control(paced_experiment(), arguments), tmp_path / "run")
        counts = delivery_line(run.log)
        trace_id = run.journal["chaostracing"]["trace_id"]
        poll(
            lambda: len(received_ids(col, trace_id=trace_id)) >= baseline["spans"],
            15,
            "every span at the Collector",
        )
        spans = received_spans(col, trace_id=trace_id)
        refused, forwarded = list(faults.refused), faults.forwarded
    assert_experiment_unaffected(run, baseline)
    assert refused == [status for status, _ in refusals]
    assert counts == {"sent": baseline["spans"], "spooled": 0, "dropped": 0, "replayed": 0}
    assert len(spans) == baseline["spans"]
    record(
        f"backend answering {refusals[0][0]} with Retry-After: 1, twice",
        sent=counts["sent"],
        received=len(spans),
        spooled=counts["spooled"],
        dropped=counts["dropped"],
        refused_requests=len(refused),
        forwarded_requests=forwarded,
        duration_s=run.journal["duration"],
        baseline_duration_s=baseline["duration"],
    )


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGUSR2"])
def test_chaos_signalled_mid_activity_spools_everything_then_replay_delivers_it(
    tmp_path, spool_dir, signame
):
    (port,), _ = free_ports(tcp=1)
    endpoint = f"http://127.0.0.1:{port}/v1/traces"
    workdir = tmp_path / "run"
    experiment = with_control(load_experiment("long.json"), otlp(endpoint))
    start = time.monotonic()
    process = chaos_start(experiment, workdir)
    wait_for_log(workdir, "Action: long-sleep", process)
    process.send_signal(getattr(signal, signame))
    run = chaos_finish(process, workdir, timeout=60)
    wall = time.monotonic() - start
    counts = delivery_line(run.log)
    assert counts["sent"] == 0 and counts["dropped"] == 0 and counts["spooled"] > 0
    trace_id = run.journal["chaostracing"]["trace_id"]
    assert len(spool_span_ids(spool_dir)) == counts["spooled"]
    with Collector(tmp_path / "collector", ports={"otlp_http": port}) as col:
        result = delivery.replay(spool_dir)
        assert result.errors == [] and result.spans_pending == 0
        col.wait_for_spans(counts["spooled"], timeout=15)
        spans = received_spans(col, trace_id=trace_id)
    assert len(spans) == counts["spooled"]
    assert_complete_tree(spans)
    assert any(s["name"].endswith("long-sleep") for s in spans.values())
    record(
        f"chaos sent {signame} mid-activity, backend down, then replay",
        sent=counts["sent"],
        received=len(spans),
        spooled=counts["spooled"],
        dropped=counts["dropped"],
        wall_s=round(wall, 2),
    )


def test_chaos_killed_what_was_spooled_before_is_delivered_later(tmp_path, spool_dir):
    (port,), _ = free_ports(tcp=1)
    endpoint = f"http://127.0.0.1:{port}/v1/traces"
    workdir = tmp_path / "run"
    experiment = with_control(paced_experiment(steps=20), otlp(endpoint))
    process = chaos_start(experiment, workdir)
    poll(lambda: spool_span_ids(spool_dir), 60, "a first batch in the spool")
    process.kill()
    process.communicate(timeout=30)
    spooled = spool_span_ids(spool_dir)
    with Collector(tmp_path / "collector", ports={"otlp_http": port}) as col:
        result = delivery.replay(spool_dir)
        assert result.errors == []
        col.wait_for_spans(len(spooled), timeout=15)
        received = received_ids(col)
    assert received == spooled
    record(
        "chaos killed (SIGKILL) mid-run, backend down, then replay",
        sent=0,
        received=len(received),
        spooled=len(spooled),
        dropped=0,
        note="spans still open or queued at the kill are lost with the process",
    )
