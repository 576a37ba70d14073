"""A stand-in server for tests of `ringspec test`'s runner (test_route_tests.py): it takes
--port like the real one and misbehaves as FAKE_MODE says, so every way a server can fail
is shown to fail the run.

  serve         answers every request 200 "ok", exits 0 on SIGTERM
  crash         prints a line and exits 3 on the first request
  bad-exit      serves, but exits 2 on SIGTERM
  asan-report   serves, prints an AddressSanitizer report on SIGTERM, exits 0
  ws-upper      WebSocket: echoes text upper-cased, answers a close with 1001
  ws-bad-accept WebSocket: a wrong Sec-WebSocket-Accept, then echoes correctly
"""

import base64
import hashlib
import os
import signal
import socket
import struct
import sys

MODE = os.environ["FAKE_MODE"]
PORT = int(sys.argv[sys.argv.index("--port") + 1])
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def on_sigterm(*_):
    if MODE == "asan-report":
        print("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1", flush=True)
    os._exit(2 if MODE == "bad-exit" else 0)


def exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def frame(opcode, payload):
    n = len(payload)
    head = struct.pack("!BB", 0x80 | opcode, n) if n < 126 else struct.pack("!BBH", 0x80 | opcode, 126, n)
    return head + payload


def websocket(conn, request):
    key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    if MODE == "ws-bad-accept":
        accept = base64.b64encode(b"not the right digest")
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    while True:
        b0, b1 = exactly(conn, 2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", exactly(conn, 2))[0]
        mask = exactly(conn, 4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(exactly(conn, n)))
        if b0 & 0x0F == 0x8:
            conn.sendall(frame(0x8, struct.pack("!H", 1001 if MODE == "ws-upper" else 1000)))
            return
        conn.sendall(frame(0x1, payload.upper() if MODE == "ws-upper" else payload))


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        request = conn.recv(4096)
        if not request:  # the runner's readiness probe
            conn.close()
            continue
        if MODE == "crash":
            print("fake: crashing on", request.split(b"\r\n")[0].decode(), flush=True)
            os._exit(3)
        if MODE.startswith("ws-"):
            try:
                websocket(conn, request)
            except EOFError:
                pass
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()


main()
