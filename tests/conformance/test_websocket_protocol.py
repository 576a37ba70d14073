"""WebSocket frames on /ws, case by case after the Autobahn testsuite's sections:
1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8,
7 close handling, 9-style limits. Raw sockets, so every byte on the wire is ours."""

import os
import struct
import time

import pytest

from wsclient import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_payload, frame, upgraded

MAX_MESSAGE = 16 * 1024 * 1024  # [server.limits] ws_message in spec/arena.toml

# ---- 1: framing ----------------------------------------------------------------------------


@pytest.mark.parametrize("opcode", [TEXT, BINARY])
@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 128, 65535, 65536, 300000])
def test_1_payload_lengths(port, opcode, size):
    payload = (b"*" * size) if opcode == TEXT else os.urandom(size)
    with upgraded(port) as c:
        assert c.echo(opcode, payload) == payload


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 997])
def test_1_frame_sent_in_small_pieces(port, chunk):
    """Autobahn 1.1.8 / 1.2.8: a frame trickles in; header splits included."""
    payload = os.urandom(2000)
    data = frame(BINARY, payload) + frame(TEXT, "next")
    with upgraded(port) as c:
        for i in range(0, len(data), chunk):
            c.send(data[i:i + chunk])
        assert c.read_frame() == (True, BINARY, payload)
        assert c.read_frame() == (True, TEXT, b"next")


def test_1_many_frames_in_one_write(port):
    msgs = [os.urandom(i % 300) for i in range(200)]
    with upgraded(port) as c:
        c.send(b"".join(frame(BINARY, m) for m in msgs))
        for m in msgs:
            assert c.read_frame() == (True, BINARY, m)


# ---- 2: ping / pong -----------------------------------------------------------------------


@pytest.mark.parametrize("payload", [b"", b"ping", os.urandom(125), "\u00e9".encode() * 62])
def test_2_ping_answered_with_pong_of_the_same_payload(port, payload):
    with upgraded(port) as c:
        c.send_frame(PING, payload)
        assert c.read_frame() == (True, PONG, payload)


def test_2_ping_of_126_bytes_is_a_protocol_error(port):
    with upgraded(port) as c:
        c.send_frame(PING, b"x" * 126)
        c.expect_close(1002)


def test_2_unsolicited_pong_is_ignored(port):
    with upgraded(port) as c:
        c.send_frame(PONG, b"unsolicited")
        assert c.echo(TEXT, "still here") == b"still here"


def test_2_ten_pings_ten_pongs_in_order(port):
    with upgraded(port) as c:
        c.send(b"".join(frame(PING, b"p%d" % i) for i in range(10)))
        for i in range(10):
            assert c.read_frame() == (True, PONG, b"p%d" % i)


def test_2_ping_byte_by_byte(port):
    data = frame(PING, b"slow ping")
    with upgraded(port) as c:
        for i in range(len(data)):
            c.send(data[i:i + 1])
            time.sleep(0.001)
        assert c.read_frame() == (True, PONG, b"slow ping")


# ---- 3: reserved bits (no extension was negotiated) ----------------------------------------


@pytest.mark.parametrize("rsv", range(1, 8))
def test_3_reserved_bits_close_1002(port, rsv):
    with upgraded(port) as c:
        c.send_frame(TEXT, "rsv", rsv=rsv)
        c.expect_close(1002)


def test_3_reserved_bits_after_a_valid_frame(port):
    """Autobahn 3.2: the echo of the good frame comes first, then the close."""
    with upgraded(port) as c:
        c.send(frame(TEXT, "good") + frame(TEXT, "bad", rsv=2) + frame(PING, b"late"))
        assert c.read_frame() == (True, TEXT, b"good")
        c.expect_close(1002)


def test_3_reserved_bits_on_a_ping(port):
    with upgraded(port) as c:
        c.send_frame(PING, b"x", rsv=4)
        c.expect_close(1002)


# ---- 4: opcodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_4_reserved_opcodes_close_1002(port, opcode):
    with upgraded(port) as c:
        c.send(frame(TEXT, "first") + frame(opcode, b"payload"))
        assert c.read_frame() == (True, TEXT, b"first")
        c.expect_close(1002)


