"""Real tracing backends for the chaostracing integration tests.

Standard library only. Each backend runs as a subprocess bound to 127.0.0.1 on
free ports (or ports you pass), logs to a file in its work directory, and is
ready when ``start()`` returns: readiness is polled against a deadline, never
waited for with a fixed sleep.

    from testbed.backends import Collector

    with Collector(tmp_path) as col:
        send_otlp_json(col.otlp_traces_url, ...)
        spans = col.wait_for_spans(1, timeout=10)

The binaries come from ``testbed/install.sh`` through :func:`ensure_installed`,
which builds or fetches them once into the cache and raises ``RuntimeError``
with the installer's output when it cannot: a missing backend fails the test
run loudly, it is never skipped.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar, TypeVar

__all__ = [
    "HOST",
    "Collector",
    "Jaeger",
    "Toxiproxy",
    "Zipkin",
    "ensure_installed",
    "http_request",
]

HOST = "127.0.0.1"
TESTBED_DIR = Path(__file__).resolve().parent
INSTALL_SH = TESTBED_DIR / "install.sh"
COMPONENTS = ("collector", "jaeger", "zipkin", "toxiproxy")

# A first collector or Jaeger build takes minutes; a cached one well under 1 s.
INSTALL_TIMEOUT_S = float(os.environ.get("CHAOSTRACING_INSTALL_TIMEOUT", "3600"))

_B = TypeVar("_B", bound="_Backend")

# ----------------------------------------------------------------- install --

_installed: dict[str, Path] = {}
_install_lock = threading.Lock()


def ensure_installed(name: str) -> Path:
    """Install ``name`` (collector, jaeger, zipkin or toxiproxy) if needed; return its path.

    The path is the executable, or the exec jar for Zipkin. Runs ``install.sh``
    (fast when cached) once per process. Raises ``RuntimeError`` carrying the
    installer's output if the component cannot be had.
    """
    if name not in COMPONENTS:
        raise ValueError(f"unknown backend {name!r}; expected one of {COMPONENTS}")
    with _install_lock:
        if name in _installed:
            return _installed[name]
        cmd = ["bash", str(INSTALL_SH), name]
        try:
            proc = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"testbed: `{' '.join(cmd)}` did not finish in {INSTALL_TIMEOUT_S:.0f}"
                f" s\n--- stderr ---\n{_text(exc.stderr)}"
            ) from exc
        path: Path | None = None
        for line in proc.stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep and key == name:
                path = Path(value)
        if proc.returncode != 0 or path is None or not path.is_file():
            raise RuntimeError(
                f"testbed: could not install {name!r}: `{' '.join(cmd)}` exited"
                f" {proc.returncode}\n--- stdout ---\n{proc.stdout}"
                f"--- stderr ---\n{proc.stderr}"
            )
        _installed[name] = path
        return path


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


# -------------------------------------------------------------------- http --

# Loopback only: never route through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_request(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    """Send one HTTP request; return (status, body) for any HTTP status.

    Connection errors (``OSError``, including ``urllib.error.URLError``) are
    raised to the caller.
    """
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), err.read()


def _http_ok(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> bool:
    try:
        status, _ = http_request(method, url, body, headers, timeout=2.0)
    except OSError:
        return False
    return 200 <= status < 300


def _get_json(url: str) -> Any:
    """GET ``url``; the decoded JSON for 2xx, None for 404, else an error."""
    status, body = http_request("GET", url, headers={"Accept": "application/json"})
    if status == 404:
        return None
    if not 200 <= status < 300:
        raise RuntimeError(f"GET {url} -> HTTP {status}: {body[:500]!r}")
    return json.loads(body)


def _poll(
    condition: Callable[[], bool],
    timeout: float,
    *,
    interval: float = 0.05,
    max_interval: float = 0.25,
) -> bool:
    """Call ``condition`` until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))
        interval = min(interval * 1.5, max_interval)


# ------------------------------------------------------------------- ports --


