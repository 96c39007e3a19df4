"""OTLP/gRPC export of chaostracing (private API).

A module of its own so that only runs exporting over gRPC load gRPC's shared
libraries. The exporters it makes are ``chaostracing._core.Exporter`` objects.
"""

from collections.abc import Sequence

from chaostracing._core import Exporter

def otlp_grpc_exporter(
    *,
    endpoint: str,
    headers: Sequence[tuple[str, str]] = [],
    compression: str = "none",
    timeout_ms: int = 10000,
    certificate: str = "",
    client_certificate: str = "",
    client_key: str = "",
) -> Exporter:
    """OTLP over gRPC (TraceService/Export): http:// is plaintext, https:// is TLS.

    Headers become gRPC metadata with lower-cased keys; each call's deadline is
    timeout_ms.

    Raises:
        ValueError: bad endpoint, header (gRPC metadata is printable ASCII unless the
            key ends in "-bin"; "grpc-" keys are reserved), compression ("none" |
            "gzip"), timeout_ms (must be > 0), or an unreadable certificate or key
            file. The message is one line and never contains header values.
    """
