#!/usr/bin/python3
"""tls_idlehold — open N TLS connections to 127.0.0.1:PORT, send one HTTP/1.1 request on each (no
ALPN), read its response, then hold them all idle (bench/run's tls-idle scenario).

  tls_idlehold.py --port P --conns N --hold S [--path /x]

Prints one JSON line {"event":"ready","conns":N,"ok":..,"failed":..,"seconds":..} when every
connection has its response (or failed), holds S seconds, then closes everything and exits.
The cipher suite comes from OPENSSL_CONF (bench/peers-config/openssl-client.cnf). Bounded: every
socket operation has a 10 s timeout; loopback only.
"""

import argparse
import json
import socket
import ssl
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, required=True)
    ap.add_argument("--hold", type=float, required=True)
    ap.add_argument("--path", default="/")
    a = ap.parse_args()
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = f"GET {a.path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()
    held, failed = [], 0
    t0 = time.monotonic()
    for _ in range(a.conns):
        try:
            raw = socket.create_connection(("127.0.0.1", a.port), timeout=10)
            s = ctx.wrap_socket(raw)
            s.sendall(req)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    raise OSError("closed")
                head += chunk
            if not head.startswith(b"HTTP/1.1 2"):
                raise OSError("status " + head[:12].decode(errors="replace"))
            held.append(s)
        except OSError as e:
            failed += 1
            print(f"tls_idlehold: {e}", file=sys.stderr)
    print(json.dumps({"event": "ready", "conns": a.conns, "ok": len(held), "failed": failed,
                      "seconds": round(time.monotonic() - t0, 3)}), flush=True)
    time.sleep(a.hold)
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
