"""Rebuilding a trace from journals a real run may leave: older chaoslib times,
the continuous hypothesis, pauses, interrupted and gated runs."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from chaostracing import _core
from chaostracing.from_journal import JournalError, resource_of, send_spans, spans_from_journal
from chaostracing.trace_file import read_trace_file
from support import read_trace_file as reference_read
from support import tree

PROBE = {
    "type": "probe",
    "name": "health",
    "tolerance": 200,
    "provider": {"type": "http", "url": "http://svc/health"},
}
ACTION = {
    "type": "action",
    "name": "break",
    "provider": {"type": "python", "module": "m", "func": "f"},
    "pauses": {"before": 0.5, "after": "${pause}"},
}


def run(activity, start, end, **extra):
    return {"activity": activity, "start": start, "end": end, "status": "succeeded", **extra}


def state(met, *runs):
    return {"steady_state_met": met, "probes": [dict(r, tolerance_met=met) for r in runs]}


JOURNAL = {
    "chaoslib-version": "1.44.0",
    "node": "box",
    "experiment": {
        "title": "T",
        "steady-state-hypothesis": {"title": "H", "probes": [PROBE]},
        "method": [ACTION],
    },
    # chaoslib before 1.43.1: naive times, in UTC.
    "start": "2024-05-07T12:00:00",
    "end": "2024-05-07T12:00:10",
    "status": "completed",
    "deviated": False,
    "steady_states": {
        "before": state(True, run(PROBE, "2024-05-07T12:00:00.100", "2024-05-07T12:00:00.200")),
        "after": state(True, run(PROBE, "2024-05-07T12:00:09.000", "2024-05-07T12:00:09.100")),
        "during": [
            state(True, run(PROBE, "2024-05-07T12:00:02", "2024-05-07T12:00:02.100")),
            state(False, run(PROBE, "2024-05-07T12:00:04", "2024-05-07T12:00:04.100")),
        ],
    },
    "run": [
        run(
            ACTION,
            "2024-05-07T12:00:01",
            None,
            duration=3.0,
            status="failed",
            exception=["Traceback (most recent call last):\n", "ValueError: nope\n"],
        )
    ],
    "rollbacks": [],
}
SECOND = 1_000_000_000
T0 = 1715083200 * SECOND  # 2024-05-07T12:00:00Z


def by_name(spans, name):
    return [s for s in spans if s.name == name]


def test_spans_of_a_journal_with_every_phase():
    spans = spans_from_journal(JOURNAL)
    assert [(s.name, s.parent_span_id == "") for s in spans][:1] == [("experiment", True)]
    [experiment] = by_name(spans, "experiment")
    assert (experiment.start_ns, experiment.end_ns) == (T0, T0 + 10 * SECOND)
    hypotheses = by_name(spans, "hypothesis")
    phases = [s.attributes["chaostoolkit.hypothesis.phase"] for s in hypotheses]
    assert phases == ["before", "continuous", "continuous", "continuous", "after"]
    continuous = hypotheses[1]
    assert continuous.attributes["chaostoolkit.hypothesis.iterations"] == 2
    iterations = [s for s in hypotheses if s.parent_span_id == continuous.span_id]
    assert [s.attributes["chaostoolkit.hypothesis.iteration"] for s in iterations] == [1, 2]
    assert (
        iterations[1].status_code == 2
        and iterations[1].attributes["chaostoolkit.hypothesis.met"] is False
    )
    # Phases span their activities; the continuous one its iterations.
    assert (continuous.start_ns, continuous.end_ns) == (T0 + 2 * SECOND, T0 + 4_100_000_000)


def test_activity_times_pauses_and_failure():
    spans = spans_from_journal(JOURNAL)
    [action] = by_name(spans, "activity: break")
    # The run's end is missing: start + duration; the 0.5 s pause before is
    # placed ahead of it; the "${pause}" one is not in the journal, so left out.
    assert (action.start_ns, action.end_ns) == (T0 + SECOND // 2, T0 + 4 * SECOND)
    [pause] = by_name(spans, "pause")
    assert pause.parent_span_id == action.span_id
    assert pause.attributes == {
        "chaostoolkit.pause.when": "before",
        "chaostoolkit.pause.seconds": "0.5",
    }
    assert (pause.start_ns, pause.end_ns) == (T0 + SECOND // 2, T0 + SECOND)
    assert action.status_code == 2 and action.status_message == "nope"
    assert action.attributes["error.type"] == "ValueError"
    [event] = action.events
    assert event.name == "exception" and event.time_ns == action.end_ns
    assert event.attributes["exception.stacktrace"].startswith("Traceback")
    [method] = by_name(spans, "method")
    assert method.start_ns == action.start_ns and method.end_ns == action.end_ns


def test_empty_rollbacks_are_a_phase_unless_the_run_failed():
    spans = spans_from_journal(JOURNAL)
    [rollbacks] = by_name(spans, "rollbacks")
    # Placed after what came before it, not at the start of the run.
    assert rollbacks.start_ns == max(s.end_ns for s in by_name(spans, "hypothesis"))
    for status in ("failed", "interrupted"):
        cut_short = dict(JOURNAL, status=status)
        assert by_name(spans_from_journal(cut_short), "rollbacks") == []


def test_gated_run_has_no_method():
    journal = copy.deepcopy(JOURNAL)
    journal["steady_states"] = {
        "before": state(False, run(PROBE, "2024-05-07T12:00:00.1", "2024-05-07T12:00:00.2")),
        "after": None,
        "during": [],
    }
    journal["run"] = []
    spans = spans_from_journal(journal)
    assert [s.name for s in spans] == ["experiment", "hypothesis", "activity: health", "rollbacks"]
    [probe] = by_name(spans, "activity: health")
    assert probe.status_code == 2
    assert probe.attributes["chaostoolkit.activity.expected"] == "200"


def test_ids_are_derived_from_the_journal_and_links_are_right():
    first, second = spans_from_journal(JOURNAL), spans_from_journal(JOURNAL)
    assert [s.span_id for s in first] == [s.span_id for s in second]
    ids = {s.span_id for s in first}
    assert len(ids) == len(first) and len({s.trace_id for s in first}) == 1
    assert all(s.parent_span_id in ids for s in first[1:])
    other = spans_from_journal(dict(JOURNAL, start="2024-05-07T13:00:00+00:00"))
    assert other[0].trace_id != first[0].trace_id


def test_not_a_journal():
    with pytest.raises(JournalError):
        spans_from_journal({"title": "an experiment"})


def test_sent_spans_keep_their_tree_times_and_content(tmp_path):
    spans = spans_from_journal(JOURNAL)
    path = tmp_path / "t.jsonl"
    delivery = send_spans(
        spans, _core.file_exporter(path=str(path)), resource=resource_of(JOURNAL, "svc")
    )
    assert delivery.sent == len(spans) and delivery.undelivered == 0
    sent = reference_read(path)
    as_rebuilt = [
        SimpleNamespace(
            span_id=s.span_id, parent_span_id=s.parent_span_id, name=s.name, start=s.start_ns
        )
        for s in spans
    ]
    assert tree(sent) == tree(as_rebuilt)
    mine = read_trace_file(path)
    assert sorted((s.name, s.start_ns, s.end_ns, s.status_code) for s in mine) == sorted(
        (s.name, s.start_ns, s.end_ns, s.status_code) for s in spans
    )
    assert {s.trace_id for s in mine} == {delivery.trace_id}
    assert sent[0].resource["host.name"] == "box"
    assert sent[0].resource["chaostoolkit.lib.version"] == "1.44.0"
    assert sent[0].resource["service.name"] == "svc"
