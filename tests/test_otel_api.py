"""The OpenTelemetry API as other extensions call it, in a process traced by
chaostracing: attribute values the SDK would drop are dropped (never raised),
secrets are redacted whoever sets them, and ``start_as_current_span`` behaves
as the API's own context manager and decorator do.

Each case runs in a process of its own (the run is process-global: signal
handlers, atexit) and is read back from the trace file that process wrote.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from chaostracing import _core
from chaostracing.trace_file import Span, read_trace_file
from support import python_script

SECRET = "hunter22-secret"

PRELUDE = f"""
import sys
from opentelemetry import trace
from chaostracing import config, otel, runtime
cfg = config.resolve({{"provider": "file", "path": sys.argv[1]}}, {{}})
run = runtime.configure(cfg, secrets={{"vault": {{"token": {SECRET!r}}}}})
otel.install()
tracer = trace.get_tracer("my.extension")
"""


def traced(tmp_path: Path, body: str) -> tuple[list[Span], str]:
    path = tmp_path / "trace.jsonl"
    out = python_script(PRELUDE + textwrap.dedent(body) + "\nruntime.finish()\n", str(path))
    return read_trace_file(path), out


def by_name(spans: list[Span]) -> dict[str, Span]:
    return {s.name: s for s in spans}


def test_attributes_keep_what_otlp_carries_and_drop_what_the_sdk_drops(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        import types
        span = tracer.start_span("s", attributes={
            "str": "x", "int": -3, "float": 1.5, "bool": True,
            "strs": ["a", "b"], "ints": (1, 2), "empty": [],
            "none": None, "dict": {"a": 1}, "mixed": [1, "a"], "huge": 2**70,
            "": "no key", 7: "int key",
        })
        span.set_attribute("late", 2)
        span.set_attribute("late.bad", object())
        span.set_attributes(types.MappingProxyType({"proxy": "yes", "proxy.bad": None}))
        span.end()
        span.set_attribute("after.end", 1)
        print("ok")
        """,
    )
    assert out.strip() == "ok"
    attributes = by_name(spans)["s"].attributes
    assert attributes == {
        "str": "x",
        "int": -3,
        "float": 1.5,
        "bool": True,
        "strs": ["a", "b"],
        "ints": [1, 2],
        "empty": [],
        "late": 2,
        "proxy": "yes",
        "otel.scope.name": "my.extension",
    }


def test_each_key_is_recorded_once_even_from_str_subclasses_that_a_dict_keeps_apart(tmp_path):
    # A dict keeps keys apart by their __eq__: exact str keys are then distinct texts, but
    # a str subclass may hold a text already there. The span has one attribute per key.
    spans, _ = traced(
        tmp_path,
        """
        class Key(str):
            __hash__ = object.__hash__
            __eq__ = object.__eq__

        span = tracer.start_span("s", attributes={"a": 1, Key("a"): 2, "b": 3, Key("b"): 4})
        span.set_attributes({"c": 5, Key("c"): 6})
        span.end()
        """,
    )
    raw = json.loads((tmp_path / "trace.jsonl").read_text().splitlines()[0])
    (span,) = raw["resourceSpans"][0]["scopeSpans"][0]["spans"]
    keys = [a["key"] for a in span["attributes"]]
    assert sorted(keys) == ["a", "b", "c", "otel.scope.name"]
    assert by_name(spans)["s"].attributes == {
        "a": 2,
        "b": 4,
        "c": 6,
        "otel.scope.name": "my.extension",
    }


def test_a_span_made_after_others_died_carries_nothing_of_theirs(tmp_path):
    # ApiSpan objects are pooled: a dead one is reused for a later span, which must start
    # clean (its own ids, context, attributes, status and recording state).
    spans, out = traced(
        tmp_path,
        """
        from opentelemetry.trace import Status, StatusCode
        seen = set()
        for i in range(300):
            span = tracer.start_span(f"s{i}", attributes={f"k{i}": i})
            context = span.get_span_context()
            assert span.is_recording() and context.span_id not in seen
            seen.add(context.span_id)
            if i % 2:
                span.set_status(Status(StatusCode.ERROR, f"failed {i}"))
                span.add_event(f"e{i}")
            span.end()
            assert not span.is_recording()
        print("ok", len(seen))
        """,
    )
    assert out.split() == ["ok", "300"]
    assert len(spans) == 300
    for span in spans:
        i = int(span.name[1:])
        assert span.attributes == {f"k{i}": i, "otel.scope.name": "my.extension"}
        if i % 2:
            assert span.status_code == _core.STATUS_ERROR
            assert span.status_message == f"failed {i}"
            assert [e.name for e in span.events] == [f"e{i}"]
        else:
            assert span.status_code == _core.STATUS_UNSET and span.events == ()
    assert len({s.span_id for s in spans}) == 300


