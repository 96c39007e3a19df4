"""What an activity's span says, from chaoslib's activity dict and its run: the core's mapping
(``_core.activity_attributes``, ``_core.record_activity_run``), attribute by attribute, with
secrets redacted and JSON values as ``json.dumps()`` writes them."""

from __future__ import annotations

import enum
import json
import math
import types

import pytest

from chaostracing import _core
from chaostracing.content import REDACTED, TRUNCATED, Redactor, activity_attributes, encode

SECRET = "hunter2-very-secret"
REDACTOR = Redactor([SECRET])


def attributes(activity, max_bytes=4096, dry=None):
    return activity_attributes(activity, REDACTOR, max_bytes, dry)


def test_a_python_probe_with_everything_declared():
    activity = {
        "type": "probe",
        "name": f"check {SECRET}",
        "background": True,
        "provider": {
            "type": "python",
            "module": "os",
            "func": "getpid",
            "timeout": 3,
            "arguments": {"password": "x", "url": f"http://{SECRET}@h", "n": [1, 2.5]},
        },
        "pauses": {"before": 1.5, "after": None},
        "timeout": 2.5,
        "tolerance": 200,
        "ref": "a-ref",
    }
    assert list(attributes(activity).items()) == [
        ("chaostoolkit.activity.name", f"check {REDACTED}"),
        ("chaostoolkit.activity.type", "probe"),
        ("chaostoolkit.activity.background", True),
        ("chaostoolkit.activity.provider.type", "python"),
        ("code.namespace", "os"),
        ("code.function", "getpid"),
        ("chaostoolkit.activity.provider.timeout", 3.0),
        (
            "chaostoolkit.activity.arguments",
            json.dumps({"password": REDACTED, "url": f"http://{REDACTED}@h", "n": [1, 2.5]}),
        ),
        ("chaostoolkit.activity.pauses.before", "1.5"),
        ("chaostoolkit.activity.timeout", 2.5),
        ("chaostoolkit.activity.tolerance", "200"),
        ("chaostoolkit.activity.ref", "a-ref"),
    ]


def test_an_http_action_redacts_its_url_and_credential_headers():
    activity = {
        "type": "action",
        "name": "call",
        "provider": {
            "type": "http",
            "url": f"https://api/{SECRET}",
            "method": "post",
            "headers": {"Authorization": "Bearer abc", "Accept": "application/json"},
        },
    }
    got = attributes(activity)
    assert got["http.request.method"] == "POST"
    assert got["url.full"] == f"https://api/{REDACTED}"
    assert json.loads(got["chaostoolkit.activity.provider.headers"]) == {
        "Authorization": REDACTED,
        "Accept": "application/json",
    }
    assert (
        "chaostoolkit.activity.background" in got
        and got["chaostoolkit.activity.background"] is False
    )
    # A method that is not a str, a bare http provider: as str() and the defaults.
    bare = attributes({"type": "action", "name": 7, "provider": {"type": "http"}})
    assert bare["chaostoolkit.activity.name"] == "7"
    assert (bare["http.request.method"], bare["url.full"]) == ("GET", "")
    assert "chaostoolkit.activity.provider.headers" not in bare


def test_a_process_action_redacts_its_path():
    got = attributes(
        {"type": "action", "name": "p", "provider": {"type": "process", "path": SECRET}}
    )
    assert got["process.executable.path"] == REDACTED


@pytest.mark.parametrize(
    "tolerance",
    [
        200,
        -7,
        2**70,
        0.1,
        1e16,
        math.nan,
        math.inf,
        -math.inf,
        True,
        False,
        None,
        "ok",
        [1, "a"],
        {"type": "regex", "pattern": SECRET},
    ],
)
def test_tolerances_are_written_as_encode_writes_them(tolerance):
    got = attributes({"type": "probe", "name": "t", "tolerance": tolerance})
    assert got["chaostoolkit.activity.tolerance"] == encode(tolerance, REDACTOR, 4096)
    if not isinstance(tolerance, (dict, list, str)):
        assert got["chaostoolkit.activity.tolerance"] == json.dumps(tolerance)


def test_long_values_are_cut_visibly():
    got = attributes({"type": "probe", "name": "t", "tolerance": 123456789}, max_bytes=4)
    assert got["chaostoolkit.activity.tolerance"] == "1234" + TRUNCATED
    assert encode(123456789, REDACTOR, 4) == "1234" + TRUNCATED


class Dry(enum.Enum):
    ACTIONS = "actions"
    PROBES = "probes"


@pytest.mark.parametrize(
    ("activity_dry", "experiment_dry", "kind", "dry"),
    [
        (None, None, "probe", False),
        ("activities", None, "action", True),
        ("probes", None, "probe", True),
        ("probes", None, "action", False),
        (None, Dry.ACTIONS, "action", True),
        (None, Dry.ACTIONS, "probe", False),
        (Dry.PROBES, Dry.ACTIONS, "probe", True),
        ("", "activities", "probe", False),  # the activity's own (empty) setting wins
    ],
)
def test_dry_follows_chaoslib(activity_dry, experiment_dry, kind, dry):
    activity = {"type": kind, "name": "d"}
    if activity_dry is not None:
        activity["dry"] = activity_dry
    got = attributes(activity, dry=experiment_dry)
    assert got.get("chaostoolkit.activity.dry", False) is dry
    assert _core.activity_is_dry(activity, experiment_dry) is dry


def test_any_mapping_reads_as_a_dict():
    activity = {
        "type": "probe",
        "name": "m",
        "provider": types.MappingProxyType({"type": "python", "module": "os", "func": "f"}),
        "pauses": types.MappingProxyType({"after": 2}),
    }
    got = attributes(types.MappingProxyType(activity))
    assert got == attributes(activity)
    assert got["code.function"] == "f" and got["chaostoolkit.activity.pauses.after"] == "2"


def test_booleans_and_other_values_are_not_timeouts():
    got = attributes({"type": "probe", "name": "b", "timeout": True, "provider": {"timeout": "3"}})
    assert "chaostoolkit.activity.timeout" not in got
    assert "chaostoolkit.activity.provider.timeout" not in got
    assert got["chaostoolkit.activity.provider.type"] == ""


def test_the_run_says_status_output_and_ci_result():
    pipeline = _core.Pipeline(_core._memory_exporter())
    span = pipeline.start_span("activity: a")
    status = _core.record_activity_run(
        span,
        {"status": "succeeded", "output": {"token": "t", "n": 1}},
        REDACTOR,
        4096,
        encode,
        cicd=True,
    )
    assert status == "succeeded"
    span.end()
    later = pipeline.start_span("activity: b")
    assert _core.record_activity_run(later, {"output": None}, REDACTOR, 4096, encode) == ""
    later.end()
    # An ended span is not changed.
    assert (
        _core.record_activity_run(later, {"status": "failed", "output": 1}, REDACTOR, 4096, encode)
        == "failed"
    )
    pipeline.shutdown(5000)
    [batch] = pipeline._take_encoded("json")
    spans = json.loads(batch)["resourceSpans"][0]["scopeSpans"][0]["spans"]
    said = [{a["key"]: next(iter(a["value"].values())) for a in s["attributes"]} for s in spans]
    assert said == [
        {
            "chaostoolkit.activity.status": "succeeded",
            "cicd.pipeline.task.run.result": "success",
            "chaostoolkit.activity.output": json.dumps({"token": REDACTED, "n": 1}),
        },
        {"chaostoolkit.activity.status": ""},
    ]
