"""The raw binding, chaostracing._core: spans, encodings checked against the
reference decoders of opentelemetry-proto, pipeline counters."""

from __future__ import annotations

import gc
import math
import time
import weakref

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from chaostracing import _core
from chaostracing.content import Redactor, encode
from chaostracing.lifecycle import RunTracer
from chaostracing.report import render_report
from chaostracing.report.html import render_data
from chaostracing.report.model import report_data
from chaostracing.trace_file import read_trace_file
from support import parse_otlp_json, spans_of

EVERY_TYPE = {
    "s": 'héllo \x00 "quoted" \n ☃',
    "empty": "",
    "true": True,
    "false": False,
    "minus-one": -1,
    "zero": 0,
    "int64-max": 2**63 - 1,
    "int64-min": -(2**63),
    "tenth": 0.1,
    "zero-float": 0.0,
    "minus-zero": -0.0,
    "inf": float("inf"),
    "strings": ["a", ""],
    "bools": [True, False],
    "ints": [0, 5, -7],
    "floats": [1.5, 0.0],
    "long": "x" * 3000,
}


def make_batch(pipeline: _core.Pipeline) -> None:
    root = pipeline.start_span(
        "root ☃", attributes=EVERY_TYPE, kind=_core.SPAN_KIND_SERVER, trace_state="k=v"
    )
    root.add_event("event", {"k": 1})
    root.add_event("bare", None, 5)
    root.set_status(_core.STATUS_ERROR, "it broke")
    for i in range(20):
        child = pipeline.start_span(f"child {i}", parent=root, kind=_core.SPAN_KIND_CLIENT)
        child.set_attributes({"n": i, "pad": "y" * (i * 10)})
        child.set_status(_core.STATUS_OK)
        child.end()
    pipeline.start_span("", kind=0).end()
    root.end()


@pytest.fixture
def pipeline():
    p = _core.Pipeline(
        _core._memory_exporter(), resource={"service.name": "svc", "r": [1, 2]}, scope_version="1"
    )
    yield p
    p.shutdown(1000)


def test_protobuf_encoding_is_byte_identical_to_libprotobuf(pipeline):
    make_batch(pipeline)
    assert pipeline.force_flush(5000)
    [ours] = pipeline._take_encoded("proto")
    message = ExportTraceServiceRequest.FromString(ours)
    assert message.SerializeToString() == ours
    spans = spans_of(message)
    assert len(spans) == 22
    root = next(s for s in spans if s.name == "root ☃")
    assert root.attributes == EVERY_TYPE
    assert root.status_code == 2 and root.status_message == "it broke"
    assert [e["name"] for e in root.events] == ["event", "bare"]
    assert spans[0].resource == {"service.name": "svc", "r": [1, 2]}


def test_json_encoding_decodes_to_the_same_spans_as_protobuf(pipeline):
    make_batch(pipeline)
    assert pipeline.force_flush(5000)
    [proto] = pipeline._take_encoded("proto")
    make_batch(pipeline)
    assert pipeline.force_flush(5000)
    [json_text] = pipeline._take_encoded("json")
    from_proto = spans_of(ExportTraceServiceRequest.FromString(proto))
    from_json = spans_of(parse_otlp_json(json_text))

    def shape(spans):
        return [(s.name, s.attributes, s.status_code, len(s.events)) for s in spans]

    assert shape(from_json) == shape(from_proto)


def test_json_keeps_non_finite_floats_as_the_protobuf_mapping_says(pipeline):
    span = pipeline.start_span("x", attributes={"nan": math.nan, "ninf": -math.inf})
    span.end()
    assert pipeline.force_flush(5000)
    [json_text] = pipeline._take_encoded("json")
    [decoded] = spans_of(parse_otlp_json(json_text))
    assert math.isnan(decoded.attributes["nan"])
    assert decoded.attributes["ninf"] == -math.inf


def test_children_share_the_trace_and_point_at_their_parent(pipeline):
    root = pipeline.start_span("root")
    child = pipeline.start_span("child", parent=root)
    assert child.trace_id == root.trace_id
    assert child.parent_span_id == root.span_id
    assert root.trace_id.hex() == root.trace_id_hex
    assert f"{root.span_id:016x}" == root.span_id_hex
    assert root.parent_span_id == 0


def test_remote_parent_by_trace_id_and_span_id(pipeline):
    trace_id = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
    span = pipeline.start_span("x", trace_id=trace_id, parent_span_id=0x00F067AA0BA902B7)
    assert span.trace_id_hex == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert span.parent_span_id == 0x00F067AA0BA902B7
    with pytest.raises(ValueError):
        pipeline.start_span("x", trace_id=b"short")


