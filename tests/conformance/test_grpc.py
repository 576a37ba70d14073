"""gRPC (issue 19): spec/arena.toml's benchmark.BenchmarkService over h2c (the main port, by
preface sniffing) and over TLS (the "h2" listener, ALPN h2, the fixture certificate), with
real clients: python3-grpcio (generic calls with raw protobuf bytes), h2load, python3-h2 for
what a stub never sends (split and joined frames, stalled bodies, slow readers)."""

from __future__ import annotations

import gzip
import random
import struct
import subprocess
import time
from pathlib import Path

import grpc
import h2.events
import pytest

from conftest import REPO_ROOT, arena_request, arena_requests_dir, run_curl, server_binary, start_server, stop_server
from h2client import H2

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "tls"
CERT, KEY = FIXTURES / "server.crt", FIXTURES / "server.key"
ASAN = "asan" in str(server_binary())
GET_SUM = "/benchmark.BenchmarkService/GetSum"
STREAM_SUM = "/benchmark.BenchmarkService/StreamSum"
GRPC_HEADERS = [("content-type", "application/grpc"), ("te", "trailers")]


# -- protobuf by hand (the arena's three messages) -------------------------------------

def varint(v: int) -> bytes:
    v &= (1 << 64) - 1  # negative int32 are sign-extended to 10 bytes (proto3)
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def request(a: int, b: int, count: int | None = None) -> bytes:
    fields = [(1, a), (2, b)] + ([(3, count)] if count is not None else [])
    return b"".join(bytes([n << 3]) + varint(v) for n, v in fields if v)


def result_of(message: bytes) -> int:
    """SumReply.result (int32): 0 for the empty message."""
    value, shift, i = 0, 0, 1
    if not message:
        return 0
    assert message[0] == 0x08, message
    while True:
        byte = message[i]
        value |= (byte & 0x7F) << shift
        shift += 7
        i += 1
        if not byte & 0x80:
            break
    assert i == len(message), message
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def wrap32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def framed(message: bytes, compressed: bool = False) -> bytes:
    return struct.pack(">BI", 1 if compressed else 0, len(message)) + message


# -- servers and channels --------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("grpc-tls"), name="grpc-tls",
                       extra_args=("--tls-cert", str(CERT), "--tls-key", str(KEY)))
    yield srv
    stop_server(srv)


@pytest.fixture(params=["h2c", "tls"])
def channel(request, server):
    if request.param == "h2c":
        ch = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    else:
        srv = request.getfixturevalue("tls_server")
        creds = grpc.ssl_channel_credentials(root_certificates=CERT.read_bytes())
        ch = grpc.secure_channel(f"127.0.0.1:{srv.listener_ports['h2']}", creds,
                                 options=[("grpc.ssl_target_name_override", "localhost")])
    yield ch
    ch.close()


def get_sum(ch, a, b, **kw) -> int:
    return result_of(ch.unary_unary(GET_SUM)(request(a, b), timeout=10, **kw))


def status_of(call) -> tuple:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value.code(), caught.value.details()


# -- with grpcio -----------------------------------------------------------------------

def test_unary_sums_wrap_as_int32(channel):
    cases = [(1, 2), (13, 42), (-5, 3), (-7, -9), (0, 0), (2147483647, 1), (-2147483648, -1),
             (2147483647, 2147483647)]
    rng = random.Random(19)
    cases += [(rng.randint(-2**31, 2**31 - 1), rng.randint(-2**31, 2**31 - 1)) for _ in range(40)]
    for a, b in cases:
        assert get_sum(channel, a, b) == wrap32(a + b), (a, b)


def test_stream_sum_5000_in_order(channel):
    replies = [result_of(m) for m in channel.unary_stream(STREAM_SUM)(request(1, 2, 5000), timeout=20)]
    assert replies == [3 + i for i in range(5000)]


def test_stream_sum_wraps_and_counts_zero(channel):
    replies = [result_of(m) for m in channel.unary_stream(STREAM_SUM)(request(2147483647, 0, 3), timeout=10)]
    assert replies == [2147483647, -2147483648, -2147483647]
    assert list(channel.unary_stream(STREAM_SUM)(request(1, 2, 0), timeout=10)) == []
    assert list(channel.unary_stream(STREAM_SUM)(request(1, 2, -4), timeout=10)) == []


