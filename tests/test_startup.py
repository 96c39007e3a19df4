"""What a traced run loads: gRPC's shared libraries only when it exports over
gRPC (they take longer to load than the rest of the run's start), and the
OpenTelemetry and OpenTracing APIs only once something imports them; and what
every `chaos` command loads of chaostracing, traced or not: its command line."""

from __future__ import annotations

from support import python_script

SCRIPT = """
import sys
import chaostracing.control
from chaostracing import config, runtime

def grpc_loaded():
    with open("/proc/self/maps") as maps:
        return "libgrpc" in maps.read()

run = runtime.configure(config.resolve({"provider": "file", "path": sys.argv[1]}, {}))
print(run is not None, grpc_loaded())
runtime.finish()
run = runtime.configure(config.resolve(
    {"provider": "otlp", "endpoint": "http://127.0.0.1:9", "protocol": "grpc"}, {}))
print(run is not None, grpc_loaded())
runtime.finish()
"""


def test_grpc_is_loaded_only_by_a_run_that_exports_over_grpc(tmp_path):
    out = python_script(SCRIPT, str(tmp_path / "t.jsonl"))
    assert out.split() == ["True", "False", "True", "True"]


LAZY_API = """
import sys
import chaostracing.control
from chaostracing import config, runtime

run = runtime.configure(config.resolve({"provider": "file", "path": sys.argv[1]}, {}))
print("opentelemetry.trace" in sys.modules)
from opentelemetry import trace  # an extension imports the API mid-run

tracer = trace.get_tracer("late.extension")
with tracer.start_as_current_span("late") as span:
    print(trace.get_current_span() is span, span.get_span_context().is_valid)
runtime.finish()
"""


def test_the_opentelemetry_api_is_served_from_the_moment_something_imports_it(tmp_path):
    from chaostracing.trace_file import read_trace_file

    path = tmp_path / "t.jsonl"
    out = python_script(LAZY_API, str(path))
    assert out.split() == ["False", "True", "True"]
    (late,) = [s for s in read_trace_file(path) if s.name == "late"]
    assert late.attributes["otel.scope.name"] == "late.extension"


LAZY_OPENTRACING = """
import sys
import chaostracing.control
from chaostracing import config, runtime

run = runtime.configure(config.resolve({"provider": "file", "path": sys.argv[1]}, {}))
print("opentracing" in sys.modules)
import opentracing  # an extension imports the API mid-run

tracer = opentracing.global_tracer()
print(type(tracer).__module__)
with tracer.start_active_span("late"):
    pass
runtime.finish()
"""


def test_the_opentracing_api_is_served_from_the_moment_something_imports_it(tmp_path):
    from chaostracing.trace_file import read_trace_file

    path = tmp_path / "t.jsonl"
    out = python_script(LAZY_OPENTRACING, str(path))
    assert out.split() == ["False", "chaostracing.opentracing_api"]
    assert [s.name for s in read_trace_file(path) if s.name == "late"] == ["late"]


def test_the_version_is_the_distributions():
    from importlib import metadata

    import chaostracing

    assert chaostracing.__version__ == metadata.version("chaostoolkit-opentracing")


CHAOS_CLI = """
import sys
from chaostoolkit.cli import cli  # loads every CLI plugin, as each `chaos` start does

print("trace" in cli.commands, sorted(m for m in sys.modules if m.startswith("chaostracing")))
"""


def test_chaos_loads_only_the_trace_command_line_not_the_core():
    assert python_script(CHAOS_CLI).strip() == "True ['chaostracing', 'chaostracing.cli']"


LAZY_API_OLTP = """
import sys
from chaoslib.run import EventHandlerRegistry
import chaostracing.oltp as oltp

registry = EventHandlerRegistry()
experiment = {"title": "t", "description": "d", "method": []}
oltp.configure_control(experiment=experiment, event_registry=registry, provider="file",
                       path=sys.argv[1])
print("opentelemetry.trace" in sys.modules)
from opentelemetry import trace  # an extension imports the API mid-run

with trace.get_tracer("late.extension").start_as_current_span("late") as span:
    print(trace.get_current_span() is span, span.get_span_context().is_valid)
registry.finish({"status": "completed"})
"""


def test_chaostracing_oltp_without_instrumentation_leaves_the_api_unimported_until_needed(
    tmp_path,
):
    from chaostracing.trace_file import read_trace_file

    path = tmp_path / "t.jsonl"
    out = python_script(LAZY_API_OLTP, str(path))
    assert out.split() == ["False", "True", "True"]
    spans = {s.name: s for s in read_trace_file(path)}
    assert spans["late"].parent_span_id == spans["experiment"].span_id


LAZY_INJECTION = """
import sys
from chaoslib.run import EventHandlerRegistry
import chaostracing.oltp as oltp

def loaded():
    return [m for m in ("chaostracing.injection", "chaostracing.propagation") if m in sys.modules]

registry = EventHandlerRegistry()
experiment = {"title": "t", "description": "d", "method": []}
oltp.configure_control(experiment=experiment, event_registry=registry, provider="file",
                       path=sys.argv[1])
python_probe = {"type": "probe", "name": "p",
                "provider": {"type": "python", "module": "os", "func": "getpid"}}
registry.start_activity(python_probe)
registry.activity_completed(python_probe, {"status": "succeeded", "output": 1})
print(loaded())
http_probe = {"type": "probe", "name": "h",
              "provider": {"type": "http", "url": "http://127.0.0.1:9/"}}
registry.start_activity(http_probe)
print(loaded())
registry.activity_completed(http_probe, {"status": "succeeded", "output": 1})
registry.finish({"status": "completed"})
"""


def test_what_carries_context_into_calls_is_loaded_at_the_first_http_or_process_activity(
    tmp_path,
):
    from chaostracing.trace_file import read_trace_file

    path = tmp_path / "t.jsonl"
    out = python_script(LAZY_INJECTION, str(path)).splitlines()
    assert out == ["[]", "['chaostracing.injection', 'chaostracing.propagation']"]
    assert sorted(s.name for s in read_trace_file(path)) == [
        "activity: h",
        "activity: p",
        "experiment",
    ]