def test_secrets_are_redacted_in_names_and_every_string(tmp_path):
    spans, _ = traced(
        tmp_path,
        f"""
        with tracer.start_as_current_span("call {SECRET}", attributes={{
            "url": "https://x/?t={SECRET}", "list": ["{SECRET}", "fine"],
        }}) as span:
            span.set_attribute("header", "Bearer {SECRET}")
            span.set_attributes({{"more": "{SECRET}{SECRET}"}})
            span.add_event("sent", {{"body": "{SECRET}", "bad": None, "n": 2**70}})
        """,
    )
    (span,) = spans
    redacted = _core.REDACTED
    assert span.name == f"call {redacted}"
    assert span.attributes["url"] == f"https://x/?t={redacted}"
    assert span.attributes["list"] == [redacted, "fine"]
    assert span.attributes["header"] == f"Bearer {redacted}"
    assert span.attributes["more"] == redacted * 2
    (event,) = span.events
    assert event.name == "sent" and event.attributes == {"body": redacted}
    assert SECRET not in (tmp_path / "trace.jsonl").read_text()


def test_start_as_current_span_nests_records_the_exception_and_reraises(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        with tracer.start_as_current_span("outer") as outer:
            assert trace.get_current_span() is outer
            try:
                with tracer.start_as_current_span("inner") as inner:
                    assert trace.get_current_span() is inner
                    raise ValueError("boom")
            except ValueError:
                print("re-raised")
            assert trace.get_current_span() is outer
            with tracer.start_as_current_span("kept", end_on_exit=False) as kept:
                pass
            kept.set_attribute("still", "recording")
            kept.end()
        assert not trace.get_current_span().get_span_context().is_valid
        """,
    )
    assert out.strip() == "re-raised"
    named = by_name(spans)
    outer, inner = named["outer"], named["inner"]
    assert inner.parent_span_id == outer.span_id and inner.trace_id == outer.trace_id
    assert inner.status_code == _core.STATUS_ERROR
    assert inner.status_message == "ValueError: boom"
    (event,) = inner.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "boom"
    assert outer.status_code == _core.STATUS_UNSET  # caught inside: not the outer's error
    assert named["kept"].attributes["still"] == "recording"


def test_start_as_current_span_as_a_decorator_makes_a_span_per_call(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        @tracer.start_as_current_span("step")
        def step(n):
            return trace.get_current_span().get_span_context().span_id, n

        first, second = step(1), step(2)
        print(first[0] != second[0], first[1], second[1])
        """,
    )
    assert out.split() == ["True", "1", "2"]
    steps = [s for s in spans if s.name == "step"]
    assert len(steps) == 2 and steps[0].span_id != steps[1].span_id


def test_a_remote_parent_in_the_context_is_kept(tmp_path):
    spans, _ = traced(
        tmp_path,
        """
        from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
        remote = SpanContext(
            trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736, span_id=0x00F067AA0BA902B7,
            is_remote=True, trace_flags=TraceFlags(1),
        )
        ctx = trace.set_span_in_context(NonRecordingSpan(remote))
        tracer.start_span("child", context=ctx, kind=trace.SpanKind.CLIENT).end()
        """,
    )
    (child,) = spans
    assert child.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert child.parent_span_id == "00f067aa0ba902b7"
    assert child.kind == _core.SPAN_KIND_CLIENT


def test_the_api_sees_its_own_types_and_the_api_rules_for_status_and_kind(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        from opentelemetry.trace import Link, SpanContext, Status, StatusCode, TraceFlags
        print(isinstance(tracer, trace.Tracer))
        span = tracer.start_span("kinds", kind=trace.SpanKind.CONSUMER)
        print(isinstance(span, trace.Span), span.is_recording())
        ctx = span.get_span_context()
        print(ctx.is_valid, ctx.trace_flags.sampled, ctx is span.get_span_context())
        span.set_status(StatusCode.OK)
        span.set_status(Status(StatusCode.ERROR, "too late: Ok is final"))
        span.end()
        print(span.is_recording())
        failed = tracer.start_span("failed", links=[Link(ctx)])
        failed.set_status(Status(StatusCode.ERROR, "lost"))
        failed.set_status(StatusCode.UNSET)
        failed.record_exception(KeyError("k"), attributes={"extra": 1})
        failed.update_name("failed twice")
        failed.end(end_time=2_000_000_000_000_000_000)
        runtime.finish()
        after = tracer.start_span("after the run")
        print(after is trace.INVALID_SPAN)
        """,
    )
    assert out.split() == ["True", "True", "True", "True", "True", "True", "False", "True"]
    named = by_name(spans)
    kinds, failed = named["kinds"], named["failed twice"]
    assert kinds.kind == _core.SPAN_KIND_CONSUMER
    assert kinds.status_code == _core.STATUS_OK and kinds.status_message == ""
    assert failed.kind == _core.SPAN_KIND_INTERNAL
    assert failed.status_code == _core.STATUS_ERROR and failed.status_message == "lost"
    assert failed.trace_id != kinds.trace_id  # a link is not a parent
    assert failed.end_ns == 2_000_000_000_000_000_000
    link, exception = failed.events
    assert link.name == "link"
    assert link.attributes == {"link.trace_id": kinds.trace_id, "link.span_id": kinds.span_id}
    assert exception.name == "exception"
    assert exception.attributes["exception.type"] == "KeyError"
    assert exception.attributes["extra"] == 1
    assert "KeyError" in exception.attributes["exception.stacktrace"]
    assert "after the run" not in named


def test_an_exception_that_cannot_be_formatted_still_propagates_unchanged(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no text")

        try:
            with tracer.start_as_current_span("unprintable"):
                raise Unprintable()
        except Unprintable:
            print("propagated")
        print(trace.get_current_span() is trace.INVALID_SPAN)
        """,
    )
    assert out.split() == ["propagated", "True"]
    (span,) = spans
    assert span.name == "unprintable"


