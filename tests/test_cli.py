"""`chaos trace report | show | from-journal` on real runs: through click's
CliRunner, and as a user runs them, through the `chaos` command and its
plugin entry point."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from chaostracing.cli import trace
from support import (
    CHAOS,
    chaos_run,
    load_experiment,
    otlp_receiver,
    parse_otlp_json,
    spans_of,
    tree,
    with_control,
)
from support import (
    FULL_EXPERIMENT_TREE as EXPECTED_TREE,
)

pytestmark = pytest.mark.integration


def read_spans(path):
    # Reference decoding (opentelemetry-proto), one request per "\n" line.
    lines = path.read_text(encoding="utf-8").split("\n")
    return [s for line in lines if line.strip() for s in spans_of(parse_otlp_json(line))]


def invoke(*args):
    return CliRunner().invoke(trace, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def traced(tmp_path_factory, service_url):
    return chaos_run(
        with_control(load_experiment("full.json", service_url=service_url)),
        tmp_path_factory.mktemp("traced"),
    )


@pytest.fixture(scope="module")
def untraced(tmp_path_factory, service_url):
    """A run made without the control: only its journal."""
    run = chaos_run(
        load_experiment("full.json", service_url=service_url), tmp_path_factory.mktemp("plain")
    )
    assert not run.trace_file.exists()
    return run


# -- report -----------------------------------------------------------------------
def test_report_is_written_beside_the_trace_file(traced):
    result = invoke("report", traced.trace_file)
    out = traced.workdir / "journal.report.html"
    assert result.exit_code == 0, result.output
    assert result.output == f"report of 13 spans written to {out}\n"
    trace_id = read_spans(traced.trace_file)[0].trace_id
    assert trace_id in out.read_text()


def test_report_of_a_journal_rebuilds_the_trace_in_memory(untraced, tmp_path):
    out = tmp_path / "r.html"
    result = invoke("report", untraced.workdir / "journal.json", "-o", out)
    assert result.exit_code == 0, result.output
    assert "Payments survive a database failure" in out.read_text()
    assert not untraced.trace_file.exists()


def test_report_link_template_from_option_or_environment(traced, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    trace_id = read_spans(traced.trace_file)[0].trace_id
    monkeypatch.setenv("CHAOSTRACING_TRACE_URL", "https://tempo/t/{trace_id}")
    assert invoke("report", traced.trace_file, "-o", out).exit_code == 0
    assert f"https://tempo/t/{trace_id}" in out.read_text()
    result = invoke(
        "report", traced.trace_file, "-o", out, "--link-template", "http://j/{trace_id}"
    )
    assert result.exit_code == 0
    assert f"http://j/{trace_id}" in out.read_text()


def test_report_usage_and_data_errors(traced, tmp_path):
    bad_link = invoke("report", traced.trace_file, "--link-template", "javascript:x({trace_id})")
    assert bad_link.exit_code == 2
    assert "must be an http:// or https:// URL" in bad_link.output
    missing = invoke("report", tmp_path / "nope.jsonl")
    assert missing.exit_code == 1
    assert f"cannot read {tmp_path / 'nope.jsonl'}: No such file or directory" in missing.output
    unwritable = invoke("report", traced.trace_file, "-o", tmp_path / "no" / "such" / "r.html")
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.output


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("hello\n", "x.jsonl:1: not JSON"),
        ('{"resourceSpans": []}\n', "x.jsonl holds no spans"),
        ('{"a": 1}\n', "not an OTLP ExportTraceServiceRequest"),
        (b"\xff\xfe", "not a text file"),
    ],
    ids=["text", "empty", "other-json", "binary"],
)
def test_not_a_trace_is_a_data_error(tmp_path, content, complaint):
    path = tmp_path / "x.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = invoke("show", path)
    assert result.exit_code == 1
    assert complaint in result.output


# -- show -------------------------------------------------------------------------
def test_show_prints_the_tree_with_durations_and_status(traced):
    result = invoke("show", traced.trace_file)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    spans = read_spans(traced.trace_file)
    assert lines[0] == "Payments survive a database failure"
    assert lines[1].startswith(f"trace {spans[0].trace_id}  completed  13 spans  ")
    assert lines[3].split() == ["span", "start", "duration", "status"]
    rows = lines[4:]
    labels = [re.match(r"(.*?)\s+\+", row).group(1) for row in rows]
    assert [re.sub(r"^[│├└─ ]*(✕ )?", "", label) for label in labels] == [
        "experiment",
        "hypothesis [before, met]",
        "activity: payments-health",
        "activity: python-probe",
        "method",
        "activity: break-the-database",
        "activity: inject-latency",
        # Its own lane: after the method's other activities, though it started first.
        "activity: slow-background-work [background]",
        "hypothesis [after, met]",
        "activity: payments-health",
        "activity: python-probe",
        "rollbacks",
        "activity: remove-latency",
    ]
    assert labels[5] == "│   ├── ✕ activity: break-the-database"
    assert labels[12] == "    └── activity: remove-latency"
    duration = r"\d[\d.]* (ns|µs|ms|s)"
    assert re.search(rf"\+{duration}\s+{duration}\s+ERROR .*refused the connection$", rows[5])
    assert all(re.search(rf"(\+0|\+{duration})\s+{duration}", row) for row in rows)


def test_show_of_a_journal(untraced):
    result = invoke("show", untraced.workdir / "journal.json")
    assert result.exit_code == 0, result.output
    assert "✕ activity: break-the-database" in result.output
    assert len(result.output.splitlines()) == 4 + 13


# -- from-journal -----------------------------------------------------------------
def test_from_journal_writes_the_trace_beside_the_journal(untraced):
    result = invoke("from-journal", untraced.workdir / "journal.json")
    assert result.exit_code == 0, result.output
    spans = read_spans(untraced.trace_file)
    assert tree(spans) == EXPECTED_TREE
    assert result.output == (
        f"trace {spans[0].trace_id} (13 spans) sent to file {untraced.trace_file}\n"
    )
    assert spans[0].resource["chaostracing.source"] == "journal"
    ids = {s.span_id: s for s in spans}
    for span in spans:
        assert span.start <= span.end
        if span.parent_span_id:
            parent = ids[span.parent_span_id]
            assert parent.start <= span.start and span.end <= parent.end, span.name
    # It is there now: a second time needs --force.
    again = invoke("from-journal", untraced.workdir / "journal.json")
    assert again.exit_code == 1 and "--force" in again.output
    assert invoke("from-journal", untraced.workdir / "journal.json", "--force").exit_code == 0


def comparable(span):
    return {
        "name": span.name,
        "status": (span.status_code, span.status_message),
        "events": [(e["name"], e["attributes"]) for e in span.events],
    }


def test_rebuilt_trace_says_what_the_live_trace_says(traced, tmp_path):
    """The journal of a traced run, rebuilt, against the run's own trace."""
    out = tmp_path / "rebuilt.jsonl"
    result = invoke("from-journal", traced.workdir / "journal.json", "-o", out)
    assert result.exit_code == 0, result.output
    live, rebuilt = read_spans(traced.trace_file), read_spans(out)
    assert tree(rebuilt) == tree(live)

    def in_tree_order(spans):
        return sorted(
            spans,
            key=lambda s: (s.name, s.attributes.get("chaostoolkit.hypothesis.phase", ""), s.start),
        )

    for was, now in zip(in_tree_order(live), in_tree_order(rebuilt), strict=True):
        assert comparable(now) == comparable(was)
        # Every attribute the journal gives back has the live value.
        assert {k: was.attributes.get(k) for k in now.attributes} == now.attributes, now.name
        # And the journal misses nothing the live trace says but its run id.
        assert set(was.attributes) - set(now.attributes) <= {"chaostoolkit.run.id"}, now.name


