"""The raw propagation binding, chaostracing._core: W3C tracecontext and baggage,
B3 and Jaeger headers in and out. Header input is untrusted, so malformed input
must extract as None (or skip a member), never raise."""

from __future__ import annotations

import email.message

import pytest

from chaostracing import _core

TRACE_HEX = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_HEX = "00f067aa0ba902b7"
TRACE_ID = bytes.fromhex(TRACE_HEX)
SPAN_ID = int(SPAN_HEX, 16)
TRACEPARENT = f"00-{TRACE_HEX}-{SPAN_HEX}-01"
SAMPLED, RANDOM, DEBUG = 0x01, 0x02, 0x80
FORMATS = ["tracecontext", "baggage", "b3", "b3multi", "jaeger"]


# -- W3C Trace Context ------------------------------------------------------------


@pytest.mark.parametrize(
    ("traceparent", "flags"),
    [
        (TRACEPARENT, SAMPLED),
        (f"00-{TRACE_HEX}-{SPAN_HEX}-00", 0),
        (f"00-{TRACE_HEX}-{SPAN_HEX}-03", SAMPLED | RANDOM),
        (f"00-{TRACE_HEX}-{SPAN_HEX}-ff", SAMPLED | RANDOM),  # reserved bits cleared
        (f" \t{TRACEPARENT}\t ", SAMPLED),
        (f"cc-{TRACE_HEX}-{SPAN_HEX}-01", SAMPLED),  # a future version
        (f"cc-{TRACE_HEX}-{SPAN_HEX}-01-what-the-future-will-be-like", SAMPLED),
    ],
)
def test_traceparent_spec_examples_extract(traceparent, flags):
    found = _core.extract_context(["tracecontext"], {"traceparent": traceparent})
    assert found == (TRACE_ID, SPAN_ID, flags, "")


@pytest.mark.parametrize(
    "traceparent",
    [
        "",
        f"ff-{TRACE_HEX}-{SPAN_HEX}-01",
        f".0-{TRACE_HEX}-{SPAN_HEX}-01",
        f"000-{TRACE_HEX}-{SPAN_HEX}-01",
        f"00-{TRACE_HEX}-{SPAN_HEX}-01.",
        f"00-{TRACE_HEX}-{SPAN_HEX}-01-what-the-future-will-be-like",
        f"cc-{TRACE_HEX}-{SPAN_HEX}-01.what-the-future-will-be-like",
        f"00-{'0' * 32}-{SPAN_HEX}-01",
        f"00-{TRACE_HEX}-{'0' * 16}-01",
        f"00-{TRACE_HEX.upper()}-{SPAN_HEX}-01",
        f"00-{TRACE_HEX}1-{SPAN_HEX}-01",
        f"00-{TRACE_HEX}-{SPAN_HEX[:-1]}-01",
        f"00-{TRACE_HEX}-{SPAN_HEX}-1",
        f"00-{TRACE_HEX}-{SPAN_HEX}-0x",
        "\x00" * 55,
        "☃" * 55,
    ],
)
def test_invalid_traceparent_extracts_nothing(traceparent):
    assert _core.extract_context(["tracecontext"], {"traceparent": traceparent}) is None


def test_header_names_match_in_any_case():
    for name in ("traceparent", "TraceParent", "TRACEPARENT", "tRaCePaReNt"):
        found = _core.extract_context(["tracecontext"], {name: TRACEPARENT, "TraceState": "a=1"})
        assert found == (TRACE_ID, SPAN_ID, SAMPLED, "a=1")
    assert _core.extract_context(["tracecontext"], {"trace-parent": TRACEPARENT}) is None


def test_tracestate_is_kept_normalized_or_dropped_whole():
    def state(value: str) -> str | None:
        found = _core.extract_context(
            ["tracecontext"], {"traceparent": TRACEPARENT, "tracestate": value}
        )
        assert found is not None, "a bad tracestate never costs the traceparent"
        return found[3]

    assert state("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") == (
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    )
    assert state("foo=1 \t , \t bar=2,,") == "foo=1,bar=2"
    assert state("t@v=1,0t@vendor=x") == "t@v=1,0t@vendor=x"
    assert state("") == ""
    # The W3C test suite discards the whole tracestate for any of these.
    for bad in ("foo=1,foo=2", "FOO=1", "foo@=1,bar=2", "foo=bar=baz", "foo=,bar=3"):
        assert state(bad) == "", bad
    assert state(",".join(f"k{i}=v" for i in range(33))) == ""
    assert state(",".join(f"k{i}=v" for i in range(32))).count(",") == 31
    # Over 512 characters: whole entries go, long (>128) ones first.
    long_entry = "big=" + "x" * 200
    kept = state(",".join([long_entry] + [f"k{i}={'v' * 20}" for i in range(14)]))
    assert not kept.startswith("big=")
    assert kept.count(",") == 13