def test_error_statuses(channel):
    unknown = channel.unary_unary("/benchmark.BenchmarkService/Nope")
    assert status_of(lambda: unknown(b"", timeout=5))[0] == grpc.StatusCode.UNIMPLEMENTED
    other = channel.unary_unary("/nope.Service/GetSum")
    assert status_of(lambda: other(b"", timeout=5))[0] == grpc.StatusCode.UNIMPLEMENTED
    call = channel.unary_unary(GET_SUM)
    for malformed in (b"\x08", b"\x08\x80", b"\x0a\x05ab", b"\x0a\x01\x01", b"\x0b"):
        assert status_of(lambda: call(malformed, timeout=5))[0] == grpc.StatusCode.INVALID_ARGUMENT, malformed
    big = b"\x22" + varint(5000) + b"x" * 5000  # an unknown field: over [grpc] max_message (4096)
    code, details = status_of(lambda: call(big, timeout=5))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, details
    too_many = request(1, 2, 100001)  # max_count 100000
    code, _ = status_of(lambda: list(channel.unary_stream(STREAM_SUM)(too_many, timeout=5)))
    assert code == grpc.StatusCode.OUT_OF_RANGE
    assert get_sum(channel, 4, 5) == 9  # the connection goes on


def test_gzip_request(channel):
    assert get_sum(channel, 20, 22, compression=grpc.Compression.Gzip) == 42
    replies = channel.unary_stream(STREAM_SUM)(request(1, 1, 10), timeout=10, compression=grpc.Compression.Gzip)
    assert [result_of(m) for m in replies] == [2 + i for i in range(10)]


# -- with python3-h2: the wire itself ---------------------------------------------------

def call_raw(port, path, frames: list, headers=GRPC_HEADERS, gap: float = 0.0):
    """Sends HEADERS, then each DATA payload of frames as its own frame (the last ends the
    stream); returns (headers, data, trailers) of the response."""
    c = H2(port)
    try:
        sid = c.h2.get_next_available_stream_id()
        c.h2.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                                (":path", path)] + list(headers), end_stream=not frames)
        c.flush()
        for i, payload in enumerate(frames):
            if gap:
                time.sleep(gap)
            c.h2.send_data(sid, payload, end_stream=i == len(frames) - 1)
            c.flush()
        c.until(lambda: c.ended(sid), 10)
        head, data, trailers = {}, b"", {}
        for ev in c.log:
            if getattr(ev, "stream_id", None) != sid:
                continue
            if isinstance(ev, h2.events.ResponseReceived):
                head = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers = dict(ev.headers)
        return head, data, trailers
    finally:
        c.close()


def test_arena_exchange_byte_for_byte(server):
    """ARENA.md §3.18: grpc-sum.bin in, 00 00 00 00 02 08 03 out, then grpc-status 0."""
    body = arena_request("grpc-sum.bin")
    head, data, trailers = call_raw(server.port, GET_SUM, [body])
    assert head[":status"] == "200" and head["content-type"] == "application/grpc"
    assert "grpc-status" not in head
    assert data == bytes.fromhex("00000000020803")
    assert trailers == {"grpc-status": "0"}


def test_split_and_joined_frames(server):
    msg = framed(request(-100, 58))
    head, data, trailers = call_raw(server.port, GET_SUM, [msg[:2], msg[2:6], msg[6:]])
    assert trailers["grpc-status"] == "0" and result_of(data[5:]) == -42
    head, data, trailers = call_raw(server.port, GET_SUM, [msg + msg])  # two messages, one frame
    assert head.get("grpc-status", trailers.get("grpc-status")) == "3"
    head, _, trailers = call_raw(server.port, GET_SUM, [msg[:4]])  # cut inside the prefix
    assert head.get("grpc-status") == "3"
    head, _, trailers = call_raw(server.port, GET_SUM, [])  # no message at all
    assert head.get("grpc-status") == "3"


def test_stream_replies_are_whole_messages_in_order(server):
    head, data, trailers = call_raw(server.port, STREAM_SUM, [framed(request(5, -5, 300))])
    values, off = [], 0
    while off < len(data):
        flag, length = struct.unpack(">BI", data[off:off + 5])
        assert flag == 0
        values.append(result_of(data[off + 5:off + 5 + length]))
        off += 5 + length
    assert values == list(range(300)) and trailers == {"grpc-status": "0"}


