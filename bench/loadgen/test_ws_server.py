"""WebSocket echo stub for loadgen's self-check (Debian python3-websockets).

Prints its port on stdout. Echoes every message on any path, except
/upper, which echoes it upper-cased (so payload verification must fail).
"""
import asyncio
import sys

import websockets


async def echo(ws, *_):
    upper = ws.path == "/upper"
    try:
        async for msg in ws:
            await ws.send(msg.upper() if upper else msg)
    except websockets.ConnectionClosed:
        pass  # loadgen drops its connections when a run ends


async def main():
    async with websockets.serve(echo, "127.0.0.1", 0, max_queue=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
