"""The HTML report in a real headless Chromium (Debian's, driven by Playwright):
reports of real `chaos run`s, checked against the spans in their trace files.

The spans are decoded with opentelemetry-proto (support.read_trace_file), not
with chaostracing's reader, so the page is checked against the reference.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from pathlib import Path

import pytest

from chaostracing import _core
from chaostracing.report import write_report
from support import (
    ROOT,
    Span,
    chaos_run,
    load_experiment,
    parse_otlp_json,
    spans_of,
    with_control,
)

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
# Stated in the issue: a 10,000-span report is drawn within this, from the
# start of navigation (parsing the page and its data included).
RENDER_BUDGET_MS = 5000
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
PIXEL = 1.0  # layout rounding, in CSS pixels


def read_trace_file(path: Path) -> list[Span]:
    # One request a line; split on "\n" only, as U+2028 may appear raw in
    # JSON strings (str.splitlines() would cut the line there).
    lines = path.read_text(encoding="utf-8").split("\n")
    return [s for line in lines if line.strip() for s in spans_of(parse_otlp_json(line))]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/bootstrap.sh installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            viewport={"width": 1400, "height": 900},
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def open_report(browser):
    pages = []

    def open_(path: Path):
        page = browser.new_page()
        page.set_default_timeout(10_000)
        pages.append(page)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready]", timeout=10_000)
        page.errors = errors
        return page

    yield open_
    for page in pages:
        page.close()


def report_of(trace_file: Path, out: Path | None = None, **kwargs) -> Path:
    out = out or trace_file.with_name("journal.report.html")
    write_report(trace_file, out, **kwargs)
    return out


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, service_url):
    run = chaos_run(
        with_control(load_experiment("full.json", service_url=service_url)),
        tmp_path_factory.mktemp("full"),
    )
    return run, read_trace_file(run.trace_file)


@pytest.fixture(scope="module")
def full_report(full_run):
    run, _ = full_run
    return report_of(run.trace_file, link_template="http://jaeger:16686/trace/{trace_id}")


def bar_geometry(page) -> dict[str, dict[str, float]]:
    """Each bar's box and its track's box, by span id."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.bar')].map(bar => {
            const b = bar.getBoundingClientRect(), t = bar.parentElement.getBoundingClientRect();
            const row = bar.closest('.row');
            return [bar.dataset.spanId, {left: b.left, width: b.width, trackLeft: t.left,
                    trackWidth: t.width, lane: row.dataset.lane, top: row.offsetTop,
                    laneColor: getComputedStyle(bar.parentElement).backgroundColor}];
        }))"""
    )


def test_one_bar_per_span_each_placed_by_its_times(full_run, full_report, open_report):
    _, spans = full_run
    page = open_report(full_report)
    assert page.errors == []
    geometry = bar_geometry(page)
    assert sorted(geometry) == sorted(s.span_id for s in spans)
    t0 = min(s.start for s in spans)
    total = max(s.end for s in spans) - t0
    for span in spans:
        box = geometry[span.span_id]
        left = box["trackLeft"] + (span.start - t0) / total * box["trackWidth"]
        width = max(2.0, (span.end - span.start) / total * box["trackWidth"])  # 2px minimum
        assert box["left"] == pytest.approx(left, abs=PIXEL), span.name
        assert box["width"] == pytest.approx(width, abs=PIXEL), span.name


def test_background_activity_has_its_own_lane(full_run, full_report, open_report):
    _, spans = full_run
    page = open_report(full_report)
    geometry = bar_geometry(page)
    by_name = {s.name: s for s in spans}
    background_span = by_name["activity: slow-background-work"]
    background = geometry[background_span.span_id]
    assert background["lane"] == "background"
    foreground = [
        geometry[s.span_id]
        for s in spans
        if s.parent_span_id == by_name["method"].span_id and s is not background_span
    ]
    assert len(foreground) == 2
    assert {g["lane"] for g in foreground} == {"main"}
    # Drawn differently, and below the method's other activities although it
    # started first.
    assert {g["laneColor"] for g in foreground} != {background["laneColor"]}
    assert background["top"] > max(g["top"] for g in foreground)
    assert page.locator(".row[data-lane=background] .tag.background").count() == 1


def test_header_names_the_run_its_trace_and_backend(full_run, full_report, open_report):
    run, spans = full_run
    page = open_report(full_report)
    trace_id = spans[0].trace_id
    assert page.text_content("#title") == "Payments survive a database failure"
    assert page.text_content("#trace-id") == trace_id
    assert page.text_content("#run-status") == run.journal["status"]
    assert page.text_content("#span-count") == str(len(spans))
    link = page.locator("#backend-link")
    assert link.get_attribute("href") == f"http://jaeger:16686/trace/{trace_id}"
    assert link.get_attribute("rel") == "noopener noreferrer"
    # The failure is listed at the top and leads to its span.
    page.click("#failures .failure")
    assert page.text_content("#details-name") == "activity: break-the-database"


def test_clicking_the_failed_activity_shows_its_exception(full_run, full_report, open_report):
    _, spans = full_run
    [failed] = [s for s in spans if s.name == "activity: break-the-database"]
    page = open_report(full_report)
    page.click(f".row[data-span-id='{failed.span_id}'] .label")
    assert page.text_content("#details-name") == failed.name
    facts = page.text_content("#details-facts")
    assert "error: " + failed.status_message in facts
    attributes = dict(
        page.eval_on_selector_all(
            "#details-attributes tr", "trs => trs.map(tr => [...tr.cells].map(c => c.textContent))"
        )
    )
    assert attributes["chaostoolkit.activity.status"] == "failed"
    assert attributes["error.type"] == failed.attributes["error.type"]
    stack = page.text_content("#details .event.exception pre.stack")
    assert stack == failed.events[0]["attributes"]["exception.stacktrace"]
    assert "Traceback" in stack and "refused the connection" in stack
    assert page.locator(f".row[data-span-id='{failed.span_id}']").get_attribute(
        "class"
    ).split() == ["row", "lane-main", "kind-activity", "status-error", "selected"]


def test_deviated_run_says_so_at_the_top(tmp_path, open_report):
    run = chaos_run(with_control(load_experiment("deviates.json")), tmp_path)
    assert run.journal["deviated"] is True
    page = open_report(report_of(run.trace_file))
    assert page.is_visible("#deviated-badge")
    assert page.text_content("#deviation") == (
        "Deviated: the steady-state hypothesis was not met after the method."
    )
    # Pauses are drawn as their own (hatched) bars under their activity.
    assert page.locator(".row.kind-pause").count() == 2


def xss_experiment() -> dict:
    experiment = copy.deepcopy(load_experiment("full.json"))
    experiment["title"] = f"</script>{XSS}\u2028"
    experiment["steady-state-hypothesis"]["probes"] = [
        {
            "type": "probe",
            "name": XSS,
            "tolerance": XSS,
            "provider": {
                "type": "python",
                "module": "chaostest_activities",
                "func": "succeed",
                "arguments": {"value": XSS},
            },
        }
    ]
    experiment["method"] = [
        {
            "type": "action",
            "name": f"fail {XSS}",
            "provider": {
                "type": "python",
                "module": "chaostest_activities",
                "func": "fail",
                "arguments": {"reason": XSS},
            },
        }
    ]
    experiment.pop("rollbacks")
    return with_control(experiment)


def test_experiment_strings_render_as_text(tmp_path, open_report):
    run = chaos_run(xss_experiment(), tmp_path)
    spans = read_trace_file(run.trace_file)
    assert any(s.name == f"activity: {XSS}" for s in spans)
    report = report_of(run.trace_file)
    # Escaping alone must be enough: also load a copy without the page's
    # Content-Security-Policy, which would otherwise block injected scripts.
    without_policy = tmp_path / "no-csp.html"
    text = report.read_text()
    start = text.index('<meta http-equiv="Content-Security-Policy"')
    without_policy.write_text(text[:start] + text[text.index(">", start) + 1 :])
    for path in (report, without_policy):
        page = open_report(path)
        probe = next(s for s in spans if s.name == f"activity: {XSS}")
        page.click(f".row[data-span-id='{probe.span_id}'] .label")
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.evaluate("document.images.length") == 0
        assert page.evaluate("document.scripts.length") == 2
        assert page.text_content("#title") == f"</script>{XSS}\u2028"
        labels = page.eval_on_selector_all(".row .label", "ls => ls.map(l => l.textContent)")
        assert f"activity: {XSS}" in labels and f"activity: fail {XSS}" in labels
        assert XSS in page.text_content("#details-attributes")
        page.click("#failures .failure")
        assert XSS in page.text_content("#details")
        assert page.evaluate("typeof window.__xss") == "undefined"


def big_trace(path: Path, count: int) -> None:
    """`count` spans written by the C++ core's file exporter, as a run would."""
    pipeline = _core.Pipeline(_core.file_exporter(path=str(path)), max_queue_size=count + 1)
    t0 = time.time_ns() - 3600 * 10**9
    root = pipeline.start_span(
        "experiment",
        start_time_ns=t0,
        attributes={"chaostoolkit.experiment.title": f"{count} spans"},
    )
    method = pipeline.start_span("method", parent=root, start_time_ns=t0 + 1000)
    for i in range(count - 2):
        start = t0 + 2000 + i * 5_000_000
        span = pipeline.start_span(
            f"activity: step-{i}",
            parent=method,
            start_time_ns=start,
            attributes={
                "chaostoolkit.activity.name": f"step-{i}",
                "chaostoolkit.activity.type": "action",
                "chaostoolkit.activity.background": i % 50 == 0,
                "chaostoolkit.activity.output": "x" * 64,
            },
        )
        if i % 97 == 0:
            span.add_event(
                "exception",
                {"exception.type": "E", "exception.stacktrace": f"Traceback\nE: step {i}"},
                start + 1000,
            )
            span.set_status(_core.STATUS_ERROR, f"step {i} failed")
        span.end(start + 4_000_000)
    end = t0 + 2000 + count * 5_000_000
    method.end(end)
    root.end(end + 1000)
    assert pipeline.shutdown()


