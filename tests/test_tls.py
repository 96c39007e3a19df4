"""TLS: verification is on by default; a custom CA and client certificates come
through the standard OTEL_EXPORTER_OTLP_CERTIFICATE / CLIENT_CERTIFICATE /
CLIENT_KEY variables; header values never reach the log. The server is a
loopback HTTPS receiver (Python's ssl) with certificates made by the openssl
command line at test time."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

from chaostracing import _core, delivery
from support import chaos_run, load_experiment, spans_of, with_control

SECRET = "s3cr3t-token-value"


@dataclass
class Certificates:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    if shutil.which("openssl") is None:
        pytest.fail("the TLS tests need the openssl command line (Debian package openssl)")
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=chaostracing test CA", cwd=d)  # fmt: skip
    for name, extensions in (
        ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ):
        (d / f"{name}.ext").write_text(extensions)
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN=chaostracing test {name}", cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-out", f"{name}.pem",
                 "-extfile", f"{name}.ext", cwd=d)  # fmt: skip
    return Certificates(
        d / "ca.pem", d / "server.pem", d / "server.key", d / "client.pem", d / "client.key"
    )


class TlsReceiver:
    """OTLP/HTTP over TLS on loopback; decodes with opentelemetry-proto."""

    def __init__(self, certs: Certificates, require_client_cert: bool) -> None:
        self.span_ids: set[str] = set()
        self.headers: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ExportTraceServiceRequest.FromString(body)
                receiver.span_ids.update(s.span_id for s in spans_of(request))
                receiver.headers.append(dict(self.headers.items()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs.server_cert, certs.server_key)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(certs.ca)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/v1/traces"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def tls_receiver(
    certs: Certificates, *, require_client_cert: bool = False
) -> Iterator[TlsReceiver]:
    receiver = TlsReceiver(certs, require_client_cert)
    try:
        yield receiver
    finally:
        receiver.close()


def export_two_spans(exporter: _core.Exporter, spool_dir: Path) -> _core.Pipeline:
    pipeline = _core.Pipeline(exporter, export_timeout_ms=2000, spool=_core.Spool(str(spool_dir)))
    for name in ("a", "b"):
        pipeline.start_span(name).end()
    pipeline.shutdown(timeout_ms=5000)
    return pipeline


def test_verification_is_on_by_default_and_the_batch_is_kept(certs, spool_dir):
    with tls_receiver(certs) as receiver:
        pipeline = export_two_spans(
            _core.otlp_http_exporter(endpoint=receiver.url, headers=[("authorization", SECRET)]),
            spool_dir,
        )
        assert receiver.span_ids == set()
    stats = pipeline.stats()
    assert (stats["exported"], stats["spooled"]) == (0, 2)
    error = pipeline.last_error()
    assert "certificate" in error.lower() or "ssl" in error.lower(), error
    assert SECRET not in error


def test_a_custom_ca_from_otel_exporter_otlp_certificate_is_trusted(certs, spool_dir):
    with tls_receiver(certs) as receiver:
        env = _core.parse_otlp_env(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url.removesuffix("/v1/traces"),
                "OTEL_EXPORTER_OTLP_CERTIFICATE": str(certs.ca),
            }
        )
        assert env["certificate"] == str(certs.ca)
        exporter = _core.otlp_http_exporter(
            endpoint=env["endpoint"], certificate=env["certificate"]
        )
        pipeline = export_two_spans(exporter, spool_dir)
        assert len(receiver.span_ids) == 2
    assert pipeline.stats()["exported"] == 2


def test_client_certificates_are_presented_when_configured(certs, spool_dir):
    with tls_receiver(certs, require_client_cert=True) as receiver:
        without = export_two_spans(
            _core.otlp_http_exporter(endpoint=receiver.url, certificate=str(certs.ca)),
            spool_dir / "without",
        )
        assert without.stats()["exported"] == 0
        with_cert = export_two_spans(
            _core.otlp_http_exporter(
                endpoint=receiver.url,
                certificate=str(certs.ca),
                client_certificate=str(certs.client_cert),
                client_key=str(certs.client_key),
            ),
            spool_dir / "with",
        )
        assert with_cert.stats()["exported"] == 2
        assert len(receiver.span_ids) == 2


@pytest.mark.integration
def test_chaos_run_over_mutual_tls_from_the_otel_variables(certs, tmp_path, spool_dir):
    with tls_receiver(certs, require_client_cert=True) as receiver:
        env = {
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": receiver.url,
            "OTEL_EXPORTER_OTLP_CERTIFICATE": str(certs.ca),
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": str(certs.client_cert),
            "OTEL_EXPORTER_OTLP_CLIENT_KEY": str(certs.client_key),
            "OTEL_EXPORTER_OTLP_HEADERS": f"authorization={SECRET}",
        }
        experiment = load_experiment("long.json")
        experiment["method"] = experiment["method"][:1]  # quick: no 30 s sleep
        run = chaos_run(with_control(experiment), tmp_path, env=env)
        assert run.returncode == 0, run.output
    assert "delivery: " in run.log
    assert receiver.span_ids, run.log
    assert all(h.get("authorization") == SECRET for h in receiver.headers)
    assert SECRET not in run.log and SECRET not in run.output
    assert delivery.settings().spool_dir == str(spool_dir)
