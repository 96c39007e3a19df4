"""The report without a browser: reading trace files, the waterfall's rows and
lanes, the summary, the escaping of the embedded data, the text tree."""

from __future__ import annotations

import gc
import json
import random
import re
import stat
import struct

import pytest

from chaostracing.report import render_report, trace_link, write_report
from chaostracing.report.model import layout, payload, report_data, summarize
from chaostracing.report.text import format_duration, render_tree
from chaostracing.trace_file import Event, Span, TraceFileError, parse_lines, read_trace_file

TRACE = "0af7651916cd43dd8448eb211c80319c"


def span(name, span_id, parent="", start=0, end=10, scope="chaostracing", status=0, **attrs):
    return Span(
        trace_id=TRACE,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_ns=1_000_000_000 + start,
        end_ns=1_000_000_000 + end,
        attributes=attrs,
        status_code=status,
        scope_name=scope,
    )


def ids(n: int) -> str:
    return f"{n:016x}"


def run_spans() -> list[Span]:
    """A small run: method with a foreground, a background and an instrumented activity."""
    bg = {"chaostoolkit.activity.background": True, "chaostoolkit.activity.name": "bg"}
    fg = {"chaostoolkit.activity.background": False, "chaostoolkit.activity.name": "fg"}
    return [
        span("experiment", ids(1), start=0, end=100, **{"chaostoolkit.experiment.title": "T"}),
        span("method", ids(2), ids(1), 10, 90),
        # The background activity starts first but sits on its own lane, below.
        span("activity: bg", ids(3), ids(2), 11, 80, **bg),
        span("activity: fg", ids(4), ids(2), 12, 20, **fg),
        span("HTTP GET", ids(5), ids(3), 13, 14, scope="opentelemetry.instrumentation.requests"),
        span("pause", ids(6), ids(4), 18, 20, **{"chaostoolkit.pause.when": "after"}),
        span(
            "hypothesis",
            ids(7),
            ids(1),
            0,
            9,
            **{"chaostoolkit.hypothesis.phase": "before", "chaostoolkit.hypothesis.met": True},
        ),
    ]


# -- trace files ---------------------------------------------------------------
def otlp_line(spans: list[dict]) -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]
                    },
                    "scopeSpans": [{"scope": {"name": "chaostracing"}, "spans": spans}],
                }
            ]
        }
    )


def raw_span(**overrides):
    raw = {
        "traceId": TRACE.upper(),  # hex is read case-insensitively
        "spanId": "b7ad6b7169203331",
        "name": "activity: x",
        "kind": 1,
        "startTimeUnixNano": "1795673826400628831",
        "endTimeUnixNano": "1795673826413339904",
        "attributes": [
            {"key": "s", "value": {"stringValue": "v"}},
            {"key": "i", "value": {"intValue": "9007199254740993"}},
            {"key": "d", "value": {"doubleValue": 1.5}},
            {"key": "b", "value": {"boolValue": True}},
            {"key": "a", "value": {"arrayValue": {"values": [{"stringValue": "x"}]}}},
        ],
        "events": [
            {
                "timeUnixNano": "1795673826413000000",
                "name": "exception",
                "attributes": [{"key": "exception.type", "value": {"stringValue": "E"}}],
            }
        ],
        "status": {"code": 2, "message": "boom"},
    }
    raw.update(overrides)
    return raw


def test_otlp_json_is_read_with_hex_ids_and_string_integers(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(otlp_line([raw_span()]) + "\n\n")
    [read] = read_trace_file(path)
    assert read.trace_id == TRACE and read.span_id == "b7ad6b7169203331"
    assert read.parent_span_id == ""
    assert read.start_ns == 1795673826400628831
    assert read.attributes == {"s": "v", "i": 9007199254740993, "d": 1.5, "b": True, "a": ["x"]}
    assert read.events == (Event("exception", 1795673826413000000, {"exception.type": "E"}),)
    assert (read.status_code, read.status_message) == (2, "boom")
    assert read.resource == {"service.name": "s"} and read.scope_name == "chaostracing"


def test_enum_names_and_base64_ids_are_accepted():
    [read] = parse_lines(
        [
            otlp_line(
                [
                    raw_span(
                        traceId="CvdlGRbNQ92ESOshHIAxnA==",
                        status={"code": "STATUS_CODE_ERROR"},
                        kind="SPAN_KIND_CLIENT",
                    )
                ]
            )
        ],
        "x",
    )
    assert read.trace_id == TRACE and read.status_code == 2 and read.kind == 3


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("{not json", "t.jsonl:2: not JSON"),
        ('{"journal": 1}', "t.jsonl:2: not an OTLP ExportTraceServiceRequest"),
        (otlp_line([raw_span(spanId="zz")]), "spanId"),
        (otlp_line([raw_span(startTimeUnixNano="soon")]), "startTimeUnixNano"),
        (otlp_line([raw_span(endTimeUnixNano=str(2**64 - 1))]), "endTimeUnixNano"),
    ],
    ids=["json", "shape", "id", "time", "time-range"],
)
def test_bad_lines_are_reported_with_their_line(tmp_path, line, complaint):
    path = tmp_path / "t.jsonl"
    path.write_text(otlp_line([raw_span()]) + "\n" + line + "\n")
    with pytest.raises(TraceFileError, match=re.escape(complaint)):
        read_trace_file(path)