def test_ten_thousand_spans_render_within_budget_and_scroll(tmp_path, open_report):
    trace_file = tmp_path / "big.trace.jsonl"
    big_trace(trace_file, 10_000)
    report = report_of(trace_file, tmp_path / "big.report.html")
    page = open_report(report)
    rendered = page.evaluate("window.__chaostracingReport")
    print(f"\n10,000-span report: drawn {rendered['renderedMs']:.0f} ms after navigation start")
    assert rendered["spans"] == 10_000
    assert rendered["renderedMs"] < RENDER_BUDGET_MS
    # Only the rows in view are in the DOM.
    assert 10 < page.locator(".row").count() < 200
    # Scroll to the end: the last rows are drawn within a frame or two.
    elapsed = page.evaluate(
        """() => new Promise(done => {
            const viewport = document.getElementById('viewport');
            const t = performance.now();
            viewport.scrollTop = viewport.scrollHeight;
            requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t)));
        })"""
    )
    print(f"10,000-span report: scrolled to the end and redrawn in {elapsed:.0f} ms")
    labels = page.eval_on_selector_all(".row .label", "ls => ls.map(l => l.textContent)")
    # The last row is the background lane's last activity (every 50th step).
    assert "activity: step-9950" in labels
    assert 10 < page.locator(".row").count() < 200
    # Step 9700 failed (every 97th does) and is on the background lane.
    page.click(".row .label >> text='activity: step-9700'")
    assert page.text_content("#details-name") == "activity: step-9700"
    assert page.text_content("#details .event.exception pre.stack") == "Traceback\nE: step 9700"