def free_ports(tcp: int = 0, udp: int = 0) -> tuple[list[int], list[int]]:
    """Pick distinct free loopback ports: ``tcp`` TCP ones and ``udp`` UDP ones.

    All sockets stay bound until every port is chosen, so the ports differ from
    one another; another process can still take one before the backend binds
    it, which ``start()`` handles by retrying with new ports.
    """
    held: list[socket.socket] = []
    tcp_ports: list[int] = []
    udp_ports: list[int] = []
    try:
        for kind, count, out in (
            (socket.SOCK_STREAM, tcp, tcp_ports),
            (socket.SOCK_DGRAM, udp, udp_ports),
        ):
            while len(out) < count:
                sock = socket.socket(socket.AF_INET, kind)
                held.append(sock)
                sock.bind((HOST, 0))
                port = int(sock.getsockname()[1])
                if port not in tcp_ports and port not in udp_ports:
                    out.append(port)
    finally:
        for sock in held:
            sock.close()
    return tcp_ports, udp_ports


_BIND_ERRORS = ("address already in use", "bindexception", "failed to bind")

# --------------------------------------------------------------- processes --

# Strong references: a backend nobody stopped is still stopped at exit.
_running: set[_Backend] = set()


@atexit.register
def _stop_leftovers() -> None:
    for backend in list(_running):
        backend.stop()


class BackendError(RuntimeError):
    """A backend did not start, or exited, or did not answer as expected."""