def test_binary_file_is_a_trace_file_error(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TraceFileError, match="not a text file"):
        read_trace_file(path)


# -- layout ----------------------------------------------------------------------
def test_rows_are_depth_first_with_the_background_lane_after_the_foreground():
    rows = layout(run_spans())
    assert [(r.depth, r.span.name, r.lane, r.kind) for r in rows] == [
        (0, "experiment", "main", "experiment"),
        (1, "hypothesis", "main", "phase"),
        (1, "method", "main", "phase"),
        (2, "activity: fg", "main", "activity"),
        (3, "pause", "main", "pause"),
        (2, "activity: bg", "background", "activity"),
        # Another extension's span, nested under the activity that made it,
        # stays on its activity's lane.
        (3, "HTTP GET", "background", "foreign"),
    ]


def test_a_span_whose_parent_is_missing_is_a_marked_root():
    spans = [*run_spans(), span("activity: lost", ids(9), ids(99), 50, 60)]
    [orphan] = [r for r in layout(spans) if r.span.name == "activity: lost"]
    assert orphan.depth == 0 and orphan.orphan


def test_deep_chains_do_not_recurse():
    chain = [span("s", ids(i + 1), ids(i) if i else "", i, 20_000) for i in range(5000)]
    assert layout(chain)[-1].depth == 4999
    assert len(render_tree(chain).splitlines()) == 5000 + 4


@pytest.mark.parametrize(
    ("phase", "deviated", "text"),
    [
        ("after", True, "Deviated: the steady-state hypothesis was not met after the method."),
        ("before", False, "not met before the method: the method did not run"),
        ("continuous", False, "not met during the method (1 iteration)"),
    ],
)
def test_summary_says_how_the_steady_state_was_missed(phase, deviated, text):
    spans = [
        span(
            "experiment",
            ids(1),
            **{
                "chaostoolkit.experiment.deviated": deviated,
                "chaostoolkit.experiment.status": "completed",
            },
        ),
        span(
            "hypothesis",
            ids(2),
            ids(1),
            status=2,
            **{"chaostoolkit.hypothesis.phase": phase, "chaostoolkit.hypothesis.met": False},
        ),
    ]
    summary = summarize(spans)
    assert text in summary.deviation
    assert summary.deviated is deviated and summary.status == "completed"
    assert [s.span_id for s in summary.errors] == [ids(2)]


def test_summary_of_a_run_that_held():
    summary = summarize(run_spans())
    assert summary.title == "T" and summary.deviation == "" and summary.trace_ids == (TRACE,)
    assert (summary.start_ns, summary.end_ns) == (1_000_000_000, 1_000_000_100)


def test_payload_times_are_offsets_and_values_are_text():
    spans = [*run_spans(), span("big", ids(8), ids(1), 1, 2, n=2**60, flag=False)]
    data = payload(spans)
    row = next(r for r in data["rows"] if r["name"] == "big")
    assert (row["start"], row["duration"]) == (1, 1)
    # 64-bit integers arrive as text: JavaScript numbers would round them.
    assert dict(row["attributes"]) == {"n": str(2**60), "flag": "false"}


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        0,
        -7,
        2**70,
        1.5,
        -0.0,
        1e300,
        1e-7,
        0.1 + 0.2,
        float("nan"),
        float("inf"),
        -float("inf"),
        ["x", 1, True],
        {"k": [1.5]},
    ],
)
def test_values_other_than_text_are_shown_as_json_writes_them(value):
    data = payload([span("v", ids(1), value=value)])
    assert dict(data["rows"][0]["attributes"]) == {
        "value": json.dumps(value, ensure_ascii=False, default=str)
    }


def test_floats_are_shown_as_python_writes_them():
    # The core writes floats itself (a run's spans never become Python objects): the same
    # text as repr(), for random magnitudes and for random bit patterns (NaNs, subnormals).
    rng = random.Random(7)
    values = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-320, 308) for _ in range(1000)]
    values += [
        struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(1000)
    ]
    values += [float(2**53), 1e16, 1e-5, 1e-4, 123456789012345680.0, 5e-324]
    data = payload([span("v", ids(1), **{f"v{i}": v for i, v in enumerate(values)})])
    shown = [text for _, text in data["rows"][0]["attributes"]]
    assert shown == [json.dumps(v) for v in values]


# -- HTML ------------------------------------------------------------------------
HOSTILE = "</script><script>alert(1)</script><!-- & \u2028\u2029 ]]>"