def test_4_unmasked_client_frame_closes_1002(port):
    with upgraded(port) as c:
        c.send_frame(TEXT, "naked", mask=False)
        c.expect_close(1002)


def test_4_64_bit_length_with_top_bit_closes_1002(port):
    with upgraded(port) as c:
        c.send(bytes([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1]) + os.urandom(4))
        c.expect_close(1002)


# ---- 5: fragmentation ---------------------------------------------------------------------


def test_5_two_fragments_are_one_echoed_frame(port):
    with upgraded(port) as c:
        c.send(frame(TEXT, "frag", fin=False) + frame(CONT, "mented"))
        assert c.read_frame() == (True, TEXT, b"fragmented")


def test_5_binary_fragments_with_pauses(port):
    parts = [os.urandom(n) for n in (100, 0, 70000, 1, 5000)]
    with upgraded(port) as c:
        for i, p in enumerate(parts):
            c.send_frame(BINARY if i == 0 else CONT, p, fin=i == len(parts) - 1)
            time.sleep(0.01)
        assert c.read_frame() == (True, BINARY, b"".join(parts))


def test_5_ping_between_fragments(port):
    with upgraded(port) as c:
        c.send(frame(TEXT, "a", fin=False) + frame(PING, b"mid") + frame(CONT, "b", fin=False))
        assert c.read_frame() == (True, PONG, b"mid")
        c.send_frame(CONT, "c")
        assert c.read_frame() == (True, TEXT, b"abc")


def test_5_split_ping_between_split_fragments(port):
    """A control frame that arrives in pieces while a message is being assembled."""
    data = frame(BINARY, b"x" * 3000, fin=False) + frame(PING, b"q" * 100) + frame(CONT, b"y" * 3000)
    with upgraded(port) as c:
        for i in range(0, len(data), 37):
            c.send(data[i:i + 37])
        assert c.read_frame() == (True, PONG, b"q" * 100)
        assert c.read_frame() == (True, BINARY, b"x" * 3000 + b"y" * 3000)


def test_5_many_one_byte_fragments(port):
    text = "fragmented one byte at a time"
    data = b"".join(frame(TEXT if i == 0 else CONT, ch, fin=i == len(text) - 1) for i, ch in enumerate(text))
    with upgraded(port) as c:
        c.send(data)
        assert c.read_frame() == (True, TEXT, text.encode())


def test_5_empty_fragments(port):
    with upgraded(port) as c:
        c.send(frame(TEXT, "", fin=False) + frame(CONT, "", fin=False) + frame(CONT, ""))
        assert c.read_frame() == (True, TEXT, b"")


@pytest.mark.parametrize("what, data", [
    ("continuation without a start", frame(CONT, "orphan")),
    ("final continuation without a start", frame(CONT, "orphan", fin=True)),
    ("text inside a text message", frame(TEXT, "a", fin=False) + frame(TEXT, "b")),
    ("binary inside a text message", frame(TEXT, "a", fin=False) + frame(BINARY, b"b")),
    ("fragmented ping", frame(PING, b"p", fin=False)),
    ("fragmented close", frame(CLOSE, close_payload(1000), fin=False)),
])
def test_5_fragmentation_errors_close_1002(port, what, data):
    with upgraded(port) as c:
        c.send(data)
        c.expect_close(1002)


# ---- 6: UTF-8 -------------------------------------------------------------------------------

VALID_TEXTS = [
    "\u03ba\u1f79\u03c3\u03bc\u03b5",  # κόσμε
    "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!",
    "\U0001f600 \u20ac \u0800 \uffff \U0010ffff",
    "\x00\x7f",
]
INVALID_TEXTS = [
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",  # surrogate
    b"\xc0\xaf",  # overlong
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xff",
    b"\x80",
    b"\xce",  # truncated at the end of the message
]


@pytest.mark.parametrize("text", VALID_TEXTS)
def test_6_valid_utf8_echoed_whole_and_fragmented_at_every_byte(port, text):
    data = text.encode()
    with upgraded(port) as c:
        assert c.echo(TEXT, data) == data
        for k in range(len(data) + 1):  # fragment boundary inside code points is fine
            c.send(frame(TEXT, data[:k], fin=False) + frame(CONT, data[k:]))
            assert c.read_frame() == (True, TEXT, data)


