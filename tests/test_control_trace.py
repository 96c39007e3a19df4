"""A real `chaos run` with `chaostracing.control`, traced to the embedded default
file and to an OTLP/HTTP receiver; the trace read back with opentelemetry-proto."""

from __future__ import annotations

import pytest

from support import (
    CONTROL,
    Span,
    chaos_run,
    journal_outcome,
    load_experiment,
    otlp_receiver,
    read_trace_file,
    tree,
    with_control,
)
from support import (
    FULL_EXPERIMENT_TREE as EXPECTED_TREE,
)

pytestmark = pytest.mark.integration


def by_name(spans: list[Span], name: str) -> list[Span]:
    return [s for s in spans if s.name == name]


def assert_well_formed(spans: list[Span]) -> None:
    """One trace, every parent present, every child inside its parent in time."""
    assert len({s.trace_id for s in spans}) == 1
    assert len({s.span_id for s in spans}) == len(spans)
    ids = {s.span_id: s for s in spans}
    roots = [s for s in spans if not s.parent_span_id]
    assert [r.name for r in roots] == ["experiment"]
    for span in spans:
        assert span.start <= span.end
        if span.parent_span_id:
            parent = ids[span.parent_span_id]
            assert parent.start <= span.start, (span.name, parent.name)
            assert span.end <= parent.end, (span.name, parent.name)


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory, service_url):
    """The same experiment without any control: the reference outcome."""
    experiment = load_experiment("full.json", service_url=service_url)
    return chaos_run(experiment, tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def traced_run(tmp_path_factory, service_url):
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    return chaos_run(experiment, tmp_path_factory.mktemp("traced"))


def test_embedded_default_writes_the_whole_run_as_one_trace(traced_run):
    spans = traced_run.spans()
    assert tree(spans) == EXPECTED_TREE
    assert_well_formed(spans)


def test_trace_file_sits_beside_the_journal_and_its_path_is_logged(traced_run):
    assert traced_run.trace_file == traced_run.workdir / "journal.trace.jsonl"
    trace_id = traced_run.spans()[0].trace_id
    assert f"trace {trace_id}" in traced_run.log
    assert str(traced_run.trace_file) in traced_run.log


def test_the_control_does_not_change_the_journal_outcome(plain_run, traced_run):
    assert journal_outcome(traced_run.journal) == journal_outcome(plain_run.journal)
    assert traced_run.returncode == plain_run.returncode
    # The experiment in the journal is the user's, untouched by the control.
    assert "_id" not in str(traced_run.journal["experiment"])


def test_hypothesis_spans_say_their_phase(traced_run):
    spans = traced_run.spans()
    phases = sorted(
        s.attributes["chaostoolkit.hypothesis.phase"] for s in by_name(spans, "hypothesis")
    )
    assert phases == ["after", "before"]
    assert all(s.attributes["chaostoolkit.hypothesis.met"] for s in by_name(spans, "hypothesis"))


def test_failed_action_span_is_an_error_with_its_exception(traced_run):
    [span] = by_name(traced_run.spans(), "activity: break-the-database")
    assert span.status_code == 2  # STATUS_CODE_ERROR
    assert "refused the connection" in span.status_message
    assert span.attributes["chaostoolkit.activity.status"] == "failed"
    [event] = span.events
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"].endswith("ActivityFailed")
    assert "Traceback" in event["attributes"]["exception.stacktrace"]


def test_background_activity_is_a_child_of_the_method(traced_run):
    spans = traced_run.spans()
    [method] = by_name(spans, "method")
    [background] = by_name(spans, "activity: slow-background-work")
    assert background.parent_span_id == method.span_id
    assert background.attributes["chaostoolkit.activity.background"] is True


def test_resource_names_the_service(traced_run):
    resource = traced_run.spans()[0].resource
    assert resource["service.name"] == "chaostoolkit"
    assert resource["telemetry.sdk.name"] == "chaostracing"


def test_control_declared_in_the_settings_file_gives_the_same_tree(tmp_path, service_url):
    experiment = load_experiment("full.json", service_url=service_url)
    run = chaos_run(experiment, tmp_path, settings={"controls": {"tracing": CONTROL}})
    spans = run.spans()
    assert tree(spans) == EXPECTED_TREE
    assert_well_formed(spans)


def test_control_declared_twice_still_gives_one_trace(tmp_path, service_url):
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    run = chaos_run(experiment, tmp_path, settings={"controls": {"tracing": CONTROL}})
    spans = run.spans()
    assert tree(spans) == EXPECTED_TREE
    assert_well_formed(spans)


@pytest.mark.parametrize(
    ("arguments", "content_type", "gzipped"),
    [
        ({}, "application/x-protobuf", False),
        ({"protocol": "http/json"}, "application/json", False),
        ({"compression": "gzip"}, "application/x-protobuf", True),
    ],
    ids=["protobuf", "json", "gzip"],
)
def test_otlp_http_receives_the_same_tree(tmp_path, service_url, arguments, content_type, gzipped):
    with otlp_receiver() as receiver:
        experiment = with_control(
            load_experiment("full.json", service_url=service_url),
            {"provider": "otlp", "host": "127.0.0.1", "port": receiver.port, **arguments},
        )
        run = chaos_run(experiment, tmp_path)
        spans = receiver.spans()
        assert tree(spans) == EXPECTED_TREE
        assert_well_formed(spans)
        assert set(receiver.content_types) == {content_type}
        encodings = {h.get("Content-Encoding") for h in receiver.headers}
        assert encodings == ({"gzip"} if gzipped else {None})
    assert not run.trace_file.exists()
    assert f"http://127.0.0.1:{receiver.port}/v1/traces" in run.log


def test_otlp_settings_come_from_the_standard_environment(tmp_path, service_url):
    with otlp_receiver() as receiver:
        experiment = with_control(load_experiment("full.json", service_url=service_url))
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=team-chaos,authorization=Bearer%20s3cr3t",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_SERVICE_NAME": "payments-chaos",
        }
        run = chaos_run(experiment, tmp_path, env=env)
        spans = receiver.spans()
        assert tree(spans) == EXPECTED_TREE
        assert receiver.headers[0]["x-tenant"] == "team-chaos"
        assert receiver.headers[0]["authorization"] == "Bearer s3cr3t"
        assert spans[0].resource["service.name"] == "payments-chaos"
    assert "s3cr3t" not in run.log