def test_a_span_started_outside_the_lifecycles_context_nests_under_its_threads_innermost_span(
    tmp_path,
):
    # Threads start with an empty OpenTelemetry context: there the tracer asks the lifecycle
    # for the innermost span the calling thread has open, else the method (or experiment).
    spans, out = traced(
        tmp_path,
        """
        import threading
        experiment = {"title": "t", "method": []}
        outer = {"name": "outer", "type": "action", "provider": {"type": "python"}}
        inner = {"name": "inner", "type": "action", "provider": {"type": "python"}}
        run.experiment_started(experiment)
        run.method_started(experiment)

        def in_a_thread(body):
            t = threading.Thread(target=body)
            t.start()
            t.join()

        def activities():
            run.activity_started(outer)
            run.activity_started(inner)
            in_a_thread(lambda: tracer.start_span("from another thread").end())
            print(run.current_span().name)
            run.activity_finished(inner, None)
            print(run.current_span().name)
            run.activity_finished(outer, None)
            print(run.current_span().name)

        in_a_thread(activities)
        run.method_finished(experiment)
        run.experiment_finished(None)
        """,
    )
    assert out.split("\n")[:3] == ["activity: inner", "activity: outer", "method"]
    named = by_name(spans)
    assert named["from another thread"].parent_span_id == named["method"].span_id


def test_the_tracer_takes_its_arguments_by_position_or_keyword_as_the_api_declares(tmp_path):
    spans, out = traced(
        tmp_path,
        """
        from opentelemetry.trace import SpanKind
        tracer.start_span("positional", None, SpanKind.CLIENT, {"a": 1}).end()
        tracer.start_span(name="keywords", attributes={"b": 2}, kind=SpanKind.SERVER).end()
        built = "".join(["attri", "butes"])  # a keyword name that is not the interned literal
        assert built is not sys.intern("attributes")
        tracer.start_span("built keyword", **{built: {"c": 3}}).end()
        with tracer.start_as_current_span("current", None, SpanKind.PRODUCER, {"d": 4},
                                          end_on_exit=True) as span:
            print("current is", trace.get_current_span() is span)
        for call in (
            lambda: tracer.start_span(),
            lambda: tracer.start_span("x", nme="typo"),
            lambda: tracer.start_span("x", name="twice"),
            lambda: tracer.start_span("a", None, None, None, None, None, True, True, "extra"),
            lambda: tracer.start_as_current_span(kind=SpanKind.CLIENT),
        ):
            try:
                call()
            except TypeError as e:
                print("TypeError:", e)
        """,
    )
    assert "current is True" in out
    assert "TypeError: start_span() missing required argument 'name'" in out
    assert "TypeError: start_span() got an unexpected keyword argument 'nme'" in out
    assert "TypeError: start_span() got multiple values for argument 'name'" in out
    assert "TypeError: start_span() takes at most 8 positional arguments (9 given)" in out
    assert "TypeError: start_as_current_span() missing required argument 'name'" in out
    named = by_name(spans)
    assert set(named) == {"positional", "keywords", "built keyword", "current"}
    # kinds as OTLP numbers them: server 2, client 3, producer 4
    assert (named["positional"].kind, named["positional"].attributes["a"]) == (3, 1)
    assert (named["keywords"].kind, named["keywords"].attributes["b"]) == (2, 2)
    assert named["built keyword"].attributes["c"] == 3
    assert (named["current"].kind, named["current"].attributes["d"]) == (4, 4)


def test_native_spans_are_the_apis_span_and_cached_as_such_by_abc(tmp_path):
    # get_current_span() runs isinstance(span, Span) on every call: a class that abc keeps
    # in its registry instead of its cache costs a Python-level __subclasscheck__ each time.
    _, out = traced(
        tmp_path,
        """
        import _abc
        from opentelemetry.trace import Span
        from chaostracing import _core
        with tracer.start_as_current_span("api") as span:
            print("api span is a Span:", isinstance(span, Span))
        registry, cache = ({ref() for ref in refs} for refs in _abc._get_dump(Span)[:2])
        print("ApiSpan cached:", _core.ApiSpan in cache)
        print("ApiSpan registered directly:", _core.ApiSpan in registry)
        """,
    )
    assert "api span is a Span: True" in out
    assert "ApiSpan cached: True" in out
    assert "ApiSpan registered directly: False" in out
