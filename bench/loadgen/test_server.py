"""Stub HTTP/1.1 server for loadgen's self-check (stdlib only).

Prints its port on stdout, then serves keep-alive responses on loopback:
  GET  /ok                 -> "ok" (Content-Length)
  GET|POST /baseline11?..  -> sum of the query values (+ the integer body,
                              Content-Length or chunked request bodies)
  GET  /chunked            -> "hello world" as a chunked body with a trailer
  GET  /drip               -> "dripped" (chunked), written a few bytes per
                              send so responses reach the client in pieces
  GET  /close              -> "bye" with Connection: close, then closes
  GET  /fixed              -> a byte-exact 100-byte response (head + body)
  GET  /fixed-chunked      -> a byte-exact 120-byte chunked response, sent in
                              pieces (checks loadgen's bytes_per_response)
  GET  /stall              -> never answers
  GET  /ws-bad             -> 101 with a wrong Sec-WebSocket-Accept
"""
import http.server
import socket
import sys
import time
import urllib.parse


def _fixed(head, body, size):
    pad = size - len(head) - len(body) - len(b"X-Pad: \r\n\r\n")
    return head + b"X-Pad: " + b"p" * pad + b"\r\n\r\n" + body


# Responses whose exact size test.sh knows (head + body).
FIXED = {
    "/fixed": _fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", b"fixed", 100),
    "/fixed-chunked": _fixed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
                             b"3\r\nfix\r\n2;x=1\r\ned\r\n0\r\n\r\n", 120),
}
assert [len(v) for v in FIXED.values()] == [100, 120]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes

    def log_message(self, *args):
        pass

    def reply(self, body, close=False):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def baseline(self, body):
        query = urllib.parse.urlsplit(self.path).query
        total = sum(int(v) for _, v in urllib.parse.parse_qsl(query))
        if body.strip():
            total += int(body.strip())
        self.reply(str(total))

    def chunked(self, pieces, trailer=b"", drip=False):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n" + trailer + b"\r\n"
        if not drip:
            self.wfile.write(out)
            return
        for i in range(0, len(out), 3):
            self.wfile.write(out[i : i + 3])
            time.sleep(0.0002)

    def raw(self, data, drip=False):
        if not drip:
            self.wfile.write(data)
            return
        for i in range(0, len(data), 7):
            self.wfile.write(data[i : i + 7])
            time.sleep(0.0002)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in FIXED:
            self.raw(FIXED[path], drip=path.endswith("chunked"))
        elif path == "/ok":
            self.reply("ok")
        elif path == "/baseline11":
            self.baseline(b"")
        elif path == "/chunked":
            self.chunked([b"hello", b" ", b"world"], trailer=b"X-Trailer: yes\r\n")
        elif path == "/drip":
            self.chunked([b"drip", b"ped"], drip=True)
        elif path == "/close":
            self.reply("bye", close=True)
        elif path == "/stall":
            time.sleep(3600)
        elif path == "/ws-bad":
            self.wfile.write(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"
            )
            self.close_connection = True
        else:
            self.send_error(404)

    def do_POST(self):
        body = self.read_body()
        if urllib.parse.urlsplit(self.path).path == "/baseline11":
            self.baseline(body)
        else:
            self.send_error(404)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # loadgen drops connections with requests in flight when a run
        # ends; broken pipes are expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        super().server_bind()


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
