"""What the spans of a real `chaos run` say: failures, deviation, interruptions,
the continuous hypothesis, dry runs, pauses, secrets and where the trace went."""

from __future__ import annotations

import signal

import pytest

from support import (
    SECRET_PASSWORD,
    SECRET_TOKEN,
    Span,
    chaos_finish,
    chaos_run,
    chaos_run_continuously,
    chaos_start,
    load_experiment,
    secrets_experiment,
    tree,
    wait_for_log,
    with_control,
)

pytestmark = pytest.mark.integration


def only(spans: list[Span], name: str) -> Span:
    [span] = [s for s in spans if s.name == name]
    return span


def assert_all_inside_parents(spans: list[Span]) -> None:
    ids = {s.span_id: s for s in spans}
    for span in spans:
        assert span.end >= span.start > 0
        if span.parent_span_id:
            parent = ids[span.parent_span_id]
            assert parent.start <= span.start and span.end <= parent.end, span.name


@pytest.fixture(scope="module")
def deviated(tmp_path_factory):
    return chaos_run(with_control(load_experiment("deviates.json")), tmp_path_factory.mktemp("dev"))


def test_deviated_probe_says_what_was_expected_and_observed(deviated):
    assert deviated.journal["deviated"] is True
    spans = deviated.spans()
    after = next(s for s in spans if s.attributes.get("chaostoolkit.hypothesis.phase") == "after")
    [probe] = [s for s in spans if s.parent_span_id == after.span_id]
    assert probe.status_code == 2
    assert probe.attributes["chaostoolkit.activity.tolerance_met"] is False
    assert probe.attributes["chaostoolkit.activity.expected"] == "true"
    assert probe.attributes["chaostoolkit.activity.observed"] == "false"
    assert after.status_code == 2 and after.attributes["chaostoolkit.hypothesis.met"] is False


def test_held_probe_is_not_an_error(deviated):
    spans = deviated.spans()
    before = next(s for s in spans if s.attributes.get("chaostoolkit.hypothesis.phase") == "before")
    [probe] = [s for s in spans if s.parent_span_id == before.span_id]
    assert probe.status_code == 0
    assert probe.attributes["chaostoolkit.activity.tolerance_met"] is True
    assert before.status_code == 0


def test_deviated_experiment_is_an_error_that_says_so(deviated):
    experiment = only(deviated.spans(), "experiment")
    assert experiment.status_code == 2
    assert experiment.attributes["chaostoolkit.experiment.deviated"] is True
    assert experiment.attributes["chaostoolkit.experiment.status"] == "completed"


def test_pauses_are_child_spans_of_their_activity(deviated):
    spans = deviated.spans()
    action = only(spans, "activity: create-the-flag")
    pauses = sorted((s for s in spans if s.parent_span_id == action.span_id), key=lambda s: s.start)
    assert [p.attributes["chaostoolkit.pause.when"] for p in pauses] == ["before", "after"]
    assert all(p.name == "pause" for p in pauses)
    # Each pause lasted about what was declared (0.2 s), never less than chaoslib slept.
    assert all(p.end - p.start >= 150_000_000 for p in pauses)
    assert_all_inside_parents(spans)


def test_journal_says_where_the_trace_is(deviated):
    entry = deviated.journal["chaostracing"]
    experiment = only(deviated.spans(), "experiment")
    assert entry["trace_id"] == experiment.trace_id
    assert entry["span_id"] == experiment.span_id
    assert entry["trace_file"] == str(deviated.trace_file)
    assert experiment.attributes["chaostoolkit.run.id"] == entry["run_id"]


def test_experiment_span_carries_the_experiment_description(tmp_path, service_url):
    run = chaos_run(with_control(load_experiment("full.json", service_url=service_url)), tmp_path)
    experiment = only(run.spans(), "experiment")
    assert experiment.attributes["chaostoolkit.experiment.title"] == (
        "Payments survive a database failure"
    )
    assert experiment.attributes["chaostoolkit.experiment.tags"] == ["payments", "database"]
    assert "background activity" in experiment.attributes["chaostoolkit.experiment.description"]
    action = only(run.spans(), "activity: break-the-database")
    assert action.attributes["chaostoolkit.activity.type"] == "action"
    assert action.attributes["code.namespace"] == "chaostest_activities"
    assert action.attributes["code.function"] == "fail"
    probe = only(run.spans(), "activity: inject-latency")
    assert probe.attributes["http.request.method"] == "POST"
    assert probe.attributes["url.full"].endswith("/fault?ms=10")


@pytest.mark.parametrize(
    ("signum", "cause"),
    [
        (signal.SIGTERM, "sigterm"),
        (signal.SIGINT, "sigint"),
        (signal.SIGUSR1, "sigusr1"),
        (signal.SIGUSR2, "sigusr2"),
    ],
    ids=["SIGTERM", "SIGINT", "SIGUSR1", "SIGUSR2"],
)
def test_signal_mid_activity_ends_every_span_with_its_cause(tmp_path, signum, cause):
    process = chaos_start(with_control(load_experiment("long.json")), tmp_path)
    wait_for_log(tmp_path, "Action: long-sleep", process)
    process.send_signal(signum)
    run = chaos_finish(process, tmp_path, timeout=60)
    assert run.journal["status"] == "interrupted"
    spans = run.spans()
    assert_all_inside_parents(spans)
    experiment = only(spans, "experiment")
    assert experiment.attributes["chaostoolkit.experiment.interruption"] == cause
    assert experiment.status_code != 2
    cut = only(spans, "activity: long-sleep")
    assert cut.attributes["chaostoolkit.span.end_cause"] == cause
    assert cut.status_code != 2
    assert not [s for s in spans if s.name == "activity: never-reached"]
    assert run.journal["chaostracing"]["trace_id"] == experiment.trace_id


