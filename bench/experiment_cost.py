"""Item 8, measured inside one process: chaoslib's ``run_experiment`` of N
Python probes with no control, with a no-op control (bench/noop_control.py:
chaoslib's own cost of any control) and with ``chaostracing.control``, whose
hooks are timed one by one. Best of ``--repeat`` runs each. Prints one JSON
object.

    python bench/experiment_cost.py --activities 200
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # noop_control

from chaoslib.experiment import run_experiment

import chaostracing.control as control
from chaostracing import runtime

HOOKS = [name for name in dir(control) if name.endswith("_control")]


def experiment(n: int, module: str | None, *, automatic: bool = True) -> dict[str, Any]:
    exp: dict[str, Any] = {
        "title": "bench",
        "description": "bench",
        "method": [
            {
                "type": "probe",
                "name": f"probe-{i}",
                "provider": {"type": "python", "module": "os", "func": "getpid"},
            }
            for i in range(n)
        ],
    }
    if module:
        control: dict[str, Any] = {"name": "c", "provider": {"type": "python", "module": module}}
        if not automatic:
            control["automatic"] = False
        exp["controls"] = [control]
    return exp


def timed(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, adding the seconds each call takes to ``spent[name]``."""

    # With the function's signature, from which chaoslib decides what to pass a hook.
    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    return call


def timed_hooks(spent: dict[str, float]) -> None:
    """Wraps the control's hooks (chaoslib looks them up by name at each call)."""
    for name in HOOKS:
        setattr(control, name, timed(spent, name, getattr(control, name)))


def best_run(n: int, module: str | None, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        exp = copy.deepcopy(experiment(n, module))
        start = time.perf_counter()
        run_experiment(exp, settings={}, experiment_vars=({}, {}))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    n = args.activities
    with tempfile.TemporaryDirectory(prefix="chaostracing-bench-") as tmp:
        os.chdir(tmp)  # the embedded default writes its trace file and report here
        none = best_run(n, None, args.repeat)
        noop = best_run(n, "noop_control", args.repeat)
        spent: dict[str, float] = {}
        timed_hooks(spent)
        ours = best_run(n, "chaostracing.control", args.repeat)
        runtime.wait_for_end()  # the last run's report, written by the core's thread, first
    runs = args.repeat
    activity = sum(v for k, v in spent.items() if "activity" in k) / runs
    print(
        json.dumps(
            {
                "activities": n,
                "run_ms": {"none": none * 1e3, "noop": noop * 1e3, "ours": ours * 1e3},
                "hooks_us_per_activity": activity / n * 1e6,
                "configure_ms": spent.get("configure_control", 0.0) / runs * 1e3,
                "cleanup_ms": spent.get("cleanup_control", 0.0) / runs * 1e3,
                "other_hooks_ms": sum(
                    v
                    for k, v in spent.items()
                    if "activity" not in k and k not in ("configure_control", "cleanup_control")
                )
                / runs
                * 1e3,
            }
        )
    )


if __name__ == "__main__":
    main()
