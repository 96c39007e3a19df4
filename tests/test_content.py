"""What spans say of outputs and arguments (chaostracing.content), value by value."""

from __future__ import annotations

import enum
import json

import pytest

from chaostracing.content import TRUNCATED, Redactor, encode


class Level(enum.IntEnum):
    HIGH = 3


SCALARS = [0, -1, 2**70, True, False, None, 0.1, -0.0, 1e16, 1e-7, float("inf"), float("nan")]


@pytest.mark.parametrize("value", [*SCALARS, Level.HIGH], ids=repr)
def test_scalar_outputs_read_as_json_writes_them(value):
    assert encode(value, Redactor(), 4096) == json.dumps(value)


def test_structured_outputs_are_redacted_json():
    redactor = Redactor(["s3cr3t"])
    text = encode({"token": "x", "body": "the s3cr3t", "n": [1, 2.5]}, redactor, 4096)
    assert json.loads(text) == {"token": "[REDACTED]", "body": "the [REDACTED]", "n": [1, 2.5]}


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("Authorization", True),
        ("X-API-Key", True),
        ("api_key", True),
        ("APIKEY", True),
        ("Set-Cookie", True),
        ("refresh_token", True),
        ("DB_PASSWORD", True),
        ("passwd", True),
        ("client-secret", True),
        ("aws_credentials", True),
        ("SessionId", True),
        ("api key", False),
        ("host", False),
        ("timeout", False),
    ],
)
def test_keys_that_name_a_credential_are_redacted_in_any_case(name, sensitive):
    redacted = Redactor().structure({name: "value"})
    assert (redacted[name] == "[REDACTED]") is sensitive


def test_text_is_cut_at_the_byte_limit_on_a_character_boundary():
    assert encode("é" * 10, Redactor(), 5) == "éé" + TRUNCATED
    assert encode("é" * 2, Redactor(), 4) == "éé"
    assert encode(12345, Redactor(), 3) == "123" + TRUNCATED
