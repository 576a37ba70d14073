"""The gRPC profiles (ARENA.md §3.18-3.19): the arena runs no gRPC checks, only readiness by a
real gRPC client (ghz GetSum {"a":1,"b":2}); here that readiness with python3-grpcio, and what
the benchmarks rely on: GetSum sums (int32), the exact exchange h2load sends
(requests/grpc-sum.bin: all 2xx), StreamSum's 5000 replies in order.

Over TLS the arena's ghz skips verification; grpcio cannot, so the test pair's certificate is
the root and its name (localhost) the target.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GRPC_SUM = REPO / "tests" / "fixtures" / "arena" / "requests" / "grpc-sum.bin"
GET_SUM = "/benchmark.BenchmarkService/GetSum"
STREAM_SUM = "/benchmark.BenchmarkService/StreamSum"


def _varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


def _request(*values: int) -> bytes:
    return b"".join(bytes([(n + 1) << 3]) + _varint(v) for n, v in enumerate(values) if v)


def _result(message: bytes) -> int:
    value, shift = 0, 0
    for byte in message[1:]:
        value |= (byte & 0x7F) << shift
        shift += 7
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def _channel(port: int, cert: Path | None):
    import grpc  # python3-grpcio: only entries serving gRPC need it

    if cert is None:
        return grpc.insecure_channel(f"127.0.0.1:{port}")
    creds = grpc.ssl_channel_credentials(root_certificates=cert.read_bytes())
    return grpc.secure_channel(f"127.0.0.1:{port}", creds, options=[("grpc.ssl_target_name_override", "localhost")])


def unary_grpc(r, port: int, cert: Path | None, name: str) -> None:
    with _channel(port, cert) as ch:
        call = ch.unary_unary(GET_SUM)
        try:
            got = [_result(call(_request(a, b), timeout=5)) for a, b in ((1, 2), (13, 42), (-5, 3))]
            r.record(f"{name} GetSum 1+2, 13+42, -5+3", got == [3, 55, -2], f"got {got}")
            wrapped = _result(call(_request(2147483647, 1), timeout=5))
            r.record(f"{name} GetSum wraps as int32", wrapped == -2147483648, f"got {wrapped}")
        except Exception as exc:  # grpc.RpcError and connection failures alike
            r.record(f"{name} GetSum", False, str(exc))
    scheme = "https" if cert else "http"
    out = subprocess.run(["h2load", f"{scheme}://127.0.0.1:{port}{GET_SUM}", "-d", str(GRPC_SUM),
                          "-H", "content-type: application/grpc", "-H", "te: trailers", "-n", "200", "-c", "2",
                          "-m", "10"], capture_output=True, text=True, timeout=60).stdout
    r.record(f"{name} h2load -d grpc-sum.bin: 200 x 2xx", "status codes: 200 2xx" in out, out[-400:])


def stream_grpc(r, port: int, cert: Path | None, name: str) -> None:
    with _channel(port, cert) as ch:
        try:
            replies = [_result(m) for m in ch.unary_stream(STREAM_SUM)(_request(1, 2, 5000), timeout=30)]
            r.record(f"{name} StreamSum count 5000: a+b+i in order", replies == [3 + i for i in range(5000)],
                     f"{len(replies)} replies, first {replies[:3]}")
        except Exception as exc:
            r.record(f"{name} StreamSum", False, str(exc))
