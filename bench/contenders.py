"""One measurement of one contender, in a process of its own (honeycomb-pycpp
patches the OpenTelemetry API globally, and peak RSS must be per contender).

    python bench/contenders.py ITEM CONTENDER N [ENDPOINT]

prints one JSON object. ITEM: span | nested | encode | e2e | memory | startup.
CONTENDER: ours | sdk | fastotel | honeycomb. ENDPOINT: an OTLP/HTTP traces URL
(the null sink, or the real Collector). bench/run.py drives this; the
references run in the .venv-bench interpreter, ours in .venv.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

# The span every item records: 5 attributes (str, str, int, str, bool), as in
# ../shared/research/perf.md.
NAME = "activity: inject-latency"
ATTRIBUTES = {
    "chaostoolkit.activity.name": "inject-latency",
    "chaostoolkit.activity.type": "action",
    "chaostoolkit.activity.retries": 3,
    "url.full": "http://127.0.0.1:8089/fault",
    "chaostoolkit.activity.background": False,
}
NO_EXPORT = 1 << 30  # queue/batch/delay settings that keep every span queued


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    # VmHWM, not getrusage()'s ru_maxrss: Linux carries ru_maxrss over an exec, so a child of
    # bench/run.py reported run.py's own peak whenever that was larger than its own.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# --- the four ways to get an OpenTelemetry API tracer -----------------------


class Setup:
    """A configured tracer plus how to flush and shut it down."""

    tracer: Any
    flush: Callable[[], object]
    shutdown: Callable[[], object]
    stats: Callable[[], dict[str, int]] = staticmethod(dict)  # type: ignore[assignment]


def setup_ours(endpoint: str, queue: dict[str, int] | None = None) -> Setup:
    from opentelemetry import trace

    from chaostracing import _core, config, otel, runtime

    if queue is None:
        cfg = config.resolve({"provider": "otlp", "endpoint": endpoint}, {})
        run = runtime.configure(cfg)
        assert run is not None
        pipeline = run.pipeline
        finish = runtime.finish
    else:  # item 5: the core's pipeline with everything kept queued
        pipeline = _core.Pipeline(
            _core.otlp_http_exporter(endpoint=endpoint),
            max_queue_size=queue["size"],
            max_export_batch_size=queue["size"],
            schedule_delay_ms=NO_EXPORT,
            max_queue_bytes=NO_EXPORT,
        )
        finish = lambda: pipeline.shutdown(0)  # noqa: E731
    otel.install()
    s = Setup()
    s.tracer = trace.get_tracer("bench")
    s.flush = lambda: pipeline.force_flush(60_000)
    s.shutdown = finish
    s.stats = pipeline.stats
    s.pipeline = pipeline  # type: ignore[attr-defined]
    return s


def _sdk_provider(processor: Any) -> Setup:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider()
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    s = Setup()
    s.tracer = trace.get_tracer("bench")
    s.flush = lambda: provider.force_flush(60_000)
    s.shutdown = provider.shutdown
    return s


def setup_sdk(endpoint: str, queue: dict[str, int] | None = None, otlp: bool = False) -> Setup:
    """The SDK's BatchSpanProcessor; to a discarding exporter unless `otlp`."""
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    counts = {"exported": 0}

    class Discard(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            counts["exported"] += len(spans)
            return SpanExportResult.SUCCESS

    exporter: Any = Discard()
    if otlp:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=endpoint)
    kwargs = {}
    if queue is not None:
        kwargs = dict(
            max_queue_size=queue["size"],
            max_export_batch_size=queue["size"],
            schedule_delay_millis=NO_EXPORT,
        )
    s = _sdk_provider(BatchSpanProcessor(exporter, **kwargs))
    if not otlp:
        s.stats = lambda: dict(counts)
    return s


def setup_fastotel(endpoint: str, queue: dict[str, int] | None = None) -> Setup:
    from fastotel import OTLPSpanProcessor

    kwargs: dict[str, Any] = {}
    if queue is not None:
        kwargs = dict(
            max_queue_size=queue["size"],
            max_export_batch_size=queue["size"],
            schedule_delay_millis=NO_EXPORT,
        )
    return _sdk_provider(OTLPSpanProcessor(endpoint=endpoint, **kwargs))