def test_end_is_idempotent_and_freezes_the_span(pipeline):
    span = pipeline.start_span("x")
    span.end()
    end = span.end_time_ns
    span.end()
    span.set_attribute("late", 1)
    assert span.end_time_ns == end and not span.is_recording
    assert pipeline.force_flush(5000)
    assert pipeline.stats()["queued"] == 1
    [proto] = pipeline._take_encoded("proto")
    [decoded] = spans_of(ExportTraceServiceRequest.FromString(proto))
    assert "late" not in decoded.attributes


@pytest.mark.parametrize("value", [object(), {"a": 1}, [1, "mixed"], b"bytes", None])
def test_unsupported_attribute_values_are_type_errors(pipeline, value):
    span = pipeline.start_span("x")
    with pytest.raises(TypeError):
        span.set_attribute("k", value)


def test_failed_exports_are_counted_with_the_reason():
    # No spool: spans of a failed batch are lost, and counted as dropped.
    pipeline = _core.Pipeline(_core._memory_exporter(fail=True))
    for _ in range(3):
        pipeline.start_span("x").end()
    assert pipeline.force_flush(5000)
    stats = pipeline.stats()
    assert (stats["queued"], stats["exported"], stats["failed"]) == (3, 0, 3)
    assert (stats["spooled"], stats["dropped"]) == (0, 3)
    assert pipeline.last_error()
    pipeline.shutdown(1000)


def test_full_queue_drops_and_counts():
    pipeline = _core.Pipeline(
        _core._memory_exporter(),
        max_queue_size=4,
        max_export_batch_size=4,
        schedule_delay_ms=60_000,
    )
    spans = [pipeline.start_span(str(i)) for i in range(10)]
    for span in spans:
        span.end()
    assert pipeline.shutdown(5000) is True
    stats = pipeline.stats()
    assert stats["queued"] + stats["dropped"] == 10
    assert stats["exported"] == stats["queued"]
    assert stats["dropped"] >= 1


def test_spans_ended_after_shutdown_are_dropped():
    pipeline = _core.Pipeline(_core._memory_exporter())
    span = pipeline.start_span("late")
    assert pipeline.shutdown(1000)
    span.end()
    assert pipeline.stats()["dropped"] == 1


def test_the_report_gets_from_the_file_exporter_the_very_spans_the_file_holds(tmp_path):
    # The run's report is made from what the trace file's exporter kept, not from the file
    # read back: every value type, event, status, kind and id must come out the same.
    path = tmp_path / "trace.jsonl"
    pipeline = _core.Pipeline(
        _core.file_exporter(path=str(path), keep_bytes=1 << 20),
        resource={"service.name": "svc", "r": [1, 2]},
        scope_version="1",
    )
    make_batch(pipeline)
    backwards = pipeline.start_span("ends before it starts", start_time_ns=2_000)
    backwards.end(1_000)
    pipeline.shutdown(5000)
    kept = pipeline.written_report()
    assert kept is not None and len(kept) == 23
    from_file = report_data(read_trace_file(path))
    assert kept.json() == from_file.json()
    assert (kept.rows(), kept.summary()) == (from_file.rows(), from_file.summary())
    assert render_data(kept) == render_report(read_trace_file(path))
    again = pipeline.written_report()  # handed over once
    assert again is not None and len(again) == 0


def test_past_keep_bytes_the_file_is_the_only_record(tmp_path):
    # Each batch is one line of the file: 22 spans in one batch, then one more, kept while
    # the file holds no more than keep_bytes.
    path = tmp_path / "trace.jsonl"
    pipeline = _core.Pipeline(_core.file_exporter(path=str(path), keep_bytes=1 << 20))
    make_batch(pipeline)
    pipeline.force_flush(5000)
    size = path.stat().st_size
    kept = pipeline.written_report()
    assert kept is not None and len(kept) == 22
    pipeline.shutdown(5000)

    path = tmp_path / "small.jsonl"
    # Room for that line (give or take a few bytes of other ids and times), not one more.
    pipeline = _core.Pipeline(_core.file_exporter(path=str(path), keep_bytes=size + 64))
    make_batch(pipeline)
    pipeline.force_flush(5000)
    pipeline.start_span("one more").end()
    pipeline.shutdown(5000)
    assert pipeline.written_report() is None
    assert len(read_trace_file(path)) == 23
    unkept = _core.Pipeline(_core.file_exporter(path=str(tmp_path / "other.jsonl")))
    unkept.start_span("s").end()
    unkept.shutdown(5000)
    assert unkept.written_report() is None


