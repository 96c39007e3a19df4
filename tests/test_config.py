"""How control arguments, experiment configuration and OTEL_* variables merge."""

from __future__ import annotations

from chaostracing.config import default_trace_path, resolve


def test_nothing_configured_is_the_embedded_default_beside_the_journal():
    config = resolve({}, {}, environ={}, journal_path="/runs/x/journal.json")
    assert config.provider == "file"
    assert config.embedded_default
    assert config.path == "/runs/x/journal.trace.jsonl"
    assert config.errors == []


def test_trace_file_is_named_after_the_journal():
    assert default_trace_path("/out/run-42.json") == "/out/run-42.trace.jsonl"


def test_arguments_win_over_configuration():
    config = resolve(
        {"provider": "otlp", "port": 4000},
        {"tracing_provider": "noop", "tracing_host": "collector", "tracing_port": 9},
        environ={},
    )
    assert config.provider == "otlp"
    assert config.endpoint == "http://collector:4000/v1/traces"


def test_otlp_endpoint_variable_selects_otlp_and_gets_the_traces_path():
    config = resolve({}, {}, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
    assert config.provider == "otlp"
    assert config.endpoint == "http://c:4318/v1/traces"


def test_signal_specific_endpoint_is_used_as_is():
    config = resolve(
        {"provider": "otlp"},
        {},
        environ={
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://vendor.example/ingest",
        },
    )
    assert config.endpoint == "https://vendor.example/ingest"


def test_host_and_port_win_over_the_environment():
    config = resolve(
        {"provider": "otlp", "host": "127.0.0.1", "port": "4319"},
        {},
        environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://elsewhere:4318"},
    )
    assert config.endpoint == "http://127.0.0.1:4319/v1/traces"


def test_headers_as_mapping_or_string():
    from_mapping = resolve({"provider": "otlp", "headers": {"x-a": "1"}}, {}, environ={})
    from_string = resolve({"provider": "otlp", "headers": "x-a=1"}, {}, environ={})
    assert from_mapping.headers == from_string.headers == [("x-a", "1")]


def test_header_errors_never_show_the_value():
    config = resolve(
        {"provider": "otlp"},
        {},
        environ={"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer ok,brokentoken"},
    )
    assert any("OTEL_EXPORTER_OTLP_HEADERS" in e for e in config.errors)
    assert not any("Bearer" in e for e in config.errors)


def test_unknown_provider_falls_back_to_the_embedded_default():
    config = resolve({"provider": "jaegerr"}, {}, environ={}, journal_path="j.json")
    assert config.provider == "file" and config.embedded_default
    assert config.path.endswith("/j.trace.jsonl")
    assert config.errors == [
        "provider='jaegerr' is not supported; accepted: otlp, file, noop, jaeger, zipkin"
    ]


def test_bad_port_falls_back_with_one_error():
    config = resolve({}, {"tracing_provider": "otlp", "tracing_port": "x"}, environ={})
    assert config.provider == "file"
    assert config.errors == ["tracing_port='x' is not a port number; accepted: 1-65535"]


def test_propagation_is_validated():
    assert resolve({"propagation": "B3"}, {}, environ={}).propagation == "b3"
    config = resolve({"propagation": "xray"}, {}, environ={})
    assert config.propagation == "tracecontext"
    assert config.errors == [
        "propagation='xray' is not supported; accepted: tracecontext, b3, b3multi, jaeger"
    ]


def test_service_name_from_the_environment():
    assert resolve({}, {}, environ={"OTEL_SERVICE_NAME": "pay"}).service_name == "pay"


def test_timeout_must_be_positive_milliseconds():
    config = resolve({"provider": "otlp", "timeout_ms": "-5"}, {}, environ={})
    assert config.timeout_ms == 10_000
    assert config.errors == [
        "timeout_ms='-5' is not a timeout; accepted: a positive whole number of milliseconds"
    ]


def test_legacy_opentelemetry_provider_with_oltp_http_maps_to_otlp():
    config = resolve(
        {},
        {
            "tracing_provider": "opentelemetry",
            "tracing_opentelemetry_exporter": "oltp-http",
            "tracing_opentelemetry_collector_endpoint": "http://collector:4318/v1/traces",
            "tracing_opentelemetry_collector_headers": {"x-team": "sre"},
        },
        environ={},
    )
    assert config.errors == []
    assert config.provider == "otlp"
    assert config.protocol == "http/protobuf"
    assert config.endpoint == "http://collector:4318/v1/traces"
    assert config.headers == [("x-team", "sre")]


def test_legacy_exporter_that_we_do_not_have_is_reported_and_falls_back():
    config = resolve({"provider": "opentelemetry", "exporter": "jaeger-grpc"}, {}, environ={})
    assert config.provider == "file" and config.embedded_default
    assert config.errors == [
        "exporter='jaeger-grpc' is not supported with the opentelemetry provider; "
        "accepted: oltp-http, oltp-grpc, jaeger-thrift"
    ]


def test_legacy_baggage_prefix_switches_to_b3():
    config = resolve(
        {"provider": "opentelemetry", "exporter": "oltp-http", "baggage_prefix": "b3"},
        {},
        environ={},
    )
    assert config.propagators == ("b3",)


def test_legacy_jaeger_header_names_are_kept():
    config = resolve({"id_name": "x-trace", "baggage_prefix": "ctx-"}, {}, environ={})
    assert config.header_renames == {"uber-trace-id": "x-trace", "uberctx-": "ctx-"}


def test_otel_propagators_variable_chooses_formats():
    assert resolve({}, {}, environ={"OTEL_PROPAGATORS": "b3multi"}).propagators == ("b3multi",)
    config = resolve({}, {}, environ={"OTEL_PROPAGATORS": "tracecontext,xray"})
    assert config.propagators == ("tracecontext",)
    assert config.errors == [
        "OTEL_PROPAGATORS: 'xray' is not supported; accepted: tracecontext, baggage, b3, "
        "b3multi, jaeger, none"
    ]