def setup_honeycomb(endpoint: str, queue: dict[str, int] | None = None) -> Setup:
    batch = ""
    if queue is not None:
        batch = (
            f"        max_queue_size: {queue['size']}\n"
            f"        max_export_batch_size: {queue['size']}\n"
            f"        schedule_delay: {NO_EXPORT}\n"
        )
    config = (
        'file_format: "1.0"\n'
        "tracer_provider:\n"
        "  processors:\n"
        "    - batch:\n" + batch + "        exporter:\n"
        "          otlp_http:\n"
        f"            endpoint: {endpoint}\n"
    )
    path = os.path.join(tempfile.mkdtemp(), "otel.yaml")
    with open(path, "w") as f:
        f.write(config)
    os.environ["OTEL_CONFIG_FILE"] = path
    from honeycomb.pycpp.distro import OpenTelemetryConfigurator
    from honeycomb.pycpp.distro.patch_api import patch
    from opentelemetry import trace

    OpenTelemetryConfigurator().configure()
    patch()
    provider = trace.get_tracer_provider()
    s = Setup()
    s.tracer = trace.get_tracer("bench")
    # Its TracerProvider has no force_flush: per-span figures are the caller's
    # cost only, and shutdown() is its flush.
    s.flush = lambda: None
    s.shutdown = lambda: provider.shutdown()  # type: ignore[attr-defined]
    return s


SETUPS: dict[str, Callable[..., Setup]] = {
    "ours": setup_ours,
    "sdk": setup_sdk,
    "fastotel": setup_fastotel,
    "honeycomb": setup_honeycomb,
}


# --- the items --------------------------------------------------------------


def item_span(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """1: start_span + 5 attributes + end, batched, flush included; best of 3."""
    s = SETUPS[who](endpoint)
    tracer = s.tracer
    for _ in range(min(n, 2000)):  # warm-up
        tracer.start_span(NAME, attributes=ATTRIBUTES).end()
    s.flush()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            tracer.start_span(NAME, attributes=ATTRIBUTES).end()
        s.flush()
        best = min(best, (time.perf_counter() - start) / n)
    out = {"us_per_span": best * 1e6, **s.stats()}
    s.shutdown()
    return out


def item_nested(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """2: three nested `with start_as_current_span`, each checked current."""
    from opentelemetry import trace

    s = SETUPS[who](endpoint)
    tracer = s.tracer
    get = trace.get_current_span
    visible = True

    def once() -> bool:
        with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES) as a:
            ok = get() is a
            with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES) as b:
                ok = ok and get() is b
                with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES) as c:
                    ok = ok and get() is c
        return ok

    visible = all(once() for _ in range(min(n, 1000)))
    s.flush()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES):
                get()
                with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES):
                    get()
                    with tracer.start_as_current_span(NAME, attributes=ATTRIBUTES):
                        get()
        s.flush()
        best = min(best, (time.perf_counter() - start) / (3 * n))
    out = {"us_per_span": best * 1e6, "visible": visible}
    s.shutdown()
    return out


def item_encode(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """3: OTLP protobuf encoding of n spans in batches of 512, one core."""
    if who == "ours":
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        from chaostracing import _core

        # Encoding alone: each batch encoded REPEAT times against once; the difference
        # leaves out handing the batches over and freeing the spans.
        repeat = 11

        def take(times: int) -> tuple[float, list[bytes]]:
            pipeline = _core.Pipeline(
                _core._memory_exporter(), max_queue_size=n, schedule_delay_ms=NO_EXPORT
            )
            for _ in range(n):
                pipeline.start_span(NAME, attributes=ATTRIBUTES).end()
            pipeline.force_flush(60_000)
            start = time.perf_counter()
            encoded = pipeline._take_encoded("proto", times)
            elapsed = time.perf_counter() - start
            pipeline.shutdown(1000)
            return elapsed, encoded

        once = many = float("inf")
        identical = True
        nbytes = 0
        for _ in range(3):
            elapsed, encoded = take(1)
            once = min(once, elapsed)
            many = min(many, take(repeat)[0])
            for body in encoded:  # libprotobuf (upb) parse + re-serialise
                request = ExportTraceServiceRequest.FromString(body)
                identical = identical and request.SerializeToString() == body
            nbytes = sum(len(b) for b in encoded)
        best = max(0.0, many - once) / ((repeat - 1) * n)
        return {"ns_per_span": best * 1e9, "identical": identical, "bytes_per_span": nbytes / n}
    if who == "sdk":
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

        kept: list[Any] = []

        class Keep(SpanExporter):
            def export(self, spans: Any) -> Any:
                kept.extend(spans)

        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(Keep()))
        tracer = provider.get_tracer("bench")
        for _ in range(n):
            tracer.start_span(NAME, attributes=ATTRIBUTES).end()
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            nbytes = 0
            for i in range(0, n, 512):
                nbytes += len(encode_spans(kept[i : i + 512]).SerializeToString())
            best = min(best, (time.perf_counter() - start) / n)
        return {"ns_per_span": best * 1e9, "bytes_per_span": nbytes / n}
    raise SystemExit(f"encode: no encoder to call alone in {who}")