def test_continuous_hypothesis_is_one_span_per_iteration_with_its_probes(tmp_path):
    experiment = with_control(load_experiment("long.json"))
    run = chaos_run_continuously(experiment, tmp_path, "1.2")
    spans = run.spans()
    assert_all_inside_parents(spans)
    groups = [
        s
        for s in spans
        if s.name == "hypothesis"
        and s.attributes.get("chaostoolkit.hypothesis.phase") == "continuous"
        and "chaostoolkit.hypothesis.iteration" not in s.attributes
    ]
    assert len(groups) == 1
    continuous = groups[0]
    iterations = [s for s in spans if s.parent_span_id == continuous.span_id]
    assert len(iterations) >= 2
    assert sorted(i.attributes["chaostoolkit.hypothesis.iteration"] for i in iterations) == list(
        range(1, len(iterations) + 1)
    )
    for iteration in iterations:
        probes = [s for s in spans if s.parent_span_id == iteration.span_id]
        assert [p.name for p in probes] == ["activity: fine"]


def test_dry_run_marks_the_activities_it_skips(tmp_path, service_url):
    run = chaos_run(
        with_control(load_experiment("full.json", service_url=service_url)),
        tmp_path,
        args=["--dry", "actions"],
    )
    spans = run.spans()
    actions = [s for s in spans if s.attributes.get("chaostoolkit.activity.type") == "action"]
    probes = [s for s in spans if s.attributes.get("chaostoolkit.activity.type") == "probe"]
    assert actions and probes
    assert all(s.attributes.get("chaostoolkit.activity.dry") is True for s in actions)
    assert not any("chaostoolkit.activity.dry" in s.attributes for s in probes)
    assert only(spans, "experiment").attributes["chaostoolkit.experiment.dry"] == "actions"


def test_secrets_never_leave_the_process(tmp_path, service_url):
    token, password = SECRET_TOKEN, SECRET_PASSWORD
    experiment = secrets_experiment(service_url)
    run = chaos_run(with_control(experiment), tmp_path, env={"PAYMENTS_DB_PASSWORD": password})
    exported = run.trace_file.read_text()
    # The run really used them (the journal shows the echoed output)...
    assert token in str(run.journal["run"][1]["output"])
    # ...and not one of them went into the trace.
    for secret in (token, password, "abcdef123"):
        assert secret not in exported
    echo = only(run.spans(), "activity: echo-the-secrets")
    assert "[REDACTED]" in echo.attributes["chaostoolkit.activity.output"]


def test_long_outputs_are_cut_with_a_visible_marker(tmp_path):
    experiment = with_control(
        {
            "version": "1.0.0",
            "title": "Big output",
            "description": "An output larger than the attribute limit.",
            "method": [
                {
                    "type": "probe",
                    "name": "big",
                    "provider": {
                        "type": "python",
                        "module": "chaostest_activities",
                        "func": "echo",
                        "arguments": {"value": "x" * 20000},
                    },
                }
            ],
        },
        {"max_value_bytes": 1000},
    )
    run = chaos_run(experiment, tmp_path)
    output = only(run.spans(), "activity: big").attributes["chaostoolkit.activity.output"]
    assert output.endswith("…[truncated]")
    assert len(output.encode()) < 1100


def test_trace_link_is_printed_and_kept_in_the_journal(tmp_path, service_url):
    template = "http://127.0.0.1:16686/trace/{trace_id}"
    run = chaos_run(
        with_control(
            load_experiment("full.json", service_url=service_url), {"trace_url": template}
        ),
        tmp_path,
    )
    trace_id = run.journal["chaostracing"]["trace_id"]
    url = f"http://127.0.0.1:16686/trace/{trace_id}"
    assert run.journal["chaostracing"]["url"] == url
    assert f"see the trace at {url}" in run.log


def test_cicd_conventions_are_an_opt_in_second_set(tmp_path, service_url):
    experiment = load_experiment("full.json", service_url=service_url)
    plain = only(chaos_run(with_control(experiment), tmp_path / "a").spans(), "experiment")
    run = chaos_run(with_control(experiment, {"cicd_attributes": True}), tmp_path / "b")
    spans = run.spans()
    experiment_span = only(spans, "experiment")
    assert not any(k.startswith("cicd.") for k in plain.attributes)
    assert experiment_span.attributes["cicd.pipeline.name"] == (
        "Payments survive a database failure"
    )
    assert experiment_span.attributes["cicd.pipeline.result"] == "success"
    failed = only(spans, "activity: break-the-database")
    assert failed.attributes["cicd.pipeline.task.run.result"] == "failure"
    assert tree(spans) == tree(chaos_run(with_control(experiment), tmp_path / "c").spans())


def test_resource_carries_otel_resource_attributes_and_versions(tmp_path, service_url):
    run = chaos_run(
        with_control(load_experiment("full.json", service_url=service_url)),
        tmp_path,
        env={"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging,team=sre"},
    )
    resource = run.spans()[0].resource
    assert resource["deployment.environment"] == "staging"
    assert resource["team"] == "sre"
    assert resource["chaostoolkit.lib.version"] != "unknown"
    assert resource["process.pid"] > 0