def test_screenshot_of_the_example_run(tmp_path, service_url, open_report):
    """The example experiment's report, kept as tests/artifacts/report.png."""
    experiment = json.loads((ROOT / "examples" / "payments" / "experiment.json").read_text())
    experiment["configuration"]["service_url"] = service_url
    run = chaos_run(experiment, tmp_path)
    spans: list[Span] = read_trace_file(run.trace_file)
    page = open_report(report_of(run.trace_file))
    assert page.locator(".bar").count() == len(spans)
    page.click(".row .label >> text='activity: inject-300ms-latency'")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    shutil.copy(run.trace_file.with_name("journal.report.html"), ARTIFACTS / "report.html")


def test_pause_events_other_instrumentation_and_collapsing(tmp_path, open_report):
    """Shapes a run may have that the example does not: a pause given as an
    event, another extension's span, and a group folded away."""
    from chaostracing.report import render_report
    from chaostracing.trace_file import Event
    from chaostracing.trace_file import Span as Model

    t0, ms = 1_700_000_000 * 10**9, 10**6

    def model(name, span_id, parent, start, end, **kwargs):
        return Model(
            trace_id="1" * 32,
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            start_ns=t0 + start * ms,
            end_ns=t0 + end * ms,
            **kwargs,
        )

    spans = [
        model("experiment", "a" * 16, "", 0, 1000, scope_name="chaostracing"),
        model("method", "b" * 16, "a" * 16, 0, 1000, scope_name="chaostracing"),
        model(
            "activity: wait",
            "c" * 16,
            "b" * 16,
            0,
            800,
            scope_name="chaostracing",
            attributes={"chaostoolkit.activity.name": "wait"},
            events=(Event("pause", t0 + 300 * ms, {"chaostoolkit.pause.seconds": "0.5"}),),
        ),
        model("GET /health", "d" * 16, "c" * 16, 100, 200, scope_name="opentelemetry.requests"),
    ]
    report = tmp_path / "r.html"
    report.write_text(render_report(spans))
    page = open_report(report)
    assert page.errors == []
    pause = page.eval_on_selector(
        ".row[data-span-id='cccccccccccccccc'] .pause-span",
        """p => { const b = p.getBoundingClientRect(), t = p.parentElement.getBoundingClientRect();
                  return [(b.left - t.left) / t.width, b.width / t.width]; }""",
    )
    assert pause == [pytest.approx(0.3, abs=0.002), pytest.approx(0.5, abs=0.002)]
    foreign = page.locator(".row[data-span-id='dddddddddddddddd']")
    assert foreign.get_attribute("data-kind") == "foreign"
    assert foreign.locator(".tag").text_content() == "opentelemetry.requests"
    # Fold the method away and back.
    assert page.locator(".row").count() == 4
    page.click(".row[data-span-id='bbbbbbbbbbbbbbbb'] .toggle")
    assert page.locator(".row").count() == 2
    page.click(".row[data-span-id='bbbbbbbbbbbbbbbb'] .toggle")
    assert page.locator(".row").count() == 4