def test_the_export_thread_empties_the_last_runs_trace_file_before_any_span(tmp_path):
    # Emptied off the caller's thread (freeing the old trace's blocks takes ~0.3 ms), but
    # at once: a run killed before its first span ended must not leave the last run's trace.
    path = tmp_path / "journal.trace.jsonl"
    path.write_text('{"resourceSpans": []}\n' * 1000)
    pipeline = _core.Pipeline(_core.file_exporter(path=str(path), truncate=True))
    deadline = time.monotonic() + 10
    while path.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.001)  # polled: the export thread's start is not observable otherwise
    assert path.stat().st_size == 0
    pipeline.start_span("s").end()
    pipeline.shutdown(5000)
    assert [s.name for s in read_trace_file(path)] == ["s"]


def test_file_exporter_error_names_the_path(tmp_path):
    with pytest.raises(OSError) as error:
        _core.file_exporter(path=str(tmp_path / "missing" / "trace.jsonl"))
    assert "missing" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"protocol": "grpc"}, "grpc"),
        ({"compression": "zstd"}, "zstd"),
        ({"endpoint": "not a url"}, "not a url"),
    ],
)
def test_otlp_exporter_rejects_bad_options_with_one_line(kwargs, message):
    options = {"endpoint": "http://127.0.0.1:4318/v1/traces", **kwargs}
    with pytest.raises(ValueError) as error:
        _core.otlp_http_exporter(**options)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_open_spans_answer_the_innermost_span_of_a_thread_else_the_phase_else_the_experiment(
    pipeline,
):
    spans = _core.OpenSpans()
    assert spans.current() is None
    experiment = pipeline.start_span("experiment")
    method = pipeline.start_span("method", parent=experiment)
    outer = pipeline.start_span("outer", parent=method)
    inner = pipeline.start_span("inner", parent=outer)
    spans.experiment = experiment
    assert spans.current() is experiment
    spans.phase = method
    assert spans.current() is method
    spans.open(1, outer)
    spans.open(1, inner)
    spans.open(2, outer)
    assert spans.current(1) is inner
    assert spans.current(2) is outer
    assert spans.current(3) is method
    spans.close(1, outer)  # not the innermost: the other stays current
    assert spans.current(1) is inner
    spans.close(1, inner)
    assert spans.current(1) is method
    spans.close(1, inner)  # already closed: nothing changes
    spans.phase = None
    assert spans.current(1) is experiment
    assert spans.current(2) is outer
    spans.clear()
    assert spans.current(2) is experiment


def test_a_run_tracer_is_collected_though_its_native_activity_spans_call_it_back(pipeline):
    # RunTracer -> ActivitySpans -> its bound methods -> RunTracer: a cycle the collector
    # sees only through ActivitySpans' tp_traverse.
    tracer = RunTracer(pipeline)
    tracer.activity_started({"name": "probe", "type": "probe"})
    collected = weakref.ref(tracer)
    del tracer
    gc.collect()
    assert collected() is None


class _FailingBinder:
    """Makes spans current, then fails to undo it (a token from another context)."""

    def attach(self, span):
        return "token"

    def detach(self, token):
        raise ValueError("token was created in a different Context")


def test_an_activity_span_ends_though_what_its_end_calls_back_fails(pipeline):
    activities = _core.ActivitySpans(pipeline, _core.OpenSpans(), Redactor(), 4096, encode)
    activities.binder = _FailingBinder()
    activity = {"name": "probe", "type": "probe"}
    activities.started(activity)
    with pytest.raises(ValueError, match="different Context"):
        activities.finished(activity, {"status": "succeeded", "output": 7})
    assert pipeline.force_flush(5000)
    [span] = spans_of(ExportTraceServiceRequest.FromString(pipeline._take_encoded("proto")[0]))
    assert span.name == "activity: probe"
    assert span.attributes["chaostoolkit.activity.status"] == "succeeded"
    assert span.attributes["chaostoolkit.activity.output"] == "7"
    assert activities.clear() == []  # ended, not left open


def test_activity_spans_end_with_the_run_and_none_start_after_it(pipeline):
    activities = _core.ActivitySpans(pipeline, _core.OpenSpans(), Redactor(), 4096, encode)
    first, second = {"name": "first"}, {"name": "second"}
    activities.started(first)
    [left] = activities.clear()
    assert left.name == "activity: first" and left.is_recording
    activities.started(second)
    activities.finished(second, {"status": "succeeded"})
    assert activities.clear() == []
    left.end()
    assert pipeline.force_flush(5000)
    [span] = spans_of(ExportTraceServiceRequest.FromString(pipeline._take_encoded("proto")[0]))
    assert span.name == "activity: first"