def item_e2e(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """4: n spans from 4 Python threads to the real Collector, default limits."""
    s = setup_sdk(endpoint, otlp=True) if who == "sdk" else SETUPS[who](endpoint)
    tracer = s.tracer
    per_thread = n // 4

    def produce() -> None:
        for _ in range(per_thread):
            tracer.start_span(NAME, attributes=ATTRIBUTES).end()

    threads = [threading.Thread(target=produce) for _ in range(4)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    produced = time.perf_counter() - start
    if who == "honeycomb":
        s.shutdown()
    else:
        s.flush()
    elapsed = time.perf_counter() - start
    out = {
        "spans": per_thread * 4,
        "produce_s": produced,
        "total_s": elapsed,
        "spans_per_s": per_thread * 4 / elapsed,
        "peak_rss_mb": peak_rss_bytes() / 2**20,
        **s.stats(),
    }
    s.shutdown()
    return out


WARM_UP = 100


def item_memory(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """5: resident memory per span held in the export queue (RSS delta)."""
    # Room for the warm-up and the measured spans, so that no batch fills up and leaves (an
    # export while measuring would count its buffers as the spans' memory).
    s = SETUPS[who](endpoint, queue={"size": WARM_UP + n + 1})
    # Ours: the core's queue (the OpenTelemetry API layer needs a run).
    start_span = s.pipeline.start_span if who == "ours" else s.tracer.start_span  # type: ignore[attr-defined]
    for _ in range(WARM_UP):
        start_span(NAME, attributes=ATTRIBUTES).end()
    gc.collect()
    before = rss_bytes()
    for _ in range(n):
        start_span(NAME, attributes=ATTRIBUTES).end()
    gc.collect()
    after = rss_bytes()
    return {"bytes_per_span": (after - before) / n}


def item_startup(who: str, n: int, endpoint: str) -> dict[str, Any]:
    """7: import + configuration, then n spans flushed to the Collector at exit.

    Ours is imported the way `chaos run` imports a control: with chaoslib (which
    chaostracing.control imports) already loaded, so the figure is what tracing adds.
    """
    extra: dict[str, float] = {}
    if who == "ours":
        import chaoslib.activity
        import chaoslib.run  # noqa: F401
    start = time.perf_counter()
    if who == "sdk":
        s = setup_sdk(endpoint, otlp=True)
    elif who == "ours":
        # What the control costs a run: its import and configuration. The OpenTelemetry API
        # is loaded only once an extension imports it (then timed separately).
        import chaostracing.control  # noqa: F401  (what `chaos run` imports)
        from chaostracing import config, runtime

        run = runtime.configure(config.resolve({"provider": "otlp", "endpoint": endpoint}, {}))
        control = time.perf_counter() - start
        assert run is not None
        from opentelemetry import trace  # the control's post-import hook installs the provider

        s = Setup()
        s.tracer = trace.get_tracer("bench")
        s.shutdown = runtime.finish
        extra["api_ms"] = (time.perf_counter() - start - control) * 1e3
    else:
        s = SETUPS[who](endpoint)
    ready = control if who == "ours" else time.perf_counter() - start
    for _ in range(n):
        s.tracer.start_span(NAME, attributes=ATTRIBUTES).end()
    start = time.perf_counter()
    s.shutdown()
    flushed = time.perf_counter() - start
    return {"import_configure_ms": ready * 1e3, "exit_flush_ms": flushed * 1e3, **extra}


ITEMS = {
    "span": item_span,
    "nested": item_nested,
    "encode": item_encode,
    "e2e": item_e2e,
    "memory": item_memory,
    "startup": item_startup,
}


def main() -> None:
    item, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    endpoint = sys.argv[4] if len(sys.argv) > 4 else "http://127.0.0.1:9/v1/traces"
    result = ITEMS[item](who, n, endpoint)
    sys.stdout.flush()
    os.write(1, ("\n@@result " + json.dumps(result) + "\n").encode())
    os._exit(0)  # no atexit flushes after the measurement (they are measured in item 7)


if __name__ == "__main__":
    main()
