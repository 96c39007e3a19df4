"""Item 8b by parts, in wall time: what declaring ``chaostracing.oltp`` (``"automatic":
false``, the README's recommendation) adds to a ``chaos run`` of N Python probes, measured
where it is spent rather than as the difference of two whole runs, which differ here by
tens of milliseconds from one run to the next.

* Once per run, in a fresh interpreter as ``chaos run`` has it: importing the control (and
  the native core), configuring it, and its end — timed around ``runtime.configure()`` and
  ``runtime.finish()`` of a real ``chaos run``, and around what is left of the end at exit
  (the wait for the core's thread, which delivers the last spans and writes the report
  while chaostoolkit writes its journal, and saying how it went).
* Per activity: chaoslib's ``run_experiment`` of N and of 2N probes in one process, with
  and without the control, interleaved; the slope of the difference.

Prints one JSON object (medians, milliseconds and microseconds).

    python bench/experiment_parts.py --activities 200 --rounds 9
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CONTROL = "chaostracing.oltp"


def experiment(n: int, traced: bool) -> dict[str, Any]:
    # Imported here, not at the top: the --once child times importing chaostracing itself.
    from experiment_cost import experiment as probes

    return probes(n, CONTROL if traced else None, automatic=False)


def once(path: str) -> None:
    """In a fresh interpreter: a real `chaos run` of ``path``, its once-per-run parts timed."""
    import chaostoolkit.cli  # what `chaos` has loaded before it loads the control

    start = time.perf_counter()
    from chaostracing import oltp, runtime

    spent = {"import": time.perf_counter() - start}
    from experiment_cost import timed  # after the timed import: it imports chaostracing

    # All of what chaoslib calls to configure it: the settings resolved, then the run's start.
    oltp.configure_control = timed(spent, "configure", oltp.configure_control)  # type: ignore[method-assign]
    runtime.finish = timed(spent, "finish", runtime.finish)  # type: ignore[method-assign]
    folder = Path(path).parent
    sys.argv = ["chaos", "--no-version-check", "--log-file", str(folder / "chaos.log"), "run"]
    sys.argv += ["--journal-path", str(folder / "journal.json"), "--no-verify-tls", path]
    with contextlib.suppress(SystemExit):  # the CLI exits with the run's status
        chaostoolkit.cli.cli()
    # What the interpreter's exit would run next (then with nothing left to do), timed.
    timed(spent, "exit", runtime._at_exit)()
    print(json.dumps({k: v * 1e3 for k, v in spent.items()}), file=sys.__stderr__)


def per_run(n: int, rounds: int, folder: Path) -> dict[str, float]:
    path = folder / "experiment.json"
    path.write_text(json.dumps(experiment(n, traced=True)))
    parts: dict[str, list[float]] = {}
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    for _ in range(rounds):
        done = subprocess.run(
            [sys.executable, __file__, "--once", str(path)],
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            check=True,
        )
        for name, value in json.loads(done.stderr.strip().splitlines()[-1]).items():
            parts.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in parts.items()}


def per_activity(n: int, rounds: int) -> tuple[float, float]:
    """The slope of what tracing adds (µs per activity), and the time spent inside the
    control's activity handlers alone (µs per activity): what whole runs add, noisy here by
    several µs, and the part of it that is ours without doubt. The handlers are timed in
    runs of their own: timing them adds two Python frames and four clock reads to each
    activity, which the slope would count as ours."""
    from chaoslib.experiment import run_experiment
    from experiment_cost import timed

    from chaostracing import oltp, runtime

    logging.disable(logging.CRITICAL)

    def run(size: int, traced: bool) -> float:
        exp = copy.deepcopy(experiment(size, traced))
        start = time.perf_counter()
        run_experiment(exp, settings={}, experiment_vars=({}, {}))
        return time.perf_counter() - start

    times: dict[tuple[int, bool], list[float]] = {}
    for _ in range(rounds):
        for size in (n, 2 * n):
            for traced in (False, True):
                times.setdefault((size, traced), []).append(run(size, traced))
    median = {key: statistics.median(values) for key, values in times.items()}
    added_n = median[(n, True)] - median[(n, False)]
    added_2n = median[(2 * n, True)] - median[(2 * n, False)]

    inside: dict[str, float] = {}  # seconds in the activity handlers
    registered = oltp._RunEvents.__init__

    def timed_handlers(self: Any, tracer: Any) -> None:
        # An activity's events are bound to the native lifecycle per handler: time those.
        registered(self, tracer)
        for name in ("start_activity", "activity_completed"):
            setattr(self, name, timed(inside, "handlers", getattr(self, name)))

    oltp._RunEvents.__init__ = timed_handlers  # type: ignore[method-assign]
    try:
        handler_rounds = max(1, rounds // 4)
        for _ in range(handler_rounds):
            run(2 * n, True)
    finally:
        oltp._RunEvents.__init__ = registered  # type: ignore[method-assign]
    runtime.wait_for_end()  # the last run's report, before its folder goes
    handlers_us = inside["handlers"] / (handler_rounds * 2 * n) * 1e6
    return (added_2n - added_n) / n * 1e6, handlers_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--once", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        once(args.once)
        return
    with tempfile.TemporaryDirectory(prefix="chaostracing-bench-") as tmp:
        os.chdir(tmp)  # the in-process runs write their trace file and report here
        run_ms = per_run(args.activities, args.rounds, Path(tmp))
        activity_us, handlers_us = per_activity(args.activities, args.rounds * 4)
    once_us = sum(run_ms.values()) * 1e3 / args.activities
    print(
        json.dumps(
            {
                "activities": args.activities,
                "per_run_ms": run_ms,
                "per_activity_us": activity_us,
                "handlers_us": handlers_us,
                "total_us_per_activity": once_us + activity_us,
                "total_with_handlers_only_us": once_us + handlers_us,
            }
        )
    )


if __name__ == "__main__":
    main()