def test_from_journal_sends_to_an_otlp_endpoint(untraced):
    with otlp_receiver() as receiver:
        endpoint = f"http://127.0.0.1:{receiver.port}/v1/traces"
        result = invoke("from-journal", untraced.workdir / "journal.json", "--endpoint", endpoint)
        assert result.exit_code == 0, result.output
        assert f"sent to OTLP/HTTP {endpoint}" in result.output
        assert tree(receiver.spans()) == EXPECTED_TREE


def test_from_journal_errors(untraced, tmp_path):
    journal = untraced.workdir / "journal.json"
    both = invoke("from-journal", journal, "-o", tmp_path / "t.jsonl", "--endpoint", "http://x")
    assert both.exit_code == 2 and "not both" in both.output
    bad = invoke("from-journal", journal, "--endpoint", "ftp://x")
    assert bad.exit_code == 2 and "--endpoint" in bad.output
    down = invoke("from-journal", journal, "--endpoint", "http://127.0.0.1:9/v1/traces")
    assert down.exit_code == 1
    assert "13 of 13 spans could not be delivered" in down.output
    not_journal = tmp_path / "j.json"
    not_journal.write_text(json.dumps({"title": "an experiment, not a journal"}))
    wrong = invoke("from-journal", not_journal)
    assert wrong.exit_code == 1 and "not a chaoslib journal" in wrong.output
    missing = invoke("from-journal", tmp_path / "nope.json")
    assert missing.exit_code == 1 and "cannot read" in missing.output


# -- through `chaos` ----------------------------------------------------------------
def chaos(*args, cwd):
    return subprocess.run(
        [CHAOS, "--no-version-check", "--no-log-file", "trace", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_chaos_finds_the_trace_commands_through_the_entry_point(traced, tmp_path):
    helped = chaos("--help", cwd=tmp_path)
    assert helped.returncode == 0
    for command in ("report", "show", "from-journal"):
        assert command in helped.stdout
        sub = chaos(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0 and "Usage: chaos trace " + command in sub.stdout
    shown = chaos("show", traced.trace_file, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "activity: break-the-database" in shown.stdout
    out = tmp_path / "report.html"
    reported = chaos("report", traced.trace_file, "-o", out, cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_chaos_trace_exit_codes(tmp_path):
    assert chaos("show", tmp_path / "missing.jsonl", cwd=tmp_path).returncode == 1
    assert chaos("show", cwd=tmp_path).returncode == 2
    assert chaos("report", "x", "--no-such-option", cwd=tmp_path).returncode == 2