def test_several_header_lines_are_combined_or_refused():
    message = email.message.Message()
    message["traceparent"] = TRACEPARENT
    message["tracestate"] = "foo=1"
    message["TraceState"] = "bar=2"
    assert _core.extract_context(["tracecontext"], message) == (
        TRACE_ID,
        SPAN_ID,
        SAMPLED,
        "foo=1,bar=2",
    )
    # Two traceparent lines: which one is meant is unknown, so neither is used.
    message["TRACEPARENT"] = TRACEPARENT
    assert _core.extract_context(["tracecontext"], message) is None


# -- B3 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "trace_hex", "span_hex", "flags"),
    [
        (
            {"b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"},
            "80f198ee56343ba864fe8b2a57d3eff7",
            "e457b5a2e4d86bd1",
            SAMPLED,
        ),
        (
            {"B3": "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-d"},
            "80f198ee56343ba864fe8b2a57d3eff7",
            "05e3ac9a4f6e3b90",
            SAMPLED | DEBUG,
        ),
        (
            {"b3": "64fe8b2a57d3eff7-05e3ac9a4f6e3b90-0"},
            "000000000000000064fe8b2a57d3eff7",
            "05e3ac9a4f6e3b90",
            0,
        ),
        (
            {
                "X-B3-TraceId": "463ac35c9f6413ad48485a3953bb6124",
                "X-B3-SpanId": "a2fb4a1d1a96d312",
                "X-B3-Sampled": "1",
                "X-B3-ParentSpanId": "0020000000000001",
            },
            "463ac35c9f6413ad48485a3953bb6124",
            "a2fb4a1d1a96d312",
            SAMPLED,
        ),
        (
            {"x-b3-traceid": "48485a3953bb6124", "x-b3-spanid": "a2fb4a1d1a96d312"},
            "000000000000000048485a3953bb6124",
            "a2fb4a1d1a96d312",
            0,
        ),
        (
            {
                "X-B3-TraceId": "48485a3953bb6124",
                "X-B3-SpanId": "a2fb4a1d1a96d312",
                "X-B3-Flags": "1",
            },
            "000000000000000048485a3953bb6124",
            "a2fb4a1d1a96d312",
            SAMPLED | DEBUG,
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["b3", "b3multi"])
def test_b3_examples_extract(fmt, headers, trace_hex, span_hex, flags):
    found = _core.extract_context([fmt], headers)
    assert found == (bytes.fromhex(trace_hex), int(span_hex, 16), flags, "")


def test_b3_single_header_wins_unless_malformed():
    multi = {
        "X-B3-TraceId": "463ac35c9f6413ad48485a3953bb6124",
        "X-B3-SpanId": "a2fb4a1d1a96d312",
        "X-B3-Sampled": "1",
    }
    single = {"b3": f"{TRACE_HEX}-{SPAN_HEX}-0"}
    assert _core.extract_context(["b3"], {**multi, **single}) == (TRACE_ID, SPAN_ID, 0, "")
    found = _core.extract_context(["b3"], {**multi, "b3": "garbage"})
    assert found is not None
    assert found[0] == bytes.fromhex("463ac35c9f6413ad48485a3953bb6124")
    # A well-formed deny-only header wins and carries no context.
    assert _core.extract_context(["b3"], {**multi, "b3": "0"}) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"b3": "0"},
        {"b3": "d"},
        {"b3": f"{TRACE_HEX.upper()}-{SPAN_HEX}-1"},
        {"b3": f"{TRACE_HEX}-{SPAN_HEX}-2"},
        {"b3": f"{TRACE_HEX[:-1]}-{SPAN_HEX}-1"},
        {"b3": f"{'0' * 32}-{SPAN_HEX}-1"},
        {"X-B3-TraceId": TRACE_HEX},
        {"X-B3-TraceId": TRACE_HEX, "X-B3-SpanId": SPAN_HEX, "X-B3-Sampled": "yes"},
        {"X-B3-Sampled": "0"},
    ],
)
def test_malformed_b3_extracts_nothing(headers):
    assert _core.extract_context(["b3", "b3multi"], headers) is None


