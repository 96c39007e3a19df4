"""The end of a traced run: the controls hand the last spans' delivery and the report to the
core's thread, so that chaostoolkit writes its journal meanwhile; what became of them is
said at exit, or by the next run's configuration, whichever comes first — never lost."""

from __future__ import annotations

from chaostracing.trace_file import read_trace_file
from support import python_script

PRELUDE = """
import logging, sys
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
import chaostracing.oltp
from chaostracing import config, runtime

def run(path, title):
    tracer = runtime.configure(config.resolve({"provider": "file", "path": path}, {}))
    tracer.experiment_started({"title": title})
    tracer.experiment_finished({"status": "completed"})
    runtime.finish(background=True)
    print("finish returned", title)
"""


def test_what_became_of_a_run_ended_in_the_background_is_said_at_exit(tmp_path):
    path = tmp_path / "journal.trace.jsonl"
    out = python_script(
        PRELUDE + "run(sys.argv[1], 'T')\nprint('last line of the script')\n", str(path)
    )
    lines = out.splitlines()
    last = lines.index("last line of the script")
    report = tmp_path / "journal.report.html"
    assert any(" (1 spans) sent to " in line for line in lines[last:]), out
    assert lines[-1] == f"chaostracing: report of the run in {report}", out
    assert "<title>T — chaostracing report</title>" in report.read_text()
    assert [s.name for s in read_trace_file(path)] == ["experiment"]


def test_the_next_run_first_says_how_the_previous_one_ended(tmp_path):
    first, second = tmp_path / "first.trace.jsonl", tmp_path / "second.trace.jsonl"
    script = PRELUDE + "run(sys.argv[1], 'one')\nrun(sys.argv[2], 'two')\n"
    lines = python_script(script, str(first), str(second)).splitlines()
    said = [line for line in lines if line.startswith(("finish returned", "chaostracing: report"))]
    assert said == [
        "finish returned one",
        f"chaostracing: report of the run in {tmp_path / 'first.report.html'}",
        "finish returned two",
        f"chaostracing: report of the run in {tmp_path / 'second.report.html'}",
    ]
    assert "<title>one — " in (tmp_path / "first.report.html").read_text()
    assert "<title>two — " in (tmp_path / "second.report.html").read_text()