def test_embedded_json_cannot_close_its_script_element():
    hostile = span(HOSTILE, ids(1), **{HOSTILE: HOSTILE, "list": [HOSTILE]})
    text = report_data([hostile]).json(HOSTILE)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    data = json.loads(text)
    [row] = data["rows"]
    assert data["summary"]["link"] == row["name"] == HOSTILE
    assert dict(row["attributes"]) == {
        HOSTILE: HOSTILE,
        "list": json.dumps([HOSTILE], ensure_ascii=False),
    }


def test_report_holds_the_data_once_and_only_its_own_script_runs():
    spans = [span("experiment", ids(1), **{"chaostoolkit.experiment.title": HOSTILE})]
    document = render_report(spans)
    assert HOSTILE not in document
    assert document.count("<script") == 2  # the data block and the page's script
    [data] = re.findall(r'<script type="application/json" id="trace-data">(.*?)</script>', document)
    assert json.loads(data)["summary"]["title"] == HOSTILE
    # The <title> is the one place markup is written: escaped.
    assert "<title>&lt;/script&gt;" in document
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', document)
    assert policy and "default-src 'none'" in policy.group(1)
    assert "'unsafe-inline'" not in policy.group(1)


def test_the_page_script_never_writes_markup():
    [script] = re.findall(r"<script>(.*?)</script>", render_report([]), re.DOTALL)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


@pytest.mark.parametrize(
    "template",
    ["javascript:alert(1)//{trace_id}", "data:text/html,{trace_id}", "http://jaeger/no-id"],
)
def test_link_template_must_be_a_web_link_with_the_trace_id(template):
    with pytest.raises(ValueError, match="http"):
        trace_link(template, TRACE)


def test_link_template_gives_the_backend_link():
    assert trace_link("http://jaeger:16686/trace/{trace_id}", TRACE) == (
        f"http://jaeger:16686/trace/{TRACE}"
    )
    assert trace_link(None, TRACE) == ""


def test_write_report_replaces_the_file_and_reads_the_link_from_the_environment(
    tmp_path, monkeypatch
):
    trace_file = tmp_path / "journal.trace.jsonl"
    trace_file.write_text(otlp_line([raw_span()]) + "\n")
    out = tmp_path / "journal.report.html"
    out.write_text("old")
    monkeypatch.setenv("CHAOSTRACING_TRACE_URL", "https://tempo/trace/{trace_id}")
    assert write_report(trace_file, out) == 1
    document = out.read_text()
    assert f"https://tempo/trace/{TRACE}" in document
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    # No temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "journal.report.html",
        "journal.trace.jsonl",
    ]
    assert write_report(trace_file, out, link_template="") == 1
    assert "https://tempo" not in out.read_text()


@pytest.mark.parametrize("enabled", [True, False])
def test_writing_a_report_leaves_garbage_collection_as_it_was(tmp_path, enabled):
    # Collections are paused while the report is built; the run's own setting comes back,
    # also when the trace file is bad.
    trace_file = tmp_path / "journal.trace.jsonl"
    trace_file.write_text(otlp_line([raw_span()]) + "\n")
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert write_report(trace_file, tmp_path / "r.html", link_template="") == 1
        assert gc.isenabled() is enabled
        trace_file.write_text("not json\n")
        with pytest.raises(TraceFileError):
            write_report(trace_file, tmp_path / "r.html", link_template="")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_empty_trace_still_renders():
    document = render_report([])
    assert '"rows":[]' in document


# -- text ------------------------------------------------------------------------
def test_durations_read_naturally():
    assert [format_duration(n) for n in (0, 999, 1_500, 12_700_000, 1_500_000_000)] == [
        "0",
        "999 ns",
        "1.50 µs",
        "12.7 ms",
        "1.50 s",
    ]
    assert format_duration(125 * 10**9) == "2 min 5.0 s"


def test_text_tree_draws_branches_lanes_and_errors():
    spans = run_spans()
    spans[3] = span("activity: fg", ids(4), ids(2), 12, 20, status=2)
    text = render_tree(spans)
    lines = text.splitlines()
    assert lines[0] == "T"
    body = [re.match(r"(.*?)\s+\+", line).group(1) for line in lines[4:]]
    assert body == [
        "experiment",
        "├── hypothesis [before, met]",
        "└── method",
        "    ├── ✕ activity: fg",
        "    │   └── pause [after]",
        "    └── activity: bg [background]",
        "        └── HTTP GET [opentelemetry.instrumentation.requests]",
    ]
    assert lines[7].rstrip().endswith("ERROR")


@pytest.mark.parametrize("title", [HOSTILE, "a & b", "\"quoted\" 'single'", "plain é 中", ""])
def test_the_title_is_escaped_as_the_standard_library_would(title):
    import html

    document = render_report(
        [span("experiment", ids(1), **{"chaostoolkit.experiment.title": title})]
    )
    assert f"<title>{html.escape(title or 'experiment')} — chaostracing report</title>" in document