# -- Jaeger --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "trace_hex", "span_hex", "flags"),
    [
        (f"{TRACE_HEX}:{SPAN_HEX}:0:1", TRACE_HEX, SPAN_HEX, SAMPLED),
        (f"{TRACE_HEX}%3A{SPAN_HEX}%3A0%3A1", TRACE_HEX, SPAN_HEX, SAMPLED),
        ("a3ce929d0e0e4736:f067aa0ba902b7:0:3", "0" * 16 + "a3ce929d0e0e4736", SPAN_HEX, 0x81),
        ("1:2:0:0", "0" * 31 + "1", "0" * 15 + "2", 0),
    ],
)
def test_jaeger_examples_extract(value, trace_hex, span_hex, flags):
    found = _core.extract_context(["jaeger"], {"Uber-Trace-Id": value})
    assert found == (bytes.fromhex(trace_hex), int(span_hex, 16), flags, "")


@pytest.mark.parametrize("value", ["0:2:0:1", "1:0:0:1", "1:2:0", "1:2:0:100", "1%3A2%3A0%3", "x"])
def test_malformed_jaeger_extracts_nothing(value):
    assert _core.extract_context(["jaeger"], {"uber-trace-id": value}) is None


def test_baggage_of_each_format():
    headers = {
        "baggage": "userId=alice,serverNode=DF%2028;prop",
        "uberctx-Account": "caf%C3%A9+au+lait",
        "uberctx-bad": "%zz",
        "traceparent": TRACEPARENT,
    }
    assert _core.extract_baggage(["baggage"], headers) == {
        "userId": "alice",
        "serverNode": "DF 28",
    }
    assert _core.extract_baggage(["jaeger"], headers) == {"account": "café au lait"}
    assert _core.extract_baggage(["tracecontext", "b3"], headers) == {}


# -- first format wins, round trips ---------------------------------------------------


def test_first_format_with_a_valid_context_wins():
    headers = {
        "traceparent": f"00-{'0' * 32}-{SPAN_HEX}-01",  # invalid: skipped
        "b3": f"{TRACE_HEX}-{SPAN_HEX}-1",
        "uber-trace-id": "1:2:0:1",
    }
    assert _core.extract_context(FORMATS, headers) == (TRACE_ID, SPAN_ID, SAMPLED, "")
    assert _core.extract_context(["jaeger", "b3"], headers) == (
        bytes(15) + b"\x01",
        2,
        SAMPLED,
        "",
    )
    assert _core.extract_context([], headers) is None


def test_inject_writes_the_expected_headers():
    headers = _core.inject_context(
        FORMATS, TRACE_ID, SPAN_ID, SAMPLED, "rojo=1,congo=2", {"user": "alice b"}
    )
    assert headers == {
        "traceparent": TRACEPARENT,
        "tracestate": "rojo=1,congo=2",
        "baggage": "user=alice%20b",
        "b3": f"{TRACE_HEX}-{SPAN_HEX}-1",
        "X-B3-TraceId": TRACE_HEX,
        "X-B3-SpanId": SPAN_HEX,
        "X-B3-Sampled": "1",
        "uber-trace-id": f"{TRACE_HEX}:{SPAN_HEX}:0:1",
        "uberctx-user": "alice%20b",
    }
    debug = _core.inject_context(["b3multi", "jaeger"], TRACE_ID, SPAN_ID, SAMPLED | DEBUG, "", {})
    assert debug == {
        "X-B3-TraceId": TRACE_HEX,
        "X-B3-SpanId": SPAN_HEX,
        "X-B3-Flags": "1",
        "uber-trace-id": f"{TRACE_HEX}:{SPAN_HEX}:0:3",
    }
    assert "X-B3-ParentSpanId" not in debug


def test_an_invalid_context_injects_only_baggage():
    assert _core.inject_context(FORMATS, bytes(16), SPAN_ID, SAMPLED, "", {"k": "v"}) == {
        "baggage": "k=v",
        "uberctx-k": "v",
    }
    assert _core.inject_context(FORMATS, TRACE_ID, 0, SAMPLED, "", {}) == {}
    # An invalid tracestate is left out rather than sent.
    assert "tracestate" not in _core.inject_context(
        ["tracecontext"], TRACE_ID, SPAN_ID, SAMPLED, "BAD=1", {}
    )


@pytest.mark.parametrize("fmt", ["tracecontext", "b3", "b3multi", "jaeger"])
@pytest.mark.parametrize("flags", [0, SAMPLED, SAMPLED | DEBUG])
def test_inject_then_extract_round_trips(fmt, flags):
    trace_state = "rojo=1" if fmt == "tracecontext" else ""
    headers = _core.inject_context([fmt], TRACE_ID, SPAN_ID, flags, trace_state, {})
    expected_flags = flags & 0x03 if fmt == "tracecontext" else flags
    assert _core.extract_context([fmt], headers) == (
        TRACE_ID,
        SPAN_ID,
        expected_flags,
        trace_state,
    )


