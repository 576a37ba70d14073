#!/bin/sh
# bench/ws_echo.sh — the echo-ws scenario (ARENA.md §3.20): ringspec against the Node `ws`
# package as an echo peer, measured in the same run.
#
#   bench/ws_echo.sh [--runs N] [--duration S] [--conns 512,4096] [--depths 1,16] [--out DIR]
#
# Load: bench/loadgen --ws (upgrade, then DEPTH masked 5-byte "hello" text frames in flight
# per connection, as the arena's gcannon sends them). Each server runs as one process with
# one worker, pinned to core 0; loadgen is pinned to core 1. Every (depth, conns) point gets
# >= 3 runs per server, interleaved so this noisy VM's drift hits both alike, each on a fresh
# server process; medians are reported: echoes/s, server CPU-seconds (user and sys apart),
# echoes per server CPU-second, and RSS (VmRSS at the end, VmHWM).
#
# Node `ws` comes from npm, installed into a temporary directory (removed on exit).
# Only loopback; every load has a duration; every process started here is stopped.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
./ringspec build spec/arena.toml --profile echo-ws >/dev/null
make -s -C bench/loadgen >/dev/null
NODE_DIR=$(mktemp -d /tmp/ringspec-ws-node.XXXXXX)
trap 'rm -rf "$NODE_DIR"' EXIT INT TERM
(cd "$NODE_DIR" && npm install --silent --no-audit --no-fund ws@8 >/dev/null)
cat >"$NODE_DIR/echo.js" <<'JS'
// Echo peer: every message back with the same type, as one frame (perMessageDeflate off,
// like ringspec, which negotiates no extension).
const { WebSocketServer } = require("ws");
const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false, clientTracking: false });
wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
JS
NODE_DIR="$NODE_DIR" exec /usr/bin/python3 - "$@" <<'PY'
import argparse, json, os, resource, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.getcwd()
NODE_DIR = os.environ["NODE_DIR"]
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CORE, LOAD_CORE = "0", "1"

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--duration", type=float, default=5)
ap.add_argument("--conns", default="512,4096")
ap.add_argument("--depths", default="1,16")
ap.add_argument("--out", default=None)
args = ap.parse_args()
assert args.runs >= 1 and 0 < args.duration <= 60
out_dir = args.out or os.path.join(ROOT, "bench", "results", "ws-" + time.strftime("%Y-%m-%d-%H%M%S"))
os.makedirs(out_dir, exist_ok=True)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def free_port():
    """A port nobody listens on now (other benches may share this machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name):
    port = free_port()
    if name == "ringspec":
        cmd = [os.path.join(ROOT, "build", "arena-echo-ws", "server"), "--port", str(port), "--workers", "1",
               "--data-root", os.path.join(ROOT, "data")]
    else:
        cmd = ["node", os.path.join(NODE_DIR, "echo.js"), str(port)]
    log = open(os.path.join(out_dir, f"{name}.log"), "ab")
    proc = subprocess.Popen(["taskset", "-c", SERVER_CORE] + cmd, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, cwd=NODE_DIR)
    for _ in range(100):  # bounded wait for the listener
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"{name} did not start")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def run_once(name, depth, conns, i):
    proc, port = start(name)
    try:
        url = f"ws://127.0.0.1:{port}/ws"
        base = ["taskset", "-c", LOAD_CORE, os.path.join(ROOT, "bench", "loadgen", "loadgen"), url, "--ws",
                "-c", str(conns), "-t", "1", "-p", str(depth), "-q"]
        subprocess.run(base + ["-d", "1"], stdin=subprocess.DEVNULL, check=True, timeout=60)  # warm-up
        out = os.path.join(out_dir, f"{name}-p{depth}-c{conns}-{i}.json")
        u0, s0 = cpu(proc.pid)
        t0 = time.monotonic()
        subprocess.run(base + ["-d", str(args.duration), "--json", out], stdin=subprocess.DEVNULL, check=True,
                       timeout=args.duration + 60)
        wall = time.monotonic() - t0
        u1, s1 = cpu(proc.pid)
        m = mem(proc.pid)
        with open(out) as f:
            r = json.load(f)
        user, sys_ = (u1 - u0) / wall, (s1 - s0) / wall  # CPU-seconds per second
        errors = sum(r["errors"].values())
        return dict(echoes=r["ok_per_sec"], user=user, sys=sys_, per_cpu=r["ok_per_sec"] / max(user + sys_, 1e-9),
                    rss=m["VmRSS"], hwm=m["VmHWM"], p99=r["latency_us"]["p99"], errors=errors)
    finally:
        stop(proc)


results = {}
for depth in [int(d) for d in args.depths.split(",")]:
    for conns in [int(c) for c in args.conns.split(",")]:
        for i in range(args.runs):
            for name in ("ringspec", "node-ws"):  # interleaved
                r = run_once(name, depth, conns, i)
                results.setdefault((depth, conns, name), []).append(r)
                print(f"  depth {depth:2} conns {conns:5} {name:8} run {i}: {r['echoes']:10.0f} echoes/s "
                      f"{r['per_cpu']:10.0f} /CPU-s  RSS {r['rss'] / 1024:6.1f} MiB  errors {r['errors']}",
                      file=sys.stderr, flush=True)

med = lambda rs, k: statistics.median(r[k] for r in rs)
lines = [f"echo-ws: loadgen --ws, 5-byte text frames, {args.duration:g} s, median of {args.runs} runs; "
         "server core 0 (one worker), loadgen core 1",
         "", "| depth | conns | server | echoes/s | user CPU-s/s | sys CPU-s/s | echoes per CPU-s | RSS MiB | "
         "VmHWM MiB | p99 us | errors |", "|---|---|---|---|---|---|---|---|---|---|---|"]
summary = []
for (depth, conns, name), rs in results.items():
    row = {k: med(rs, k) for k in ("echoes", "user", "sys", "per_cpu", "rss", "hwm", "p99")}
    row.update(depth=depth, conns=conns, server=name, errors=sum(r["errors"] for r in rs), runs=rs)
    summary.append(row)
    lines.append(f"| {depth} | {conns} | {name} | {row['echoes']:.0f} | {row['user']:.2f} | {row['sys']:.2f} | "
                 f"{row['per_cpu']:.0f} | {row['rss'] / 1024:.1f} | {row['hwm'] / 1024:.1f} | {row['p99']:.0f} | "
                 f"{row['errors']} |")
with open(os.path.join(out_dir, "summary.json"), "w") as f:
    json.dump(summary, f, indent=1)
with open(os.path.join(out_dir, "report.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"\nresults: {out_dir}")
PY