def test_gzip_and_encodings_by_hand(server):
    packed = gzip.compress(request(1000, 234))
    _, data, trailers = call_raw(server.port, GET_SUM, [framed(packed, compressed=True)],
                                 headers=GRPC_HEADERS + [("grpc-encoding", "gzip")])
    assert trailers["grpc-status"] == "0" and result_of(data[5:]) == 1234
    head, _, _ = call_raw(server.port, GET_SUM, [framed(packed, compressed=True)],
                          headers=GRPC_HEADERS + [("grpc-encoding", "snappy")])
    assert head["grpc-status"] == "12" and "gzip" in head["grpc-accept-encoding"]
    head, _, _ = call_raw(server.port, GET_SUM, [framed(packed, compressed=True)])  # no grpc-encoding
    assert head["grpc-status"] == "13"
    _, _, trailers = call_raw(server.port, GET_SUM, [framed(b"not gzip", compressed=True)],
                              headers=GRPC_HEADERS + [("grpc-encoding", "gzip")])
    assert trailers["grpc-status"] == "3"
    bomb = gzip.compress(b"\x22" + varint(100000) + b"\0" * 100000)  # inflates past max_message
    _, _, trailers = call_raw(server.port, GET_SUM, [framed(bomb, compressed=True)],
                              headers=GRPC_HEADERS + [("grpc-encoding", "gzip")])
    assert trailers["grpc-status"] == "8"


def test_grpc_timeout_is_honoured(server):
    msg = framed(request(1, 2))
    head, _, _ = call_raw(server.port, GET_SUM, [msg[:3], msg[3:]],
                          headers=GRPC_HEADERS + [("grpc-timeout", "100m")], gap=0.4)
    assert head["grpc-status"] == "4", head
    _, data, trailers = call_raw(server.port, GET_SUM, [msg], headers=GRPC_HEADERS + [("grpc-timeout", "5S")])
    assert trailers["grpc-status"] == "0" and result_of(data[5:]) == 3


def test_trailers_only_error_carries_grpc_message(server):
    """One HEADERS with END_STREAM: status and message, no DATA (the percent-encoding itself:
    tests/unit/test_grpc_wire.c; the server's own messages are plain ASCII)."""
    head, data, trailers = call_raw(server.port, "/benchmark.BenchmarkService/Nope", [framed(b"")])
    assert head[":status"] == "200" and head["content-type"] == "application/grpc"
    assert head["grpc-status"] == "12" and data == b"" and trailers == {}
    message = head["grpc-message"]
    assert " " in message and all(0x20 <= ord(ch) <= 0x7E for ch in message)


def test_not_grpc_is_refused_with_http_statuses(server):
    c = H2(server.port)
    try:
        sid = c.request(GET_SUM, method="GET", headers=[("content-type", "application/grpc")])
        assert c.response(sid)[0] == 405
        sid = c.request(GET_SUM, method="POST", headers=[("content-type", "text/plain")], body=b"x")
        assert c.response(sid)[0] == 415
        sid = c.request("/baseline2?a=1&b=2")  # the REST routes beside it are untouched
        assert c.response(sid)[0] == 200
    finally:
        c.close()


def test_http1_request_to_a_grpc_path_is_refused(server):
    r = run_curl(server.url(GET_SUM), "--http1.1", "-X", "POST", "-H", "content-type: application/grpc",
                 "--data-binary", "@" + str(arena_requests_dir() / "grpc-sum.bin"))
    assert r.status == 505, r.status


@pytest.mark.parametrize("transport", ["h2c", "tls"])
def test_h2load_grpc_sum_zero_errors(server, transport, request):
    if transport == "h2c":
        url = f"http://127.0.0.1:{server.port}{GET_SUM}"
    else:
        url = f"https://127.0.0.1:{request.getfixturevalue('tls_server').listener_ports['h2']}{GET_SUM}"
    body = arena_requests_dir() / "grpc-sum.bin"
    out = subprocess.run(["h2load", url, "-d", str(body), "-H", "content-type: application/grpc",
                          "-H", "te: trailers", "-n", "3000", "-c", "4", "-m", "20"],
                         capture_output=True, text=True, timeout=30).stdout
    assert "3000 succeeded, 0 failed, 0 errored, 0 timeout" in out, out
    assert "status codes: 3000 2xx" in out, out


# -- a slow reader: flow control and the output cap pace the streams ---------------------