@pytest.mark.parametrize("fmt", ["baggage", "jaeger"])
def test_baggage_round_trips(fmt):
    baggage = {"plain": "v", "spaces": " a b ", "odd": ',;="\\%+\t\n', "snow": "☃"}
    headers = _core.inject_context([fmt], TRACE_ID, SPAN_ID, SAMPLED, "", baggage)
    assert _core.extract_baggage([fmt], headers) == baggage


# -- W3C baggage ------------------------------------------------------------------------


def test_parse_baggage_spec_examples():
    assert _core.parse_baggage("userId=alice,serverNode=DF%2028,isProduction=false") == {
        "userId": "alice",
        "serverNode": "DF 28",
        "isProduction": "false",
    }
    assert _core.parse_baggage(
        "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue"
    ) == {"key1": "value1", "key2": "value2", "key3": "value3"}
    assert _core.parse_baggage("k=a=b,e=,u=caf%C3%A9,x=%FF") == {
        "k": "a=b",
        "e": "",
        "u": "café",
        "x": "\ufffd",
    }


def test_parse_baggage_skips_bad_members_and_applies_limits():
    assert _core.parse_baggage("ok=1,novalue,a b=1,k=a b,k2=%zz,k3=v;;p,last=2") == {
        "ok": "1",
        "last": "2",
    }
    assert len(_core.parse_baggage(",".join(f"k{i}=v" for i in range(300)))) == 180
    big = _core.parse_baggage(",".join(f"{k}={'x' * 3000}" for k in "abc") + ",d=1")
    assert list(big) == ["a", "b", "d"]


def test_format_baggage_encodes_and_round_trips():
    assert _core.format_baggage({"userId": "alice", "serverNode": "DF 28"}) == (
        "userId=alice,serverNode=DF%2028"
    )
    assert _core.format_baggage({"bad key": "v", "k": "1+1"}) == "k=1%2B1"
    assert _core.format_baggage({}) == ""
    baggage = {"a": "%41", "b": "☃ ,;", "c": ""}
    assert _core.parse_baggage(_core.format_baggage(baggage)) == baggage


# -- untrusted input never raises; misuse does -----------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"traceparent": "x" * 100_000, "tracestate": "," * 100_000, "baggage": "=" * 100_000},
        {"traceparent": "\ud800" * 55, "b3": "\udfff", "uber-trace-id": "\x00:\x00:\x00:\x00"},
        {"traceparent": None, "b3": 5, b"uber-trace-id": b"1:2:0:1", 3: "x"},
        {"uberctx-" + "k" * 1000: "v" * 100_000},
    ],
)
def test_malformed_headers_never_raise(headers):
    assert _core.extract_context(FORMATS, headers) is None
    assert isinstance(_core.extract_baggage(FORMATS, headers), dict)


def test_garbage_baggage_never_raises():
    for value in ["", ",,,", "\x00=\x00", "=" * 10_000, "k=" + "%" * 10_000, "\ud800=\udfff"]:
        assert isinstance(_core.parse_baggage(value), dict)


def test_unknown_format_is_a_value_error_listing_accepted_ones():
    with pytest.raises(ValueError, match=r"unknown propagation format 'xray'; accepted: "):
        _core.extract_context(["tracecontext", "xray"], {})
    with pytest.raises(ValueError, match="tracecontext, baggage, b3, b3multi, jaeger"):
        _core.inject_context(["B3"], TRACE_ID, SPAN_ID, 1, "", {})
    with pytest.raises(TypeError, match="not a single str"):
        _core.extract_context("b3", {})  # type: ignore[arg-type]


def test_bad_inject_arguments_raise():
    with pytest.raises(ValueError, match="trace_id must be 16 bytes, got 8"):
        _core.inject_context(["b3"], bytes(8), SPAN_ID, 1, "", {})
    with pytest.raises(ValueError, match="flags must be 0-255"):
        _core.inject_context(["b3"], TRACE_ID, SPAN_ID, 256, "", {})
    with pytest.raises(TypeError):
        _core.inject_context(["b3"], TRACE_ID, -1, 1, "", {})
    with pytest.raises(TypeError):
        _core.inject_context(["baggage"], TRACE_ID, SPAN_ID, 1, "", {"k": 1})  # type: ignore[dict-item]