class _Backend:
    """A subprocess on loopback ports with a log file and a readiness poll."""

    name: ClassVar[str]
    tcp_port_names: ClassVar[tuple[str, ...]] = ()
    udp_port_names: ClassVar[tuple[str, ...]] = ()
    start_timeout: ClassVar[float] = 60.0

    def __init__(
        self,
        workdir: Path,
        *,
        ports: Mapping[str, int] | None = None,
        binary: Path | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.log_path = self.workdir / f"{self.name}.log"
        known = set(self.tcp_port_names) | set(self.udp_port_names)
        unknown = set(ports or {}) - known
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown port names {sorted(unknown)};"
                f" known: {sorted(known)}"
            )
        self._fixed_ports = dict(ports or {})
        self._binary = binary
        self.ports: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._log_offset = 0  # where this run's output starts in the log file

    # -- to override --------------------------------------------------------

    def _prepare(self) -> list[str]:
        """Write config files for ``self.ports``; return the command line."""
        raise NotImplementedError

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def _is_ready(self) -> bool:
        raise NotImplementedError

    # -- lifecycle ----------------------------------------------------------

    @property
    def binary(self) -> Path:
        if self._binary is None:
            self._binary = ensure_installed(self.name)
        return self._binary

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self: _B, timeout: float | None = None) -> _B:
        """Start the backend and return once it answers; raise if it cannot."""
        if self._proc is not None:
            raise BackendError(f"{self.name}: already started")
        timeout = self.start_timeout if timeout is None else timeout
        self.workdir.mkdir(parents=True, exist_ok=True)
        _ = self.binary  # install first: its time is not part of the deadline
        attempts = 1 if self._fixed_ports.keys() >= self._all_port_names() else 3
        for attempt in range(1, attempts + 1):
            self._pick_ports()
            cmd = self._prepare()
            self._launch(cmd)
            try:
                self._wait_ready(timeout)
            except BackendError:
                log = self.log_text()
                self.stop()
                bind_error = any(e in log.lower() for e in _BIND_ERRORS)
                if attempt < attempts and bind_error:
                    continue
                raise
            except BaseException:  # e.g. KeyboardInterrupt: leave nothing running
                self.stop()
                raise
            return self
        raise AssertionError("unreachable")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process (SIGTERM, then SIGKILL); safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _running.discard(self)
            if proc.poll() is None:
                self._signal(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._signal(proc, signal.SIGKILL)
                    proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self: _B) -> _B:
        if self._proc is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_text(self, tail: int | None = None) -> str:
        """This run's log (stdout and stderr), or its last ``tail`` lines.

        The file keeps earlier runs in the same work directory too.
        """
        try:
            with self.log_path.open("rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-tail:]) if tail else text

    # -- internals ----------------------------------------------------------

    def _all_port_names(self) -> set[str]:
        return set(self.tcp_port_names) | set(self.udp_port_names)

    def _pick_ports(self) -> None:
        tcp_needed = [n for n in self.tcp_port_names if n not in self._fixed_ports]
        udp_needed = [n for n in self.udp_port_names if n not in self._fixed_ports]
        tcp, udp = free_ports(len(tcp_needed), len(udp_needed))
        self.ports = {
            **dict(zip(tcp_needed, tcp, strict=True)),
            **dict(zip(udp_needed, udp, strict=True)),
            **self._fixed_ports,
        }

    def _port(self, name: str) -> int:
        try:
            return self.ports[name]
        except KeyError:
            raise BackendError(f"{self.name}: not started (no {name} port)") from None

    def _url(self, port_name: str, path: str = "") -> str:
        return f"http://{HOST}:{self._port(port_name)}{path}"

    def _launch(self, cmd: list[str]) -> None:
        log_file = self._log_file = self.log_path.open("ab")
        self._log_offset = log_file.tell()
        log_file.write(f"### testbed: {' '.join(cmd)}\n".encode())
        log_file.flush()
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.workdir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() reaches children
        )
        _running.add(self)

    def _wait_ready(self, timeout: float) -> None:
        proc = self._proc
        assert proc is not None
        exited = False

        def check() -> bool:
            nonlocal exited
            if proc.poll() is not None:
                exited = True
                return True
            return self._is_ready()

        ok = _poll(check, timeout)
        if exited:
            raise BackendError(
                f"{self.name}: exited with status {proc.returncode} before it was"
                f" ready; log {self.log_path}:\n{self.log_text(tail=40)}"
            )
        if not ok:
            raise BackendError(
                f"{self.name}: not ready after {timeout:.0f} s (ports {self.ports});"
                f" log {self.log_path}:\n{self.log_text(tail=40)}"
            )

    @staticmethod
    def _signal(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def _failure(self, message: str) -> str:
        return f"{self.name}: {message}; log {self.log_path}:\n{self.log_text(tail=30)}"


def _render(template: Path, values: Mapping[str, object]) -> str:
    return string.Template(template.read_text()).substitute({k: str(v) for k, v in values.items()})


_OTLP_JSON = {"Content-Type": "application/json"}


# --------------------------------------------------------------- collector --


class _Receiver(_Backend):
    """The ingest ports and URLs a Collector and Jaeger both offer."""

    tcp_port_names: ClassVar[tuple[str, ...]] = (
        "otlp_grpc",
        "otlp_http",
        "jaeger_grpc",
        "jaeger_thrift_http",
        "zipkin",
    )
    udp_port_names: ClassVar[tuple[str, ...]] = ("jaeger_compact_udp", "jaeger_binary_udp")

    # ports
    @property
    def otlp_grpc_port(self) -> int:
        return self._port("otlp_grpc")

    @property
    def otlp_http_port(self) -> int:
        return self._port("otlp_http")

    @property
    def jaeger_grpc_port(self) -> int:
        return self._port("jaeger_grpc")

    @property
    def jaeger_thrift_http_port(self) -> int:
        return self._port("jaeger_thrift_http")

    @property
    def jaeger_compact_udp_port(self) -> int:
        return self._port("jaeger_compact_udp")

    @property
    def jaeger_binary_udp_port(self) -> int:
        return self._port("jaeger_binary_udp")

    @property
    def zipkin_port(self) -> int:
        return self._port("zipkin")

    # endpoints
    @property
    def otlp_http_endpoint(self) -> str:
        """Base URL for OTLP/HTTP exporters (``…/v1/traces`` is appended)."""
        return self._url("otlp_http")

    @property
    def otlp_traces_url(self) -> str:
        return self._url("otlp_http", "/v1/traces")

    @property
    def otlp_grpc_endpoint(self) -> str:
        """``host:port`` for OTLP/gRPC exporters (plaintext)."""
        return f"{HOST}:{self.otlp_grpc_port}"

    @property
    def jaeger_grpc_endpoint(self) -> str:
        return f"{HOST}:{self.jaeger_grpc_port}"

    @property
    def jaeger_thrift_http_url(self) -> str:
        return self._url("jaeger_thrift_http", "/api/traces")

    @property
    def zipkin_spans_url(self) -> str:
        return self._url("zipkin", "/api/v2/spans")


class Collector(_Receiver):
    """OpenTelemetry Collector (OCB build) writing every span to a JSON file.

    Receivers: OTLP gRPC and HTTP, Jaeger gRPC / thrift_http / thrift_compact
    (UDP) / thrift_binary (UDP), Zipkin. Exporters: file (OTLP/JSON lines,
    flushed every 100 ms) and debug (to the log).
    """

    name = "collector"
    start_timeout = 30.0
    config_template = TESTBED_DIR / "collector" / "config.yaml.tmpl"

    def __init__(
        self,
        workdir: Path,
        *,
        ports: Mapping[str, int] | None = None,
        binary: Path | None = None,
        spans_file: Path | None = None,
        debug_verbosity: str = "basic",
    ) -> None:
        super().__init__(workdir, ports=ports, binary=binary)
        self.spans_file = Path(spans_file or self.workdir / "spans.jsonl")
        self.config_path = self.workdir / "collector.yaml"
        self.debug_verbosity = debug_verbosity

    def _prepare(self) -> list[str]:
        self.spans_file.parent.mkdir(parents=True, exist_ok=True)
        values: dict[str, object] = {
            "HOST": HOST,
            "SPANS_FILE": json.dumps(str(self.spans_file)),  # a quoted YAML scalar
            "DEBUG_VERBOSITY": self.debug_verbosity,
        }
        values.update({f"{k.upper()}_PORT": v for k, v in self.ports.items()})
        self.config_path.write_text(_render(self.config_template, values))
        return [str(self.binary), f"--config={self.config_path}"]

    def _is_ready(self) -> bool:
        # All pipelines and receivers are started once this line is logged;
        # the empty request proves the OTLP/HTTP listener answers.
        if "Everything is ready" not in self.log_text():
            return False
        return _http_ok("POST", self.otlp_traces_url, b"{}", _OTLP_JSON)

    # received data
    def received_traces_data(self) -> list[dict[str, Any]]:
        """Every complete line of the file exporter's output, JSON-decoded.

        Each item is one OTLP/JSON ``TracesData`` object (``{"resourceSpans":
        [...]}``) as written for one received request: ids are hex strings,
        64-bit integers are decimal strings, enums are integers.
        """
        try:
            data = self.spans_file.read_bytes()
        except FileNotFoundError:
            return []
        complete, _, _partial = data.rpartition(b"\n")  # a line may be half-written
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def received_spans(self) -> list[dict[str, Any]]:
        """The raw OTLP/JSON span objects received so far, in file order.

        Their resource and scope are in :meth:`received_traces_data`.
        """
        return [
            span
            for td in self.received_traces_data()
            for rs in td.get("resourceSpans", [])
            for ss in rs.get("scopeSpans", [])
            for span in ss.get("spans", [])
        ]

    def wait_for_spans(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Poll until at least ``count`` spans were received; return them all."""
        spans: list[dict[str, Any]] = []

        def enough() -> bool:
            nonlocal spans
            spans = self.received_spans()
            return len(spans) >= count

        if not _poll(enough, timeout):
            raise TimeoutError(
                self._failure(
                    f"{len(spans)} span(s) in {self.spans_file} after {timeout} s,"
                    f" expected at least {count}"
                )
            )
        return spans


# ------------------------------------------------------------------ jaeger --


class Jaeger(_Receiver):
    """Jaeger (v2, or the v1 all-in-one fallback) with in-memory storage.

    Ingest: OTLP gRPC/HTTP, Jaeger gRPC / thrift_http / UDP compact+binary,
    Zipkin. Query: HTTP API on ``query_http_port`` (``/api/traces/{id}``).
    """

    name = "jaeger"
    tcp_port_names = (*_Receiver.tcp_port_names, "query_http", "query_grpc")
    start_timeout = 60.0
    config_template = TESTBED_DIR / "jaeger" / "config.yaml.tmpl"

    def __init__(
        self,
        workdir: Path,
        *,
        ports: Mapping[str, int] | None = None,
        binary: Path | None = None,
    ) -> None:
        super().__init__(workdir, ports=ports, binary=binary)
        self.config_path = self.workdir / "jaeger.yaml"

    @property
    def is_v1(self) -> bool:
        """True when the installed binary is the v1 all-in-one fallback."""
        return self.binary.name == "all-in-one"

    @property
    def query_http_port(self) -> int:
        return self._port("query_http")

    @property
    def query_url(self) -> str:
        """Base URL of the query service (``/api/traces``, ``/api/services``)."""
        return self._url("query_http")

    def _prepare(self) -> list[str]:
        p = self.ports
        if self.is_v1:
            hp = f"{HOST}:{{}}".format
            return [
                str(self.binary),
                f"--collector.otlp.grpc.host-port={hp(p['otlp_grpc'])}",
                f"--collector.otlp.http.host-port={hp(p['otlp_http'])}",
                f"--collector.grpc-server.host-port={hp(p['jaeger_grpc'])}",
                f"--collector.http-server.host-port={hp(p['jaeger_thrift_http'])}",
                f"--collector.zipkin.host-port={hp(p['zipkin'])}",
                f"--processor.jaeger-compact.server-host-port={hp(p['jaeger_compact_udp'])}",
                f"--processor.jaeger-binary.server-host-port={hp(p['jaeger_binary_udp'])}",
                f"--query.http-server.host-port={hp(p['query_http'])}",
                f"--query.grpc-server.host-port={hp(p['query_grpc'])}",
                # v1 extras that would otherwise take fixed ports on all interfaces
                f"--admin.http.host-port={HOST}:0",
                f"--http-server.host-port={HOST}:0",
                f"--processor.zipkin-compact.server-host-port={HOST}:0",
            ]
        values: dict[str, object] = {"HOST": HOST}
        values.update({f"{k.upper()}_PORT": v for k, v in p.items()})
        self.config_path.write_text(_render(self.config_template, values))
        return [str(self.binary), f"--config={self.config_path}"]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.is_v1:
            env["SPAN_STORAGE_TYPE"] = "memory"
        # Jaeger traces itself over OTLP/gRPC to localhost:4317 by default, and
        # its shutdown then blocks flushing to whatever is (not) there. No
        # self-spans, and any connection goes to its own receiver.
        env["OTEL_TRACES_SAMPLER"] = "always_off"
        env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = f"http://{HOST}:{self.ports['otlp_grpc']}"
        return env

    def _is_ready(self) -> bool:
        # v2 is a collector: its receivers (the UDP ones too) are all listening
        # once it logs "Everything is ready". v1 starts its query server last.
        if not self.is_v1 and "Everything is ready" not in self.log_text():
            return False
        return _http_ok("GET", self._url("query_http", "/api/services")) and _http_ok(
            "POST", self.otlp_traces_url, b"{}", _OTLP_JSON
        )

    def get_trace(self, trace_id_hex: str) -> dict[str, Any] | None:
        """``GET /api/traces/{id}``: the trace object, or None if not (yet) stored.

        The object is Jaeger's JSON model: ``{"traceID", "spans": [{"spanID",
        "operationName", "references", "startTime" (µs), "duration", "tags",
        "logs", "processID"}], "processes": {...}}``.
        """
        doc = _get_json(self._url("query_http", f"/api/traces/{trace_id_hex.lower()}"))
        if not doc or not doc.get("data"):
            return None
        trace: dict[str, Any] = doc["data"][0]
        return trace

    def wait_for_trace(
        self, trace_id_hex: str, min_spans: int = 1, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Poll :meth:`get_trace` until it has ``min_spans`` spans."""
        found: dict[str, Any] | None = None

        def ready() -> bool:
            nonlocal found
            found = self.get_trace(trace_id_hex)
            return found is not None and len(found.get("spans", [])) >= min_spans

        if not _poll(ready, timeout, max_interval=0.5):
            got = len(found.get("spans", [])) if found else 0
            raise TimeoutError(
                self._failure(
                    f"trace {trace_id_hex} has {got} span(s) after {timeout} s,"
                    f" expected at least {min_spans}"
                )
            )
        assert found is not None
        return found