def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_slow_reader_keeps_rss_bounded_and_others_served(server):
    """4 concurrent StreamSum calls of 100000 replies (about 3 MiB of messages) on one
    connection that does not read: the server produces only what the windows take, other
    connections are served meanwhile, and every reply then arrives, in order."""
    count = 100000
    c = H2(server.port)
    try:
        warm = grpc.insecure_channel(f"127.0.0.1:{server.port}")  # the first calls' one-time costs
        try:
            assert [result_of(m) for m in warm.unary_stream(STREAM_SUM)(request(0, 0, 2000), timeout=10)][-1] == 1999
        finally:
            warm.close()
        time.sleep(0.2)
        before = rss_kib(server.proc.pid)  # before the streams: what they hold counts
        sids = []
        for _ in range(4):
            sid = c.h2.get_next_available_stream_id()
            c.h2.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                                    (":path", STREAM_SUM)] + GRPC_HEADERS)
            c.h2.send_data(sid, framed(request(1, 2, count)), end_stream=True)
            sids.append(sid)
        c.flush()
        time.sleep(0.5)
        ch = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        try:
            for i in range(20):  # another connection, served while the first is stalled
                assert get_sum(ch, i, 1) == i + 1
        finally:
            ch.close()
        time.sleep(0.3)
        grown = rss_kib(server.proc.pid) - before
        print(f"slow reader: RSS grew {grown} KiB with 4 x {count} replies owed")
        if not ASAN:  # ASan's quarantine makes RSS meaningless
            assert grown < 1536, f"RSS grew {grown} KiB while the client did not read"
        data = {sid: bytearray() for sid in sids}
        ended = set()
        deadline = time.monotonic() + 30
        while len(ended) < 4 and time.monotonic() < deadline and not c.closed:
            for ev in c.read(5):
                if isinstance(ev, h2.events.DataReceived):
                    data[ev.stream_id] += ev.data
                elif isinstance(ev, h2.events.TrailersReceived):
                    assert dict(ev.headers)["grpc-status"] == "0"
                    ended.add(ev.stream_id)
            time.sleep(0.001)  # a slow reader
        assert len(ended) == 4
        for sid in sids:
            buf, off, n = data[sid], 0, 0
            while off < len(buf):
                length = struct.unpack(">I", buf[off + 1:off + 5])[0]
                assert result_of(bytes(buf[off + 5:off + 5 + length])) == 3 + n
                off += 5 + length
                n += 1
            assert n == count
    finally:
        c.close()


# -- a typed C handler, and stubs from the emitted .proto (protoc + python3-protobuf) ----

HANDLER_SPEC = REPO_ROOT / "tests" / "conformance" / "specs" / "grpc_handler" / "grpc_handler.toml"


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    """The handler spec's server and the message classes protoc makes of `ringspec proto`."""
    import importlib
    import sys

    from conftest import build_spec_server

    tmp = tmp_path_factory.mktemp("grpc-handler")
    proto = tmp / "people.proto"
    r = subprocess.run([str(REPO_ROOT / "ringspec"), "proto", str(HANDLER_SPEC), "-o", str(proto)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["protoc", f"-I{tmp}", f"--python_out={tmp}", str(proto)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(tmp))
    try:
        pb = importlib.import_module("people_pb2")
    finally:
        sys.path.remove(str(tmp))
    srv = start_server(tmp, name="grpc-handler", binary=build_spec_server(HANDLER_SPEC, tmp / "build"))
    ch = grpc.insecure_channel(f"127.0.0.1:{srv.port}")
    yield pb, ch
    ch.close()
    stop_server(srv)


def test_handler_with_stubs_from_the_emitted_proto(people):
    pb, ch = people
    make = ch.unary_unary("/people.v1.People/MakeCard", request_serializer=pb.Who.SerializeToString,
                          response_deserializer=pb.Card.FromString)
    who = pb.Who(name="Ada", role=pb.ADMIN, scores=[-3, 10, -2147483648, 2147483647])
    card = make(who, timeout=5)
    assert card.title == "Welcome back, Ada"
    assert card.total == -3 + 10 - 2147483648 + 2147483647
    assert card.who == who  # strings, the enum, packed sint32 and a nested message round-trip
    assert make(pb.Who(name="Bo"), timeout=5).title == "Hello, Bo"
    assert status_of(lambda: make(pb.Who(), timeout=5))[0] == grpc.StatusCode.INVALID_ARGUMENT
    too_long = pb.Who(name="x" * 33)  # max_length 32
    assert status_of(lambda: make(too_long, timeout=5))[0] == grpc.StatusCode.INVALID_ARGUMENT
    too_many = pb.Who(name="x", scores=list(range(9)))  # repeated = 8
    assert status_of(lambda: make(too_many, timeout=5))[0] == grpc.StatusCode.INVALID_ARGUMENT
    double = ch.unary_unary("/people.v1.People/Double", request_serializer=pb.Who.SerializeToString,
                            response_deserializer=pb.Card.FromString)
    assert double(pb.Who(role=pb.ADMIN), timeout=5).total == 1
    assert double(pb.Who(role=pb.GUEST), timeout=5).total == -1
