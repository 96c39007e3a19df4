"""A drop-in for both existing controls and for other extensions' tracing code:
`chaostracing.oltp`, the OpenTelemetry and OpenTracing APIs inside activities,
and the control declared at any level."""

from __future__ import annotations

import copy

import pytest

from support import (
    Span,
    chaos_run,
    chaos_run_continuously,
    load_experiment,
    tree,
    with_control,
)

pytestmark = pytest.mark.integration

OLTP = {"name": "opentelemetry", "provider": {"type": "python", "module": "chaostracing.oltp"}}


def with_oltp(experiment, arguments=None):
    experiment = copy.deepcopy(experiment)
    control = copy.deepcopy(OLTP)
    if arguments:
        control["provider"]["arguments"] = arguments
    experiment["controls"] = [control]
    return experiment


def named(spans: list[Span], name: str) -> Span:
    [span] = [s for s in spans if s.name == name]
    return span


@pytest.mark.parametrize("automatic", [None, False], ids=["automatic", "not-automatic"])
def test_oltp_control_gives_the_same_tree_as_the_legacy_control(tmp_path, service_url, automatic):
    # Driven by run events, chaostracing.oltp needs none of chaoslib's per-level control
    # calls: declared "automatic": false (which skips them) it traces the same tree.
    experiment = load_experiment("full.json", service_url=service_url)
    legacy = chaos_run(with_control(experiment), tmp_path / "legacy").spans()
    declared = with_oltp(experiment)
    if automatic is not None:
        declared["controls"][0]["automatic"] = automatic
    oltp = chaos_run(declared, tmp_path / "oltp").spans()
    assert tree(oltp) == tree(legacy)
    assert len({s.trace_id for s in oltp}) == 1


def test_both_controls_declared_give_one_trace(tmp_path, service_url):
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    experiment["controls"].append(OLTP)
    run = chaos_run(experiment, tmp_path)
    reference = chaos_run(
        with_control(load_experiment("full.json", service_url=service_url)), tmp_path / "ref"
    )
    assert tree(run.spans()) == tree(reference.spans())


def test_oltp_accepts_the_existing_arguments_including_the_readme_spelling(tmp_path, service_url):
    experiment = with_oltp(
        load_experiment("full.json", service_url=service_url),
        {"trace_requests": True, "trace_httpx": True, "trace_urllib3": False},
    )
    run = chaos_run(experiment, tmp_path)
    assert "unknown control argument" not in run.log
    assert run.journal["status"] == "completed"


@pytest.mark.parametrize("control", ["legacy", "oltp"])
def test_extensions_spans_nest_under_the_activity_that_made_them(tmp_path, control):
    experiment = load_experiment("apis.json")
    experiment = with_control(experiment) if control == "legacy" else with_oltp(experiment)
    run = chaos_run(experiment, tmp_path)
    assert run.journal["status"] == "completed", run.output
    spans = run.spans()
    ids = {s.span_id: s for s in spans}
    for activity, child in [
        ("activity: otel-in-hypothesis", "otel-hypothesis"),
        ("activity: otel-background", "otel-bg"),
        ("activity: otel-foreground", "otel-fg"),
        ("activity: opentracing-background", "ot-bg"),
        ("activity: opentracing-foreground", "ot-fg"),
        ("activity: opentracing-background", "ot-bg-active"),
        ("activity: opentracing-foreground", "ot-fg-active"),
    ]:
        # The hypothesis runs before and after the method: two of those.
        children = [s for s in spans if s.name == child]
        assert len(children) == (2 if "hypothesis" in child else 1), child
        for child_span in children:
            assert ids[child_span.parent_span_id].name == activity, child
            assert child_span.trace_id == named(spans, "experiment").trace_id
    fg = named(spans, "otel-fg")
    assert fg.attributes["extension.step"] == 1
    assert [e["name"] for e in fg.events] == ["done"]
    ot = named(spans, "ot-fg")
    assert ot.attributes["extension.kind"] == "opentracing"
    assert [e["name"] for e in ot.events] == ["step"]


def test_otel_current_span_inside_an_activity_is_that_activity(tmp_path):
    run = chaos_run(with_control(load_experiment("apis.json")), tmp_path)
    outputs = {r["activity"]["name"]: r["output"] for r in run.journal["run"]}
    spans = run.spans()
    for name in ("otel-foreground", "otel-background"):
        activity = named(spans, f"activity: {name}")
        assert outputs[name]["current_span_id"] == activity.span_id


def test_extension_apis_are_harmless_without_the_control(tmp_path):
    run = chaos_run(load_experiment("apis.json"), tmp_path)
    assert run.journal["status"] == "completed"
    assert all(r["status"] == "succeeded" for r in run.journal["run"])
    assert not run.trace_file.exists()


def test_requests_instrumentation_nests_http_client_spans(tmp_path, service_url):
    experiment = with_oltp(
        load_experiment("full.json", service_url=service_url), {"trace_request": True}
    )
    run = chaos_run(experiment, tmp_path)
    spans = run.spans()
    ids = {s.span_id: s for s in spans}
    clients = [s for s in spans if s.name in ("GET", "POST")]
    assert clients, [s.name for s in spans]
    for client in clients:
        assert ids[client.parent_span_id].name.startswith("activity: ")