# ------------------------------------------------------------------ zipkin --


class Zipkin(_Backend):
    """Zipkin server (exec jar, in-memory storage) on one loopback port."""

    name = "zipkin"
    tcp_port_names = ("http",)
    start_timeout = 120.0  # JVM start-up; about 5-10 s when the machine is idle

    def __init__(
        self,
        workdir: Path,
        *,
        ports: Mapping[str, int] | None = None,
        binary: Path | None = None,
        java: str | None = None,
        jvm_options: tuple[str, ...] = (
            "-Xms64m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
        ),
    ) -> None:
        super().__init__(workdir, ports=ports, binary=binary)
        self.java = java or _find_java()
        self.jvm_options = jvm_options

    @property
    def port(self) -> int:
        return self._port("http")

    @property
    def base_url(self) -> str:
        return self._url("http")

    @property
    def spans_url(self) -> str:
        """Where reporters POST spans (v2 JSON or proto3 ``ListOfSpans``)."""
        return self._url("http", "/api/v2/spans")

    def _prepare(self) -> list[str]:
        port = self.port
        return [
            self.java,
            *self.jvm_options,
            "-jar",
            str(self.binary),
            # Spring Boot replaces a whole list when one source sets it, so every
            # field of the single Armeria port is given here.
            f"--armeria.ports[0].ip={HOST}",
            f"--armeria.ports[0].port={port}",
            "--armeria.ports[0].protocols[0]=http",
        ]

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            STORAGE_TYPE="mem",
            QUERY_PORT=str(self.port),
            SELF_TRACING_ENABLED="false",
            SEARCH_ENABLED="true",
        )
        return env

    def _is_ready(self) -> bool:
        return _http_ok("GET", self._url("http", "/health"))

    def get_trace(self, trace_id_hex: str) -> list[dict[str, Any]] | None:
        """``GET /api/v2/trace/{id}``: the list of v2 spans, or None on 404.

        Zipkin lower-cases span names and service names, and shortens a 128-bit
        trace id whose upper half is zero to 16 hex characters.
        """
        spans = _get_json(self._url("http", f"/api/v2/trace/{trace_id_hex.lower()}"))
        if spans is None:
            return None
        result: list[dict[str, Any]] = spans
        return result

    def wait_for_trace(
        self, trace_id_hex: str, min_spans: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Poll :meth:`get_trace` until it has ``min_spans`` spans."""
        found: list[dict[str, Any]] = []

        def ready() -> bool:
            nonlocal found
            found = self.get_trace(trace_id_hex) or []
            return len(found) >= min_spans

        if not _poll(ready, timeout, max_interval=0.5):
            raise TimeoutError(
                self._failure(
                    f"trace {trace_id_hex} has {len(found)} span(s) after"
                    f" {timeout} s, expected at least {min_spans}"
                )
            )
        return found


# --------------------------------------------------------------- toxiproxy --


class Toxiproxy(_Backend):
    """Shopify's toxiproxy: TCP proxies on loopback whose faults (latency,
    timeouts, refused connections) are set through its HTTP API.

        with Toxiproxy(tmp) as toxi:
            port = toxi.create_proxy("otlp", upstream=f"127.0.0.1:{col.otlp_http_port}")
            toxi.add_toxic("otlp", "latency", {"latency": 2000})
    """

    name = "toxiproxy"
    tcp_port_names = ("api",)
    start_timeout = 30.0

    @property
    def api_url(self) -> str:
        return self._url("api")

    def _prepare(self) -> list[str]:
        return [str(self.binary), "-host", HOST, "-port", str(self.ports["api"])]

    def _is_ready(self) -> bool:
        return _http_ok("GET", self._url("api", "/version"))

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        status, reply = http_request(
            method, self._url("api", path), data, {"Content-Type": "application/json"}
        )
        if not 200 <= status < 300:
            raise BackendError(self._failure(f"{method} {path} -> HTTP {status}: {reply[:300]!r}"))
        return json.loads(reply) if reply.strip() else None

    def create_proxy(self, name: str, upstream: str, listen_port: int | None = None) -> int:
        """A proxy from ``127.0.0.1:<port>`` to ``upstream`` (``host:port``); its port."""
        port = listen_port or free_ports(tcp=1)[0][0]
        self._call(
            "POST",
            "/proxies",
            {"name": name, "listen": f"{HOST}:{port}", "upstream": upstream, "enabled": True},
        )
        return port

    def add_toxic(
        self,
        proxy: str,
        kind: str,
        attributes: Mapping[str, Any],
        *,
        name: str | None = None,
        stream: str = "downstream",
        toxicity: float = 1.0,
    ) -> str:
        """Add a toxic (``latency``, ``timeout``, ``reset_peer``...); returns its name."""
        toxic = name or f"{kind}_{stream}"
        self._call(
            "POST",
            f"/proxies/{proxy}/toxics",
            {
                "name": toxic,
                "type": kind,
                "stream": stream,
                "toxicity": toxicity,
                "attributes": dict(attributes),
            },
        )
        return toxic

    def remove_toxic(self, proxy: str, toxic: str) -> None:
        self._call("DELETE", f"/proxies/{proxy}/toxics/{toxic}")

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        """A disabled proxy refuses connections (and cuts the open ones)."""
        self._call("POST", f"/proxies/{proxy}", {"enabled": enabled})


def _find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("testbed: Zipkin needs `java` (17+) on PATH or JAVA_HOME")
    return java


@contextlib.contextmanager
def running(backend: _B, timeout: float | None = None) -> Iterator[_B]:
    """``with running(Collector(tmp)) as col:`` with an explicit start timeout."""
    backend.start(timeout)
    try:
        yield backend
    finally:
        backend.stop()
