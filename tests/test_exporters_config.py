"""Choosing the jaeger, zipkin and OTLP/gRPC exporters: configuration resolution,
the factories' errors, and a receiver that is not there (one warning naming it at
the end of the run, which is otherwise unchanged)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from chaostracing import _core, _grpc
from chaostracing.config import resolve
from exporter_views import HttpSink
from support import chaos_run, closed_port, journal_outcome, load_experiment, with_control


def resolved(arguments: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    return resolve(arguments, {}, env or {}, journal_path="/runs/journal.json")


# ------------------------------------------------------------ resolution --


def test_jaeger_defaults_to_the_agent_on_localhost_6831():
    config = resolved({"provider": "jaeger"})
    assert (config.provider, config.protocol) == ("jaeger", "udp/thrift.compact")
    assert (config.host, config.port, config.endpoint) == (
        "localhost",
        6831,
        "udp://localhost:6831",
    )
    assert config.errors == []


def test_jaeger_host_and_port_from_the_experiment_configuration():
    config = resolve(
        {}, {"tracing_provider": "jaeger", "tracing_host": "agent", "tracing_port": "7000"}, {}
    )
    assert (config.host, config.port) == ("agent", 7000)


def test_jaeger_endpoint_selects_thrift_over_http():
    config = resolved({"provider": "jaeger", "endpoint": "https://jaeger:14268/api/traces"})
    assert (config.protocol, config.endpoint) == (
        "http/thrift.binary",
        "https://jaeger:14268/api/traces",
    )
    config = resolved({"provider": "jaeger", "protocol": "http/thrift.binary", "host": "j"})
    assert config.endpoint == "http://j:14268/api/traces"


def test_zipkin_defaults_and_host_port():
    assert resolved({"provider": "zipkin"}).endpoint == "http://localhost:9411/api/v2/spans"
    config = resolved({"provider": "zipkin", "host": "z", "port": 1234, "compression": "gzip"})
    assert (config.endpoint, config.compression) == ("http://z:1234/api/v2/spans", "gzip")


def test_otlp_grpc_from_arguments_and_from_the_environment():
    config = resolved({"provider": "otlp", "protocol": "grpc"})
    assert (config.protocol, config.endpoint) == ("grpc", "http://localhost:4317")
    config = resolved({"provider": "otlp", "protocol": "grpc", "host": "c", "port": 5317})
    assert config.endpoint == "http://c:5317"
    # The generic variable is the gRPC endpoint as given: no /v1/traces.
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
    config = resolved({}, env)
    assert (config.provider, config.protocol, config.endpoint) == ("otlp", "grpc", "https://c:4317")
    config = resolved({"protocol": "grpc"}, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317"})
    assert config.endpoint == "http://c:4317"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"provider": "jaeger", "protocol": "thrift"},
            "protocol='thrift' is not supported; accepted: udp/thrift.compact, http/thrift.binary",
        ),
        (
            {"provider": "zipkin", "protocol": "http/protobuf"},
            "protocol='http/protobuf' is not supported; accepted: http/json",
        ),
        (
            {"provider": "otlp", "protocol": "udp"},
            "protocol='udp' is not supported; accepted: http/protobuf, http/json, grpc",
        ),
        (
            {"provider": "jaeger", "compression": "gzip"},
            "compression='gzip' is not supported; accepted: none",
        ),
        (
            {"provider": "jaeger", "protocol": "udp/thrift.compact", "endpoint": "http://j:1"},
            "endpoint is not used by protocol udp/thrift.compact",
        ),
        ({"provider": "zipkin", "port": 0}, "port=0 is not a port number; accepted: 1-65535"),
        ({"provider": "jaeger", "host": "bad host"}, "host='bad host' is not a host name"),
    ],
)
def test_bad_values_name_what_is_accepted_and_fall_back_to_the_file(arguments, message):
    config = resolved(arguments)
    assert [e for e in config.errors if message in e], config.errors
    assert len(config.errors) == 1
    assert (config.provider, config.embedded_default) == ("file", True)


# ------------------------------------------------------------- factories --


@pytest.mark.parametrize(
    ("factory", "kwargs", "message"),
    [
        (_grpc.otlp_grpc_exporter, {"endpoint": "127.0.0.1:4317"}, "127.0.0.1:4317"),
        (_grpc.otlp_grpc_exporter, {"endpoint": "http://c", "compression": "zstd"}, "zstd"),
        (
            _grpc.otlp_grpc_exporter,
            {"endpoint": "http://c", "headers": [("x-key", "caf\u00e9")]},
            "x-key",
        ),
        (
            _grpc.otlp_grpc_exporter,
            {"endpoint": "https://c", "certificate": "/no/such/ca.pem"},
            "/no/such/ca.pem",
        ),
        (_core.jaeger_udp_exporter, {"host": ""}, "host is empty"),
        (_core.jaeger_udp_exporter, {"port": 70000}, "70000"),
        (_core.jaeger_udp_exporter, {"max_packet_size": 100}, "512-65507"),
        (_core.jaeger_http_exporter, {"endpoint": "udp://agent:6831"}, "udp://agent:6831"),
        (_core.jaeger_http_exporter, {"endpoint": "http://j", "timeout_ms": 0}, "timeout_ms"),
        (_core.zipkin_exporter, {"endpoint": "zipkin:9411"}, "zipkin:9411"),
        (_core.zipkin_exporter, {"endpoint": "http://z", "headers": [("a b", "v")]}, "a b"),
    ],
)
def test_factories_reject_bad_options_with_one_line(factory, kwargs, message):
    with pytest.raises(ValueError) as error:
        factory(**kwargs)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_descriptions_name_protocol_and_destination():
    assert (
        _core.jaeger_udp_exporter(host="127.0.0.1", port=6831).describe()
        == "Jaeger agent (UDP, Thrift compact) 127.0.0.1:6831"
    )
    assert (
        _core.jaeger_http_exporter(endpoint="http://u:p@j:14268/api/traces").describe()
        == "Jaeger Thrift/HTTP http://j:14268/api/traces"
    )
    assert _core.zipkin_exporter(endpoint="http://z:9411/api/v2/spans").describe() == (
        "Zipkin http://z:9411/api/v2/spans"
    )
    assert _grpc.otlp_grpc_exporter(endpoint="http://c:4317").describe() == (
        "OTLP/gRPC http://c:4317"
    )


# ------------------------------------------------------ absent receivers --


def failing_pipeline_error(exporter: _core.Exporter) -> str:
    pipeline = _core.Pipeline(exporter)
    pipeline.start_span("lost").end()
    pipeline.shutdown(10_000)
    assert pipeline.stats()["failed"] == 1
    return pipeline.last_error()


def test_errors_name_the_endpoint():
    udp = closed_port(socket.SOCK_DGRAM)
    assert failing_pipeline_error(_core.jaeger_udp_exporter(host="127.0.0.1", port=udp)) == (
        f"Jaeger agent 127.0.0.1:{udp}: Connection refused"
    )
    tcp = closed_port(socket.SOCK_STREAM)
    assert failing_pipeline_error(
        _grpc.otlp_grpc_exporter(endpoint=f"http://127.0.0.1:{tcp}")
    ).startswith(f"gRPC UNAVAILABLE from http://127.0.0.1:{tcp}: ")
    sink = HttpSink(status=404)
    try:
        url = f"{sink.url}/api/v2/spans"
        refused = ": the backend refused the batch; it is dropped, not retried"
        error = failing_pipeline_error(_core.zipkin_exporter(endpoint=url))
        assert error == f"HTTP 404 from {url}{refused}"
        url = f"{sink.url}/api/traces"
        error = failing_pipeline_error(_core.jaeger_http_exporter(endpoint=url))
        assert error == f"HTTP 404 from {url}{refused}"
    finally:
        sink.close()


@pytest.fixture(scope="module")
def reference_outcome(tmp_path_factory, service_url) -> dict[str, Any]:
    experiment = with_control(load_experiment("full.json", service_url=service_url))
    return journal_outcome(chaos_run(experiment, tmp_path_factory.mktemp("reference")).journal)


@pytest.mark.integration
@pytest.mark.parametrize("path", ["jaeger-udp", "jaeger-http", "zipkin", "otlp-grpc"])
def test_an_absent_receiver_is_one_warning_and_the_run_is_unchanged(
    tmp_path, service_url, reference_outcome, path
):
    port = closed_port(socket.SOCK_DGRAM if path == "jaeger-udp" else socket.SOCK_STREAM)
    arguments, named = {
        "jaeger-udp": ({"provider": "jaeger", "host": "127.0.0.1", "port": port}, "UDP"),
        "jaeger-http": (
            {"provider": "jaeger", "endpoint": f"http://127.0.0.1:{port}/api/traces"},
            "Thrift/HTTP",
        ),
        "zipkin": ({"provider": "zipkin", "host": "127.0.0.1", "port": port}, "Zipkin"),
        "otlp-grpc": (
            {"provider": "otlp", "protocol": "grpc", "host": "127.0.0.1", "port": port},
            "OTLP/gRPC",
        ),
    }[path]
    experiment = with_control(load_experiment("full.json", service_url=service_url), arguments)
    run = chaos_run(experiment, tmp_path)
    assert journal_outcome(run.journal) == reference_outcome
    warnings = [line for line in run.log.splitlines() if "could not be delivered" in line]
    assert len(warnings) == 1, run.log[-3000:]
    assert "WARNING" in warnings[0]
    assert named in warnings[0]
    assert f"127.0.0.1:{port}" in warnings[0]
    assert not run.trace_file.exists()