@pytest.mark.parametrize("data", INVALID_TEXTS)
def test_6_invalid_utf8_closes_1007(port, data):
    with upgraded(port) as c:
        c.send_frame(TEXT, data)
        c.expect_close(1007)


@pytest.mark.parametrize("k", range(0, 5))
def test_6_invalid_utf8_across_fragments_closes_1007(port, k):
    data = b"ab\xed\xa0\x80cd"
    with upgraded(port) as c:
        c.send(frame(TEXT, data[:k], fin=False) + frame(CONT, data[k:]))
        c.expect_close(1007)


def test_6_invalid_utf8_fails_fast(port):
    """Autobahn 6.4: the close comes as soon as the bad byte arrives, before the message ends."""
    with upgraded(port) as c:
        c.send_frame(TEXT, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", fin=False)
        c.send_frame(CONT, b"\xf4\x90\x80\x80", fin=False)
        c.expect_close(1007, deadline=2)


def test_6_binary_is_not_utf8_checked(port):
    with upgraded(port) as c:
        assert c.echo(BINARY, b"\xff\xfe\xc0\xaf") == b"\xff\xfe\xc0\xaf"


# ---- 7: close handling ----------------------------------------------------------------------


def test_7_empty_close_answered_with_empty_close(port):
    with upgraded(port) as c:
        c.send_frame(CLOSE, b"")
        c.expect_close(None)


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
def test_7_invalid_close_codes_close_1002(port, code):
    with upgraded(port) as c:
        c.send_frame(CLOSE, struct.pack("!H", code))
        c.expect_close(1002)


def test_7_close_with_one_byte_payload_is_1002(port):
    with upgraded(port) as c:
        c.send_frame(CLOSE, b"\x03")
        c.expect_close(1002)


def test_7_close_reason_must_be_utf8(port):
    with upgraded(port) as c:
        c.send_frame(CLOSE, close_payload(1000, b"\xce\xba\xed\xa0\x80"))
        c.expect_close(1007)


def test_7_close_with_a_125_byte_payload(port):
    with upgraded(port) as c:
        c.send_frame(CLOSE, close_payload(1000, b"r" * 123))
        c.expect_close(1000)


def test_7_frames_after_close_are_ignored(port):
    with upgraded(port) as c:
        c.send(frame(CLOSE, close_payload(1000)) + frame(TEXT, "after close") + frame(PING, b"x"))
        c.expect_close(1000)


def test_7_close_in_the_middle_of_a_fragmented_message(port):
    with upgraded(port) as c:
        c.send(frame(TEXT, "part", fin=False) + frame(CLOSE, close_payload(1001)))
        c.expect_close(1001)


def test_7_peer_disappears_mid_frame(server, port):
    with upgraded(port) as c:
        c.send(frame(BINARY, b"z" * 5000)[:1000])
    with upgraded(port) as c:  # and the server is fine
        assert c.echo(TEXT, "ok") == b"ok"


# ---- 9-style limits ------------------------------------------------------------------------


def test_9_message_over_the_limit_closes_1009_at_its_header(port):
    with upgraded(port) as c:
        c.send(frame(BINARY, b"", length=MAX_MESSAGE + 1)[:14])  # the header only
        c.expect_close(1009, deadline=2)


def test_9_fragments_adding_up_over_the_limit_close_1009(port):
    first = os.urandom(1 << 20)
    with upgraded(port) as c:
        c.send_frame(BINARY, first, fin=False)
        c.send(frame(CONT, b"", length=MAX_MESSAGE - len(first) + 1)[:14])
        c.expect_close(1009, deadline=5)


def test_9_message_of_exactly_the_limit_is_echoed(port):
    data = os.urandom(MAX_MESSAGE)
    with upgraded(port, timeout=20) as c:
        c.send(frame(BINARY, data[: MAX_MESSAGE // 2], fin=False) + frame(CONT, data[MAX_MESSAGE // 2:]))
        assert c.read_frame(deadline=20) == (True, BINARY, data)
