"""The benchmark suite: chaostracing against what users would use instead,
measured side by side in one run, printed as one table per item with ratios and
the machine it ran on.

    python bench/run.py            # the full suite (minutes)
    python bench/run.py --short    # seconds: keeps every item working in CI

References (opentelemetry-sdk with its OTLP/HTTP exporter, fastotel,
honeycomb-pycpp) are installed into their own venv, ``.venv-bench`` (the
``bench`` extra of pyproject.toml), so that they never change the test venv;
a reference that does not install prints pip's error in place of its figures.
Each measurement runs in a fresh process (bench/contenders.py). The real
OpenTelemetry Collector comes from testbed/. No figure is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomllib

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OURS_PY = Path(sys.executable)
REF_VENV = ROOT / ".venv-bench"
REF_PY = REF_VENV / "bin" / "python"
REFERENCES = ("sdk", "fastotel", "honeycomb")
LABEL = {
    "ours": "chaostracing",
    "sdk": "opentelemetry-sdk",
    "fastotel": "fastotel",
    "honeycomb": "honeycomb-pycpp",
}
DISTRIBUTION = {
    "sdk": "opentelemetry-sdk",
    "fastotel": "fastotel",
    "honeycomb": "honeycomb-pycpp",
}
NOT_AVAILABLE = "-"

# --- environment ------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cpus, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}"
    )


def install_references() -> dict[str, str]:
    """The reference venv; returns {contender: why it is missing} for failures."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["bench"]
    if not REF_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REF_VENV)], check=True)
    missing: dict[str, str] = {}
    for requirement in extra:
        name = re.split(r"[<>=!~\[ ]", requirement, maxsplit=1)[0]
        if _installed(name):
            continue
        proc = subprocess.run(
            [str(REF_PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            lines = [line for line in proc.stderr.splitlines() if "ERROR" in line]
            why = (lines or proc.stderr.splitlines() or ["pip failed"])[0].strip()
            for who, dist in DISTRIBUTION.items():
                if dist == name:
                    missing[who] = f"not installed: {why}"
    return missing


def _installed(distribution: str) -> bool:
    proc = subprocess.run(
        [str(REF_PY), "-c", f"import importlib.metadata as m; m.version({distribution!r})"],
        capture_output=True,
    )
    return proc.returncode == 0


def versions() -> dict[str, str]:
    out = {}
    for who, dist in {"ours": "chaostoolkit-opentracing", **DISTRIBUTION}.items():
        py = OURS_PY if who == "ours" else REF_PY
        proc = subprocess.run(
            [str(py), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
            capture_output=True,
            text=True,
        )
        out[who] = proc.stdout.strip() if proc.returncode == 0 else "?"
    return out


# --- running a contender ----------------------------------------------------


# How long one contender's measurement may take: a reference that hangs (honeycomb-pycpp's
# exporter deadlocks here now and then, in items 2 and 4) must not hold up the suite. The
# slowest full measurement that ends, 1,000,000 spans at the SDK's 30 k/s, takes about 40 s.
TIMEOUT_S = {"short": 120, "full": 300}
_timeout_s = TIMEOUT_S["full"]


def measure(item: str, who: str, n: int, endpoint: str = "") -> dict[str, Any] | str:
    """The contender's figures, or a one-line reason why there are none."""
    py = OURS_PY if who == "ours" else REF_PY
    cmd = [str(py), str(BENCH / "contenders.py"), item, who, str(n)]
    if endpoint:
        cmd.append(endpoint)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_timeout_s)
    except subprocess.TimeoutExpired:
        return f"timed out after {_timeout_s} s"
    for line in proc.stdout.splitlines():
        if line.startswith("@@result "):
            result: dict[str, Any] = json.loads(line[len("@@result ") :])
            return result
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    return "failed: " + (lines[-1] if lines else f"exit {proc.returncode}")


@contextmanager
def null_sink() -> Iterator[str]:
    proc = subprocess.Popen(
        [str(OURS_PY), str(BENCH / "sink.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1/traces"
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def collector() -> Iterator[Any]:
    sys.path.insert(0, str(ROOT))
    from testbed.backends import Collector

    with (
        tempfile.TemporaryDirectory(prefix="chaostracing-bench-") as tmp,
        Collector(Path(tmp), debug_verbosity="basic") as col,
    ):
        yield col


def received_spans(col: Any) -> int:
    """Spans the Collector wrote to its file so far (OTLP/JSON, one spanId each)."""
    count, tail = 0, b""
    try:
        with open(col.spans_file, "rb") as f:
            while chunk := f.read(1 << 22):
                data = tail + chunk
                count += data.count(b'"spanId"')
                tail = data[-7:]  # a marker cut between chunks is counted once
    except FileNotFoundError:
        return 0
    return count


def wait_received(col: Any, before: int, expected: int) -> int:
    """Spans received since `before`, once `expected` or no change for 2 s."""
    got, last_change = received_spans(col) - before, time.monotonic()
    while got < expected and time.monotonic() - last_change < 2:
        time.sleep(0.2)  # the Collector writes its file every 100 ms
        now = received_spans(col) - before
        if now != got:
            got, last_change = now, time.monotonic()
    return got


def replay_spool() -> tuple[float, int]:
    """`chaos trace replay` of this run's spool: seconds taken and exit code."""
    start = time.perf_counter()
    proc = subprocess.run(
        [
            str(OURS_PY.parent / "chaos"),
            "--no-version-check",
            "--log-file",
            os.devnull,  # not a chaostoolkit.log in the caller's directory
            "trace",
            "replay",
            os.environ["CHAOSTRACING_SPOOL_DIR"],
        ],
        capture_output=True,
        timeout=_timeout_s,
    )
    return time.perf_counter() - start, proc.returncode


# --- the table --------------------------------------------------------------


class Table:
    def __init__(self, title: str, unit: str, target: str, lower_is_better: bool = True) -> None:
        self.title, self.unit, self.target = title, unit, target
        self.lower_is_better = lower_is_better
        self.rows: list[tuple[str, float | None, str, bool]] = []

    def add(self, who: str, value: float | None, note: str = "", ratio: bool = True) -> None:
        """``ratio=False``: a row that is not a contender (a part of ours), shown without one."""
        self.rows.append((who, value, note, ratio))

    def print(self) -> None:
        print(f"\n## {self.title}  (target: {self.target})")
        ours = next((v for w, v, _, _ in self.rows if w == "ours"), None)
        print(f"| {'contender':<20} | {self.unit:>14} | {'ours is':>10} | note")
        print(f"|{'-' * 22}|{'-' * 16}|{'-' * 12}|------")
        for who, value, note, with_ratio in self.rows:
            shown = NOT_AVAILABLE if value is None else f"{value:,.3f}"
            ratio = ""
            if with_ratio and who != "ours" and value and ours:
                factor = value / ours if self.lower_is_better else ours / value
                ratio = f"{factor:,.1f}x"
            print(f"| {LABEL.get(who, who):<20} | {shown:>14} | {ratio:>10} | {note}")


def run_tables(short: bool, missing: dict[str, str]) -> None:
    global _timeout_s
    _timeout_s = TIMEOUT_S["short" if short else "full"]

    def refs() -> Iterator[str]:
        yield "ours"
        yield from REFERENCES

    def per_contender(
        table: Table,
        item: str,
        n: int,
        key: str,
        endpoint: str = "",
        note: Any = None,
        contenders: tuple[str, ...] | None = None,
    ) -> None:
        for who in contenders or tuple(refs()):
            if who in missing:
                table.add(who, None, missing[who])
                continue
            result = measure(item, who, n, endpoint)
            if isinstance(result, str):
                table.add(who, None, result)
            else:
                table.add(who, result[key], note(who, result) if note else "")
        table.print()

    def drops(who: str, r: dict[str, Any]) -> str:
        if "dropped" in r:
            return f"exported {r.get('exported')}, dropped {r['dropped']}"
        if who == "honeycomb":
            return "caller cost only: its provider has no force_flush"
        return ""

    n_span = 5_000 if short else 200_000
    with null_sink() as sink:
        per_contender(
            Table(
                "1. start_span + 5 attributes + end through the OTel API, batched to a null "
                f"sink, flush included ({n_span:,} spans, best of 3)",
                "us/span",
                "<= 0.8 us, >= 20x opentelemetry-sdk",
            ),
            "span",
            n_span,
            "us_per_span",
            sink,
            drops,
        )
        n_nested = 2_000 if short else 50_000
        per_contender(
            Table(
                "2. `with start_as_current_span` nested 3 deep, get_current_span() in each "
                f"({n_nested:,} x 3 spans)",
                "us/span",
                ">= 10x opentelemetry-sdk",
            ),
            "nested",
            n_nested,
            "us_per_span",
            sink,
            lambda who, r: "current span visible" if r["visible"] else "NOT the current span",
        )
        n_mem = 20_000 if short else 200_000
        per_contender(
            Table(
                f"5. memory per buffered span, 5 attributes (RSS delta over {n_mem:,} queued)",
                "bytes/span",
                "<= 256 B",
            ),
            "memory",
            n_mem,
            "bytes_per_span",
            sink,
        )

    n_enc = 5_120 if short else 102_400
    table = Table(
        f"3. OTLP protobuf encoding, batches of 512, one core ({n_enc:,} spans)",
        "ns/span",
        ">= 5 M spans/s = <= 200 ns; >= 50x Python encoder",
    )
    per_contender(
        table,
        "encode",
        n_enc,
        "ns_per_span",
        note=lambda who, r: (
            f"{1e9 / r['ns_per_span'] / 1e6:.2f} M spans/s, {r['bytes_per_span']:.0f} B/span"
            + (
                ""
                if "identical" not in r
                else ", byte-identical to libprotobuf (upb) re-serialisation"
                if r["identical"]
                else ", NOT byte-identical to libprotobuf"
            )
        ),
        contenders=("ours", "sdk"),
    )
    print(
        "| opentelemetry-cpp    | " + f"{NOT_AVAILABLE:>14} |            | not measured: "
        "not on Debian 12 or PyPI as a library (honeycomb-pycpp embeds it without "
        "exposing its encoder); perf.md measured PopulateRequest + SerializeToString at "
        "954 ns/span on this machine kind"
    )

    cpp_bench(short)

    with collector() as col:
        endpoint = col.otlp_traces_url
        n_e2e = 20_000 if short else 1_000_000
        table = Table(
            f"4. end to end: {n_e2e:,} spans from 4 Python threads through OTLP/HTTP "
            "to the real Collector, default limits",
            "spans/s",
            "nothing dropped",
            lower_is_better=False,
        )
        for who in refs():
            if who in missing:
                table.add(who, None, missing[who])
                continue
            before = received_spans(col)
            result = measure("e2e", who, n_e2e, endpoint)
            if isinstance(result, str):
                table.add(who, None, result)
                continue
            got = wait_received(col, before, result["spans"])
            ours_stats = ""
            if "dropped" in result:
                ours_stats = (
                    f"; own count: exported {result['exported']}, spooled"
                    f" {result['spooled']}, dropped {result['dropped']}"
                )
            if result.get("spooled"):
                # Spooled is kept, not delivered: deliver it the way a user would, and count
                # what the Collector has then.
                live, took, code = got, *replay_spool()
                got = wait_received(col, before, result["spans"])
                ours_stats += (
                    f"; received {live:,} live, then `chaos trace replay` sent the spooled"
                    f" ones in {took:.1f} s (exit {code})"
                )
            table.add(
                who,
                result["spans_per_s"],
                f"peak RSS {result['peak_rss_mb']:.0f} MB, Collector received "
                f"{got:,}/{result['spans']:,} (lost {result['spans'] - got:,}"
                f"{ours_stats})",
            )
        table.print()

        n_exit = 2_000
        table = Table(
            "7a. `import` + configuration (fresh process; for ours, chaoslib already loaded "
            "as in `chaos run`)",
            "ms",
            "<= 20 ms",
        )
        table_exit = Table(
            f"7b. flush at exit of {n_exit:,} spans to the live Collector", "ms", "<= 100 ms"
        )
        for who in refs():
            if who in missing:
                table.add(who, None, missing[who])
                table_exit.add(who, None, missing[who])
                continue
            results = [measure("startup", who, n_exit, endpoint) for _ in range(3)]
            good = [r for r in results if not isinstance(r, str)]
            if not good:
                table.add(who, None, str(results[0]))
                table_exit.add(who, None, str(results[0]))
                continue
            note = "best of 3"
            if who == "ours":
                api_ms = min(r["api_ms"] for r in good)
                note += f"; +{api_ms:.1f} ms once an extension imports the OpenTelemetry API"
            table.add(who, min(r["import_configure_ms"] for r in good), note)
            table_exit.add(who, min(r["exit_flush_ms"] for r in good), "best of 3")
        table.print()
        table_exit.print()

    experiment_overhead(short)


def cpp_bench(short: bool) -> None:
    """6: the C++ Google Benchmark, built in Release into build/bench."""
    build = ROOT / "build" / "bench"
    binary = build / "cpp" / "bench" / "chaostracing_bench"
    table = Table(
        "6. C++ alone (Google Benchmark): span start + 5 attributes + end into the batch queue",
        "ns/span",
        "<= 150 ns, no allocation per span",
    )
    configure = [
        "cmake",
        "-S",
        str(ROOT),
        "-B",
        str(build),
        "-G",
        "Ninja",
        "-DCMAKE_BUILD_TYPE=Release",
        "-DCHAOSTRACING_BUILD_BENCH=ON",
    ]
    for cmd in (configure, ["cmake", "--build", str(build), "--target", "chaostracing_bench"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [
                line for line in (proc.stdout + proc.stderr).splitlines() if "error" in line.lower()
            ]
            table.add("ours", None, "build failed: " + (errors or ["?"])[0][:200])
            table.print()
            return
    min_time = "0.05" if short else "1"
    proc = subprocess.run(
        [str(binary), "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        table.add("ours", None, "run failed: " + proc.stderr.strip()[-200:])
        table.print()
        return
    for b in json.loads(proc.stdout)["benchmarks"]:
        ns = b["real_time"] if b["time_unit"] == "ns" else b["real_time"] * 1e3
        items = b.get("items_per_second")
        per_item = 1e9 / items if items else ns
        note = ", ".join(f"{k} {b[k]:g}" for k in ("allocs_per_span", "dropped") if k in b)
        table.add(b["name"], per_item, note)
    table.rows.insert(
        0,
        (
            "ours",
            None,
            "ns per span (per item for batches); "
            "opentelemetry-cpp: no library to link here, "
            "perf.md: 226 ns bare span, 700-975 ns with 5 attrs",
            True,
        ),
    )
    table.print()


def _script_json(script: str, *args: str) -> tuple[dict[str, Any], str]:
    """The JSON object a bench/ script prints, or ({}, why it failed)."""
    done = subprocess.run(
        [str(OURS_PY), str(BENCH / script), *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        return {}, "failed: " + done.stderr.strip()[-200:]
    return json.loads(done.stdout), ""


def experiment_overhead(short: bool) -> None:
    """8: what the control adds to an experiment of N Python probes."""
    n = 20 if short else 200
    cost, failure = _script_json("experiment_cost.py", "--activities", str(n))
    hooks = Table(
        f"8a. experiment of {n} activities in one process: time in the control's activity "
        "hooks (trace file, the embedded default)",
        "us/activity",
        "<= 50 us",
    )
    if failure:
        hooks.add("ours", None, failure)
    else:
        runs = cost["run_ms"]
        hooks.add(
            "ours",
            cost["hooks_us_per_activity"],
            f"once per run: configure {cost['configure_ms']:.1f} ms, cleanup (flush, report) "
            f"{cost['cleanup_ms']:.1f} ms; run_experiment without a control "
            f"{runs['none']:.1f} ms, with a no-op control {runs['noop']:.1f} ms "
            f"(chaoslib's own {(runs['noop'] - runs['none']) / n * 1e3:.0f} us/activity), "
            f"with ours {runs['ours']:.1f} ms",
        )
    hooks.print()
    chaos = OURS_PY.parent / "chaos"
    table = Table(
        f"8b. `chaos run` of {n} activities: wall time added per activity by declaring the "
        "control (trace file, the embedded default)",
        "us/activity",
        "<= 50 us",
    )

    def experiment(size: int) -> dict[str, Any]:
        method = [
            {
                "type": "probe",
                "name": f"probe-{i}",
                "provider": {"type": "python", "module": "os", "func": "getpid"},
            }
            for i in range(size)
        ]
        return {"title": "bench", "description": "bench", "method": method}

    modules = {
        "none": "",
        "noop": "noop_control",
        "ours": "chaostracing.control",
        # The same trace from run events, with chaoslib's per-level control calls skipped.
        "oltp": "chaostracing.oltp",
    }
    walls: dict[str, list[float]] = {kind: [] for kind in modules}
    # A `chaos run` takes ~0.3 s here and varies by tens of ms from run to run, the size of
    # what is measured: rounds of one run each, interleaved, and the median of the
    # differences within a round. The no-op control (bench/noop_control.py) is what chaoslib
    # itself spends on any control: two DEBUG lines written and flushed to the log file per
    # hook call, the declaration deep-copied, the hook's signature inspected.
    rounds = 3 if short else 9
    env = {**os.environ, "PYTHONPATH": str(BENCH)}  # the same for every kind: noop_control
    # Instructions of a run of n activities, and of 2n: per activity and per run (below).
    instructions: dict[str, int] = {}
    doubled: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="chaostracing-bench-") as tmp:

        def chaos_run(
            kind: str, prefix: list[str], size: int = n
        ) -> subprocess.CompletedProcess[str]:
            exp = experiment(size)
            if modules[kind]:
                control = {
                    "name": "tracing",
                    "provider": {"type": "python", "module": modules[kind]},
                }
                if kind == "oltp":
                    control["automatic"] = False
                exp["controls"] = [control]
            path = Path(tmp) / "experiment.json"
            path.write_text(json.dumps(exp))
            command = [str(chaos), "--no-version-check", "--log-file", f"{tmp}/chaos.log", "run"]
            command += ["--journal-path", f"{tmp}/journal.json", "--no-verify-tls", str(path)]
            # Counted runs hash strings with one seed: with a random one, dicts and sets lay
            # out differently in each run and the same run's count varies by ~10 M; with one
            # seed two runs agree within 0.01 %.
            counted_env = {**env, "PYTHONHASHSEED": "0"} if prefix else env
            return subprocess.run(
                prefix + command, capture_output=True, text=True, cwd=tmp, env=counted_env
            )

        for _ in range(rounds):
            for kind in modules:
                start = time.perf_counter()
                proc = chaos_run(kind, [])
                wall = time.perf_counter() - start
                if proc.returncode != 0:
                    table.add("ours", None, f"chaos run failed: {proc.stderr.strip()[-200:]}")
                    table.print()
                    return
                walls[kind].append(wall)
        # Instructions, unlike seconds, repeat from run to run here (callgrind counts them,
        # every thread's): what the rounds above can only estimate within tens of ms.
        for kind in modules if not short and shutil.which("valgrind") else ():
            for size, counts in ((n, instructions), (2 * n, doubled)):
                out = Path(tmp) / f"callgrind.{kind}.{size}"
                prefix = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
                if chaos_run(kind, prefix, size).returncode == 0 and out.exists():
                    found = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
                    if found:
                        counts[kind] = int(found.group(1))

    def per_activity(more: str, less: str) -> tuple[float, list[float]]:
        differences = sorted(m - s for m, s in zip(walls[more], walls[less], strict=True))
        return differences[len(differences) // 2] / n * 1e6, differences

    def counted(more: str, less: str) -> str:
        if more not in instructions or less not in instructions:
            return "instructions: callgrind in full mode only" if short else "no callgrind"
        # Instructions, not time: they repeat to 0.01 % and catch regressions, but our code
        # takes more time per instruction than chaoslib's average (by parts, below).
        added = (instructions[more] - instructions[less]) / n
        text = f"callgrind: {added / 1e3:,.0f} k instructions/activity"
        if more in doubled and less in doubled:
            # Runs of n and 2n activities split what is added into a cost per activity (the
            # slope) and a cost per run (import, configuration, report, exit flush).
            each = ((doubled[more] - doubled[less]) - (instructions[more] - instructions[less])) / n
            once = (instructions[more] - instructions[less]) - each * n
            text += f" = {each / 1e3:,.0f} k per activity + {once / 1e6:,.1f} M per run"
        return text

    added, differences = per_activity("ours", "none")
    table.add(
        "ours",
        added,
        f"median of {rounds} interleaved rounds (without a control: best "
        f"{min(walls['none']):.3f} s; rounds differ by {differences[0] * 1e3:.0f} to "
        f"{differences[-1] * 1e3:.0f} ms); {counted('ours', 'none')}; includes the "
        "once-per-run import, configuration, report and exit flush",
    )
    parts = (
        ("no-op control", "noop", "none", "chaoslib's own cost of calling any control"),
        ("ours beyond no-op", "ours", "noop", "what the control adds on top of chaoslib's"),
        (
            "oltp, not automatic",
            "oltp",
            "none",
            'chaostracing.oltp declared "automatic": false (README): the same trace from run '
            "events, without chaoslib's per-activity control calls",
        ),
    )
    for who, more, less, what in parts:
        table.add(
            who,
            per_activity(more, less)[0],
            f"{what}, same rounds; {counted(more, less)}",
            ratio=False,
        )
    # Whole runs differ by tens of ms here: the same added time measured where it is spent.
    rounds_of_parts = "3" if short else "9"
    parts_of, failure = _script_json(
        "experiment_parts.py", "--activities", str(n), "--rounds", rounds_of_parts
    )
    if failure:
        table.add("oltp, by parts", None, failure)
    else:
        once = parts_of["per_run_ms"]
        table.add(
            "oltp, by parts",
            parts_of["total_us_per_activity"],
            f"the same declaration, wall time where it is spent (bench/experiment_parts.py): "
            f"per run import {once.get('import', 0):.2f} ms + configure "
            f"{once.get('configure', 0):.2f} ms + end {once.get('finish', 0):.2f} ms + at exit "
            f"(the wait for the last spans and the report, written meanwhile) "
            f"{once.get('exit', 0):.2f} ms in a fresh `chaos run`; per activity "
            f"{parts_of['per_activity_us']:.1f} us (in-process slope, {n} vs {2 * n}; noisy "
            f"here), of which {parts_of['handlers_us']:.1f} us inside the control's "
            f"handlers (with only those: {parts_of['total_with_handlers_only_us']:.1f} us)",
            ratio=False,
        )
    table.print()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--short", action="store_true", help="seconds, not minutes (CI)")
    args = parser.parse_args()
    missing = install_references()
    print(f"# chaostracing benchmarks{' (short mode)' if args.short else ''}")
    print(f"machine: {machine()}")
    print("versions: " + ", ".join(f"{LABEL[w]} {v}" for w, v in versions().items()))
    print("'ours is': how many times faster (smaller) than that contender, same run")
    # Spans that ours spools (item 4 overflows the queue) go to a spool of this run's own, which
    # leaves with it, never into the user's (~/.cache/chaostracing/spool): a later `chaos run`
    # would replay them to a Collector long gone, and a full spool drops spans.
    with tempfile.TemporaryDirectory(prefix="chaostracing-bench-spool-") as spool:
        os.environ["CHAOSTRACING_SPOOL_DIR"] = spool
        run_tables(args.short, missing)


if __name__ == "__main__":
    main()
