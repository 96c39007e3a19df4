"""One validated tracing configuration from control arguments, the experiment's
``configuration`` block and the standard ``OTEL_*`` environment variables.

Precedence, key by key: control ``arguments`` (``provider``) win over the
experiment ``configuration`` (``tracing_provider``), which win over the
environment, which wins over defaults. Nothing here raises: a bad value
becomes one line in ``TracingConfig.errors`` naming the key, the value and what
is accepted, and the configuration falls back to the embedded default (a trace
file beside the journal) so the trace is never dropped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chaostracing import _core
from chaostracing import legacy as _legacy

logger = logging.getLogger("chaostoolkit")

__all__ = [
    "ARGUMENT_KEYS",
    "LEGACY_ARGUMENT_KEYS",
    "PROPAGATIONS",
    "PROVIDERS",
    "TracingConfig",
    "beside",
    "default_trace_path",
    "journal_path",
    "resolve",
]

#: Providers accepted by ``tracing_provider`` / ``provider``.
PROVIDERS = ("otlp", "file", "noop", "jaeger", "zipkin")
#: Propagation formats accepted by ``tracing_propagation`` / ``propagation``.
PROPAGATIONS = ("tracecontext", "b3", "b3multi", "jaeger")
# Keys of the OpenTracing-era control that are accepted and not yet acted on.
LEGACY_ARGUMENT_KEYS = frozenset(
    {
        "id_name",
        "baggage_prefix",
        "exporter",
        "collector_endpoint",
        "collector_insecure",
        "collector_headers",
    }
)
_PROTOCOLS = ("http/protobuf", "http/json", "grpc")
_COMPRESSIONS = ("gzip", "none")
_DEFAULT_OTLP_PORT = 4318
_DEFAULT_OTLP_GRPC_PORT = 4317
#: ``protocol`` of the jaeger provider: the agent's UDP port (default) or a
#: collector's Thrift/HTTP endpoint (the OTel Jaeger exporter's spellings).
JAEGER_PROTOCOLS = ("udp/thrift.compact", "http/thrift.binary")
_DEFAULT_JAEGER_AGENT_PORT = 6831
_DEFAULT_JAEGER_HTTP_PORT = 14268
_ZIPKIN_PROTOCOLS = ("http/json",)
_DEFAULT_ZIPKIN_PORT = 9411

# Control argument key -> experiment configuration key, as documented.
ARGUMENT_KEYS = {
    "provider": "tracing_provider",
    "host": "tracing_host",
    "port": "tracing_port",
    "propagation": "tracing_propagation",
    "endpoint": "tracing_endpoint",
    "headers": "tracing_headers",
    "protocol": "tracing_protocol",
    "compression": "tracing_compression",
    "timeout_ms": "tracing_timeout_ms",
    "path": "tracing_path",
    "max_value_bytes": "tracing_max_value_bytes",
    "cicd_attributes": "tracing_cicd_attributes",
    "trace_url": "tracing_trace_url",
}


# Not a dataclass: every traced run imports this module, and making a dataclass runs its
# generated methods through exec() (~1.5 ms for this one).
class TracingConfig:
    """Where spans go and how; the result of :func:`resolve`, which sets it field by field."""

    __slots__ = (
        "certificate",
        "cicd_attributes",
        "client_certificate",
        "client_key",
        "compression",
        "default_path",
        "embedded_default",
        "endpoint",
        "errors",
        "header_renames",
        "headers",
        "host",
        "max_value_bytes",
        "path",
        "port",
        "propagation",
        "propagators",
        "protocol",
        "provider",
        "service_name",
        "timeout_ms",
        "trace_url",
    )

    def __init__(self) -> None:
        self.provider = "file"
        #: True when no provider was configured: the trace file beside the journal.
        self.embedded_default = True
        self.endpoint = ""
        #: The Jaeger agent's address (provider jaeger, protocol udp/thrift.compact).
        self.host = ""
        self.port = 0
        self.headers: list[tuple[str, str]] = []
        self.protocol = "http/protobuf"
        self.compression = "none"
        self.timeout_ms = 10_000
        self.certificate = ""
        self.client_certificate = ""
        self.client_key = ""
        self.path = ""
        #: The embedded default's file, beside the journal.
        self.default_path = ""
        self.propagation = "tracecontext"
        #: Header formats written into HTTP activities and read from TRACEPARENT.
        self.propagators: tuple[str, ...] = ("tracecontext", "baggage")
        #: Header renames of the existing Jaeger setup (``tracing_id_name``,
        #: ``baggage_prefix``): written name prefix -> the user's.
        self.header_renames: dict[str, str] = {}
        self.service_name = "chaostoolkit"
        #: Outputs, arguments and tolerances longer than this are cut, visibly.
        self.max_value_bytes = 4096
        #: Also write the OpenTelemetry ``cicd.pipeline.*`` attributes.
        self.cicd_attributes = False
        #: Where to look at a trace, e.g. ``http://jaeger:16686/trace/{trace_id}``.
        self.trace_url = ""
        self.errors: list[str] = []


class _Source:
    """Looks a setting up in the arguments, then in the configuration."""

    def __init__(self, arguments: Mapping[str, Any], configuration: Mapping[str, Any]) -> None:
        self._arguments = arguments
        self._configuration = configuration

    def get(self, name: str) -> tuple[str, Any] | None:
        """The value and the key it was found under, or None."""
        if self._arguments.get(name) is not None:
            return name, self._arguments[name]
        config_key = ARGUMENT_KEYS[name]
        if self._configuration.get(config_key) is not None:
            return config_key, self._configuration[config_key]
        return None


def journal_path() -> str:
    """Where ``chaos run`` writes its journal (``--journal-path``), from click."""
    try:
        import click

        context = click.get_current_context(silent=True)
        while context is not None:
            path = context.params.get("journal_path")
            if path:
                return str(path)
            context = context.parent
    except Exception:  # click absent, or not under `chaos run`
        logger.debug("chaostracing: no click context", exc_info=True)
    return "journal.json"


def beside(source: str | os.PathLike[str], suffix: str) -> Path:
    """The file named after a run's trace file or journal, beside it:
    ``out/journal.trace.jsonl`` or ``out/journal.json`` → ``out/journal<suffix>``."""
    source = Path(source)
    name = source.name
    for ending in (".trace.jsonl", ".jsonl", ".json"):
        if name.endswith(ending) and len(name) > len(ending):
            return source.with_name(name[: -len(ending)] + suffix)
    return source.with_name(name + suffix)


def default_trace_path(journal_path: str | os.PathLike[str]) -> str:
    """The embedded default's trace file: ``journal.json`` → ``journal.trace.jsonl``.

    The file sits beside the journal, named after it, so several runs with
    different ``--journal-path`` values never overwrite each other's trace.
    """
    journal = Path(os.path.abspath(journal_path))
    return str(journal.with_name(journal.stem + ".trace.jsonl"))


def _choice(source: _Source, name: str, accepted: tuple[str, ...], errors: list[str]) -> str | None:
    found = source.get(name)
    if found is None:
        return None
    key, value = found
    text = str(value).strip().lower()
    if text in accepted:
        return text
    errors.append(f"{key}={value!r} is not supported; accepted: {', '.join(accepted)}")
    return None


def _port(source: _Source, errors: list[str]) -> int | bool | None:
    """The port, None when unset, False when invalid (already reported)."""
    found = source.get("port")
    if found is None:
        return None
    key, value = found
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if isinstance(value, bool) or not 1 <= port <= 65535:
        errors.append(f"{key}={value!r} is not a port number; accepted: 1-65535")
        return False
    return port


def _headers(source: _Source, errors: list[str]) -> list[tuple[str, str]] | None:
    found = source.get("headers")
    if found is None:
        return None
    key, value = found
    if isinstance(value, Mapping):
        headers = [(str(k).strip(), str(v)) for k, v in value.items()]
        bad = [name for name, _ in headers if not name or any(c in name for c in " :\r\n")]
        if bad:
            errors.append(
                f"{key} has invalid header names {bad!r}; accepted: a mapping "
                "of header names to values, or 'name=value,name2=value2'"
            )
            return None
        return headers
    if isinstance(value, str):
        parsed, problems = _core.parse_headers(value)
        # The parser names header keys only, never their values (secrets).
        errors.extend(f"{key}: {problem}" for problem in problems)
        return parsed
    errors.append(
        f"{key} must be a mapping or 'name=value,name2=value2', not {type(value).__name__}"
    )
    return None


def _timeout_ms(source: _Source, errors: list[str]) -> int | None:
    found = source.get("timeout_ms")
    if found is None:
        return None
    key, value = found
    try:
        timeout = int(str(value).strip())
    except ValueError:
        timeout = -1
    if isinstance(value, bool) or timeout <= 0:
        errors.append(
            f"{key}={value!r} is not a timeout; accepted: a positive whole number of milliseconds"
        )
        return None
    return timeout


def resolve(
    arguments: Mapping[str, Any] | None,
    configuration: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None = None,
    journal_path: str = "journal.json",
) -> TracingConfig:
    """Merge every source into one :class:`TracingConfig`; never raises."""
    environ = os.environ if environ is None else environ
    config = TracingConfig()
    errors = config.errors
    arguments, configuration = _legacy.translate(arguments or {}, configuration or {}, errors)
    source = _Source(arguments, configuration)
    config.service_name = environ.get("OTEL_SERVICE_NAME", "").strip() or "chaostoolkit"
    config.path = config.default_path = default_trace_path(journal_path)

    env = _core.parse_otlp_env(dict(environ))
    env_errors: list[str] = list(env["errors"])
    env_names_endpoint = any(
        environ.get(name, "").strip()
        for name in ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    env_endpoint_broken = env_names_endpoint and "endpoint" not in env["from_env"]

    propagation = _choice(source, "propagation", PROPAGATIONS, errors)
    if propagation or environ.get("OTEL_PROPAGATORS", "").strip():
        # Imported only then: most runs keep the default formats (a module less to load).
        from chaostracing import propagation as _propagation

        if propagation:
            config.propagation = propagation
            config.propagators = _propagation.formats_for(propagation)
        else:
            config.propagators, problems = _propagation.from_otel_propagators(
                environ["OTEL_PROPAGATORS"]
            )
            errors.extend(problems)
    _legacy_header_names(arguments, configuration, config)
    _content_settings(source, config, environ)

    provider_given = source.get("provider") is not None
    provider = _choice(source, "provider", PROVIDERS, errors)
    if provider_given and provider is None:
        return _fallback(config)
    if provider is None:
        # No provider: OTLP when the standard variables name an endpoint,
        # otherwise the embedded default.
        provider = "otlp" if env_names_endpoint else "file"
    config.provider = provider
    config.embedded_default = not provider_given and provider == "file"

    if provider == "noop":
        return config
    if provider == "file":
        found = source.get("path")
        if found is not None:
            config.path = str(found[1])
            config.embedded_default = False
        return config

    if provider == "jaeger":
        return _resolve_jaeger(source, config)
    if provider == "zipkin":
        return _resolve_zipkin(source, config)

    # provider == "otlp": any problem with where or how to send falls back to
    # the embedded default, so a typo never loses the trace.
    exporter_errors_from = len(errors)
    errors.extend(env_errors)
    # The protocol first: it decides the endpoint's form (gRPC has no path).
    config.protocol = str(env["protocol"])
    protocol = _choice(source, "protocol", _PROTOCOLS, errors)
    if protocol:
        config.protocol = protocol
    grpc = config.protocol == "grpc"
    config.endpoint = str(env["grpc_endpoint"] if grpc else env["endpoint"])
    config.headers = list(env["headers"])
    config.compression = str(env["compression"])
    config.timeout_ms = int(env["timeout_ms"])
    config.certificate = str(env["certificate"])
    config.client_certificate = str(env["client_certificate"])
    config.client_key = str(env["client_key"])

    host = source.get("host")
    port = _port(source, errors)
    endpoint = source.get("endpoint")
    if endpoint is not None:
        config.endpoint = str(endpoint[1]).strip()
        problem = _core.validate_endpoint(config.endpoint)
        if problem:
            errors.append(f"{endpoint[0]}: {problem}")
    elif host is not None or port is not None:
        host_name = str(host[1]).strip() if host else "localhost"
        default_port = _DEFAULT_OTLP_GRPC_PORT if grpc else _DEFAULT_OTLP_PORT
        port_number = port if isinstance(port, int) and port else default_port
        config.endpoint = f"http://{host_name}:{port_number}" + ("" if grpc else "/v1/traces")
        problem = _core.validate_endpoint(config.endpoint)
        if problem and host is not None:
            errors.append(f"{host[0]}={host[1]!r} is not a host name: {problem}")

    headers = _headers(source, errors)
    if headers is not None:
        config.headers = headers
    compression = _choice(source, "compression", _COMPRESSIONS, errors)
    if compression:
        config.compression = compression
    timeout = _timeout_ms(source, errors)
    if timeout is not None:
        config.timeout_ms = timeout

    overridden = endpoint is not None or host is not None or port is not None
    if env_endpoint_broken and overridden:
        # The arguments replace the broken variable: it does not matter here.
        errors[:] = [e for e in errors if "ENDPOINT" not in e]
    if len(errors) > exporter_errors_from:
        return _fallback(config)
    if _core.validate_endpoint(config.endpoint) is not None:
        return _fallback(config)
    return config


def _legacy_header_names(
    arguments: Mapping[str, Any], configuration: Mapping[str, Any], config: TracingConfig
) -> None:
    id_name = arguments.get("id_name", configuration.get("tracing_id_name"))
    if id_name:
        config.header_renames["uber-trace-id"] = str(id_name)
    prefix = arguments.get("baggage_prefix", configuration.get("baggage_prefix"))
    if prefix:
        config.header_renames["uberctx-"] = str(prefix)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    return None


def _content_settings(source: _Source, config: TracingConfig, environ: Mapping[str, str]) -> None:
    """What spans say: value size, cicd attributes, the trace link template."""
    errors = config.errors
    found = source.get("max_value_bytes")
    if found is not None:
        key, value = found
        try:
            size = int(str(value).strip())
        except ValueError:
            size = 0
        if isinstance(value, bool) or size < 64:
            errors.append(f"{key}={value!r} is not a size; accepted: a whole number of bytes >= 64")
        else:
            config.max_value_bytes = size
    found = source.get("cicd_attributes")
    if found is not None:
        flag = _flag(found[1])
        if flag is None:
            errors.append(f"{found[0]}={found[1]!r} is not a flag; accepted: true, false")
        else:
            config.cicd_attributes = flag
    found = source.get("trace_url")
    template = str(found[1]) if found else environ.get("CHAOSTRACING_TRACE_URL", "")
    if template and "{trace_id}" not in template:
        key = found[0] if found else "CHAOSTRACING_TRACE_URL"
        errors.append(
            f"{key}={template!r} has no {{trace_id}}; accepted: a URL template such as "
            "'http://localhost:16686/trace/{trace_id}'"
        )
    else:
        config.trace_url = template


def _http_endpoint(source: _Source, errors: list[str], default_port: int, path: str) -> str:
    """``endpoint`` as given, else ``http://host:port`` + path from host/port."""
    endpoint = source.get("endpoint")
    if endpoint is not None:
        url = str(endpoint[1]).strip()
        problem = _core.validate_endpoint(url)
        if problem:
            errors.append(f"{endpoint[0]}: {problem}")
        return url
    host = source.get("host")
    port = _port(source, errors)
    host_name = str(host[1]).strip() if host else "localhost"
    url = f"http://{host_name}:{port if isinstance(port, int) and port else default_port}{path}"
    problem = _core.validate_endpoint(url)
    if problem and host is not None:
        errors.append(f"{host[0]}={host[1]!r} is not a host name: {problem}")
    return url


