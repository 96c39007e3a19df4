"""Per-span cost from Python: chaostracing vs opentelemetry-sdk, in one run.

Each side: start a span with 5 attributes, end it, batch processing to a sink
that discards (ours: the OTLP/JSON file exporter writing to /dev/null; the SDK:
BatchSpanProcessor with an exporter that returns SUCCESS), flush included.

    python bench/span_cost.py            # 200,000 spans a side
    python bench/span_cost.py --short    # 5,000: keeps the script working in CI
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

ATTRIBUTES = {
    "chaostoolkit.activity.name": "inject-latency",
    "chaostoolkit.activity.type": "action",
    "chaostoolkit.activity.retries": 3,
    "url.full": "http://127.0.0.1:8089/fault",
    "chaostoolkit.activity.background": False,
}


def ours(n: int) -> float:
    from chaostracing import _core

    pipeline = _core.Pipeline(_core.file_exporter(path=os.devnull, truncate=False))
    start = time.perf_counter()
    for _ in range(n):
        pipeline.start_span("activity: inject-latency", attributes=ATTRIBUTES).end()
    pipeline.force_flush(60_000)
    elapsed = time.perf_counter() - start
    stats = pipeline.stats()
    pipeline.shutdown(10_000)
    assert stats["exported"] + stats["dropped"] == n, stats
    return elapsed / n


def otel_sdk(n: int) -> float:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Discard(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(Discard()))
    tracer = provider.get_tracer("bench")
    start = time.perf_counter()
    for _ in range(n):
        tracer.start_span("activity: inject-latency", attributes=ATTRIBUTES).end()
    provider.force_flush(60_000)
    elapsed = time.perf_counter() - start
    provider.shutdown()
    return elapsed / n


def best_of(runs: int, measure: Callable[[int], float], n: int) -> float:
    return min(measure(n) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="a quick run for CI")
    args = parser.parse_args()
    n, runs = (5_000, 1) if args.short else (200_000, 3)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}; {n} spans x best of {runs}"
    )
    mine = best_of(runs, ours, n)
    print(f"chaostracing       start_span(5 attrs)+end: {mine * 1e6:8.2f} us/span")
    try:
        theirs = best_of(runs, otel_sdk, n)
    except ImportError:
        print("opentelemetry-sdk  not installed (pip install .[bench]); no ratio")
        return
    print(f"opentelemetry-sdk  start_span(5 attrs)+end: {theirs * 1e6:8.2f} us/span")
    print(f"ratio (sdk / chaostracing): {theirs / mine:.1f}x")


if __name__ == "__main__":
    main()