def test_noop_provider_traces_nothing(tmp_path, service_url):
    experiment = with_control(
        load_experiment("full.json", service_url=service_url), {"provider": "noop"}
    )
    run = chaos_run(experiment, tmp_path)
    assert not run.trace_file.exists()
    assert run.journal["status"] == "completed"


def test_file_provider_writes_where_asked(tmp_path, service_url):
    target = tmp_path / "traces" / "payments.jsonl"
    target.parent.mkdir()
    experiment = with_control(
        load_experiment("full.json", service_url=service_url),
        {"provider": "file", "path": str(target)},
    )
    run = chaos_run(experiment, tmp_path / "run")
    assert tree(read_trace_file(target)) == EXPECTED_TREE
    assert not run.trace_file.exists()


def test_the_trace_file_is_written_as_the_run_goes(tmp_path):
    # The second activity looks for the first one's span in the trace file while the run is
    # still going. Network exporters send a batch a second after its first span; the file
    # is written within FILE_WRITE_DELAY_MS (20 ms), so 0.9 s tells the two apart.
    trace_file = tmp_path / "journal.trace.jsonl"

    def probe(name: str, func: str, **arguments: object) -> dict[str, object]:
        provider = {"type": "python", "module": "chaostest_activities", "func": func}
        return {"type": "probe", "name": name, "provider": {**provider, "arguments": arguments}}

    experiment = with_control(
        {
            "title": "written as it goes",
            "description": "-",
            "method": [
                probe("first", "succeed"),
                probe(
                    "first-is-on-disk",
                    "text_appears_in",
                    path=str(trace_file),
                    text='"activity: first"',
                    within=0.9,
                ),
            ],
        }
    )
    run = chaos_run(experiment, tmp_path)
    assert [r["output"] for r in run.journal["run"]] == ["ok", True]
    assert "activity: first-is-on-disk" in {s.name for s in read_trace_file(trace_file)}


def test_embedded_default_writes_an_html_report_beside_the_journal(traced_run):
    report = traced_run.workdir / "journal.report.html"
    html = report.read_text()
    assert traced_run.spans()[0].trace_id in html
    assert f"report of the run in {report}" in traced_run.log