def test_experiment_level_with_automatic_false_traces_the_experiment_alone(tmp_path, service_url):
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    experiment["controls"][0]["automatic"] = False
    run = chaos_run(experiment, tmp_path)
    assert tree(run.spans()) == [(0, "experiment")]


def test_hypothesis_level_traces_the_hypothesis_and_its_probes(tmp_path, service_url):
    experiment = load_experiment("full.json", service_url=service_url)
    experiment["steady-state-hypothesis"]["controls"] = [
        {"name": "tracing", "provider": {"type": "python", "module": "chaostracing.control"}}
    ]
    run = chaos_run(experiment, tmp_path)
    spans = run.spans()
    hypotheses = [s for s in spans if s.name == "hypothesis"]
    assert hypotheses
    for hypothesis in hypotheses:
        probes = sorted(s.name for s in spans if s.parent_span_id == hypothesis.span_id)
        assert probes == ["activity: payments-health", "activity: python-probe"]
    assert not [s for s in spans if s.name in ("method", "rollbacks", "experiment")]
    assert not [s for s in spans if s.name == "activity: break-the-database"]


def test_activity_level_traces_that_activity_alone(tmp_path, service_url):
    experiment = load_experiment("full.json", service_url=service_url)
    experiment["method"][1]["controls"] = [
        {"name": "tracing", "provider": {"type": "python", "module": "chaostracing.control"}}
    ]
    run = chaos_run(experiment, tmp_path)
    assert tree(run.spans()) == [(0, "activity: break-the-database")]


def test_oltp_continuous_hypothesis_has_one_span_per_iteration(tmp_path):
    experiment = with_oltp(load_experiment("long.json"))
    run = chaos_run_continuously(experiment, tmp_path, "1.2")
    spans = run.spans()
    [continuous] = [
        s
        for s in spans
        if s.name == "hypothesis"
        and s.attributes.get("chaostoolkit.hypothesis.phase") == "continuous"
        and "chaostoolkit.hypothesis.iteration" not in s.attributes
    ]
    iterations = [s for s in spans if s.parent_span_id == continuous.span_id]
    assert len(iterations) == len(run.journal["steady_states"]["during"]) >= 2
    for iteration in iterations:
        assert iteration.name == "hypothesis"
        assert iteration.attributes["chaostoolkit.hypothesis.met"] is True
        probes = [s for s in spans if s.parent_span_id == iteration.span_id]
        assert [p.name for p in probes] == ["activity: fine"]
        assert iteration.start <= probes[0].start and probes[0].end <= iteration.end


@pytest.mark.parametrize(
    ("flag", "activity"),
    [
        ("trace_urllib3", {"type": "http"}),
        ("trace_httpx", {"type": "python", "module": "chaostest_apis", "func": "httpx_get"}),
    ],
)
def test_client_instrumentations_nest_under_the_activity(tmp_path, service_url, flag, activity):
    provider = dict(activity)
    if provider["type"] == "http":
        provider["url"] = f"{service_url}/health"
    else:
        provider["arguments"] = {"url": f"{service_url}/health"}
    experiment = with_oltp(
        {
            "version": "1.0.0",
            "title": "An instrumented HTTP client",
            "description": "One call, through the instrumented client.",
            "method": [{"type": "probe", "name": "call", "provider": provider}],
        },
        {flag: True},
    )
    run = chaos_run(experiment, tmp_path)
    spans = run.spans()
    activity_span = named(spans, "activity: call")
    clients = [s for s in spans if s.parent_span_id == activity_span.span_id]
    assert [c.name for c in clients] == ["GET"], [s.name for s in spans]


@pytest.mark.parametrize("control", ["legacy", "oltp"])
def test_non_json_output_still_ends_its_span(tmp_path, control):
    experiment = {
        "version": "1.0.0",
        "title": "An output JSON cannot encode",
        "description": "The probe returns a plain object.",
        "method": [
            {
                "type": "probe",
                "name": "odd-output",
                "provider": {
                    "type": "python",
                    "module": "chaostest_activities",
                    "func": "unserialisable",
                },
            }
        ],
    }
    experiment = with_control(experiment) if control == "legacy" else with_oltp(experiment)
    run = chaos_run(experiment, tmp_path)
    span = named(run.spans(), "activity: odd-output")
    assert span.end >= span.start
    output = span.attributes["chaostoolkit.activity.output"]
    assert "UUID('00000000-0000-0000-0000-000000000007')" in output
    assert "Decimal('12.50')" in output


def test_oltp_after_hypothesis_probes_get_spans_while_continuous_runs(tmp_path):
    experiment = with_oltp(load_experiment("long.json"))
    run = chaos_run_continuously(experiment, tmp_path, "0.6")
    spans = run.spans()
    [after] = [s for s in spans if s.attributes.get("chaostoolkit.hypothesis.phase") == "after"]
    assert [s.name for s in spans if s.parent_span_id == after.span_id] == ["activity: fine"]
