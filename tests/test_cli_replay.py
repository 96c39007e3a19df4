"""`chaos trace replay [SPOOL]`: sends what the spool holds, with a progress
bar, clear errors and exit codes (0 done or nothing to do, 1 spans left or a
spool that cannot be read, 2 usage)."""

from __future__ import annotations

from click.testing import CliRunner

from chaostracing import _core
from chaostracing.cli import trace
from support import closed_port, otlp_receiver, spool_for


def test_help_says_what_it_does():
    result = CliRunner().invoke(trace, ["replay", "--help"])
    assert result.exit_code == 0
    assert "kept in the spool" in result.output
    assert "OTEL_EXPORTER_OTLP_*" in result.output


def test_replays_everything_with_progress_then_the_spool_is_empty(spool_dir):
    with otlp_receiver() as receiver:
        ids = spool_for(spool_dir, f"http://127.0.0.1:{receiver.port}/v1/traces")
        result = CliRunner().invoke(trace, ["replay", str(spool_dir)])
        assert {s.span_id for s in receiver.spans()} == ids
    assert result.exit_code == 0, result.output
    assert "Replaying 2 spans" in result.output
    assert f"replayed 2 of 2 spans from {spool_dir}" in result.output
    assert _core.Spool(str(spool_dir)).stats()["records"] == 0
    again = CliRunner().invoke(trace, ["replay", str(spool_dir)])
    assert again.exit_code == 0
    assert "nothing to replay" in again.output


def test_the_default_spool_is_chaostracing_spool_dir(spool_dir):
    with otlp_receiver() as receiver:
        spool_for(spool_dir, f"http://127.0.0.1:{receiver.port}/v1/traces", batches=1)
        result = CliRunner().invoke(trace, ["replay"])
        assert len(receiver.spans()) == 1
    assert result.exit_code == 0, result.output


def test_list_shows_destinations_and_sends_nothing(spool_dir):
    endpoint = f"http://127.0.0.1:{closed_port()}/v1/traces"
    spool_for(spool_dir, endpoint, batches=3)
    result = CliRunner().invoke(trace, ["replay", "--list", str(spool_dir)])
    assert result.exit_code == 0
    assert f"3 spans  OTLP/HTTP {endpoint}" in result.output
    assert _core.Spool(str(spool_dir)).stats()["spans"] == 3


def test_a_backend_still_down_is_exit_1_and_keeps_the_spans(spool_dir):
    endpoint = f"http://127.0.0.1:{closed_port()}/v1/traces"
    spool_for(spool_dir, endpoint)
    result = CliRunner().invoke(
        trace, ["replay", str(spool_dir)], env={"OTEL_EXPORTER_OTLP_TIMEOUT": "300"}
    )
    assert result.exit_code == 1
    assert f"not delivered: OTLP/HTTP {endpoint}:" in result.output
    assert "2 spans are still in the spool" in result.output
    assert _core.Spool(str(spool_dir)).stats()["spans"] == 2


def test_a_missing_spool_given_explicitly_is_an_error(tmp_path):
    result = CliRunner().invoke(trace, ["replay", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert f"no spool at {tmp_path / 'nope'}" in result.output


def test_a_file_as_spool_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("")
    result = CliRunner().invoke(trace, ["replay", str(tmp_path / "file")])
    assert result.exit_code == 2