def _exporter_settings(
    source: _Source, config: TracingConfig, compressions: tuple[str, ...]
) -> None:
    """headers, compression and timeout_ms of the jaeger and zipkin providers.

    The ``OTEL_EXPORTER_OTLP_*`` variables are OTLP's and do not apply.
    """
    errors = config.errors
    headers = _headers(source, errors)
    if headers is not None:
        config.headers = headers
    compression = _choice(source, "compression", compressions, errors)
    config.compression = compression or "none"
    timeout = _timeout_ms(source, errors)
    if timeout is not None:
        config.timeout_ms = timeout


def _resolve_jaeger(source: _Source, config: TracingConfig) -> TracingConfig:
    """The agent over UDP (host/port, default localhost:6831), or with protocol
    http/thrift.binary (implied by an endpoint) a collector's /api/traces."""
    errors = config.errors
    errors_from = len(errors)
    protocol = _choice(source, "protocol", JAEGER_PROTOCOLS, errors)
    endpoint = source.get("endpoint")
    if protocol is None:
        protocol = "http/thrift.binary" if endpoint is not None else "udp/thrift.compact"
    config.protocol = protocol
    _exporter_settings(source, config, ("none",))
    if protocol == "http/thrift.binary":
        config.endpoint = _http_endpoint(source, errors, _DEFAULT_JAEGER_HTTP_PORT, "/api/traces")
    else:
        if endpoint is not None:
            errors.append(
                f"{endpoint[0]} is not used by protocol udp/thrift.compact (the Jaeger "
                "agent); accepted: host and port, or protocol http/thrift.binary"
            )
        host = source.get("host")
        port = _port(source, errors)
        config.host = str(host[1]).strip() if host else "localhost"
        config.port = port if isinstance(port, int) and port else _DEFAULT_JAEGER_AGENT_PORT
        shown_host = f"[{config.host}]" if ":" in config.host else config.host
        problem = _core.validate_endpoint(f"http://{shown_host}:{config.port}")
        if problem and host is not None:
            errors.append(f"{host[0]}={host[1]!r} is not a host name: {problem}")
        config.endpoint = f"udp://{shown_host}:{config.port}"
    return _fallback(config) if len(errors) > errors_from else config


def _resolve_zipkin(source: _Source, config: TracingConfig) -> TracingConfig:
    """Zipkin's v2 JSON API, default http://localhost:9411/api/v2/spans."""
    errors = config.errors
    errors_from = len(errors)
    config.protocol = _choice(source, "protocol", _ZIPKIN_PROTOCOLS, errors) or "http/json"
    _exporter_settings(source, config, _COMPRESSIONS)
    config.endpoint = _http_endpoint(source, errors, _DEFAULT_ZIPKIN_PORT, "/api/v2/spans")
    return _fallback(config) if len(errors) > errors_from else config


def _fallback(config: TracingConfig) -> TracingConfig:
    """Keep the reported errors but send spans to the embedded default file."""
    config.provider = "file"
    config.embedded_default = True
    config.path = config.default_path
    config.endpoint = ""
    config.headers = []
    return config
