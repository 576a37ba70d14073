"""The protocol scenarios of bench/run (issues 15, 16, 18, 19), opt-in with --only:

  h2c           h2load over cleartext HTTP/2 (prior knowledge), /baseline2?a=1&b=1 and the 7 json-h2c
                URIs, -c 64 -m 100 and -c 256 -m 10: ringspec, h2o (mruby, computed), h2o-file
                (file.file, static), nginx (static)
  tls-h1        wrk over HTTPS/1.1 (keep-alive, no ALPN), the json mix (bench/wrk/json-rotate.lua), 64/256
  tls-h2        h2load over TLS (ALPN h2), /baseline2?a=1&b=1, -c 64 -m 100
  tls-handshake wrk with `Connection: close` over HTTPS/1.1, 16 connections: every request a new full
                TLS 1.3 handshake (wrk resumes no session); rate = handshakes per second
  tls-idle      RSS per idle TLS connection (bench/tls_idlehold.py, 1000 connections)
  grpc-unary    h2load POST /benchmark.BenchmarkService/GetSum -d grpc-sum.bin (ARENA.md §3.18), -m 100
  grpc-stream   h2load StreamSum with count 1000 per call, -c 16 -m 4: rate = messages per second
  db            bench/loadgen, the arena's async-db templates, -r 25, 256 conns, against aiohttp+asyncpg on
                the same PostgreSQL 15 (tests/db/pg_cluster.py, seeded), the same pool size

Every TLS client offers TLS 1.3 with AES-128-GCM only (bench/peers-config/openssl-client.cnf), every
server uses the repo's test certificate (RSA 2048). Servers on core 0, load generators on core 1
(PostgreSQL on core 1 too, its CPU reported apart). Every point starts fresh server processes,
checks each server's bodies once (a server whose answer is wrong gets no row), then runs
--runs x servers interleaved (the first server rotates). Medians are reported.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from .common import BENCH, REQ_DIR, ROOT, SERVER_CORE, log, warn
from .proto_load import h2load_run, loadgen_run, tls_idle_run, tree_mem, wrk_run
from .proto_peers import GRPC_PROTO_DIR, JSON_URIS, PORTS, build_grpc_peer, build_ringspec, json_body, server_cmd
from .system import SYSCTL_RESTORE, git_info, port_open, spawn, stop_process, wait_port_free

GRPC_HEADERS = ["content-type: application/grpc", "te: trailers"]
STREAM_COUNT = 1000


def stream_request_bin():
    """StreamRequest{a:1, b:2, count:STREAM_COUNT} with the 5-byte gRPC prefix."""
    def varint(n):
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)
    msg = b"\x08\x01\x10\x02\x18" + varint(STREAM_COUNT)
    return b"\x00" + len(msg).to_bytes(4, "big") + msg


# scenario -> servers, points [(conns, streams)], what the server is asked (per server: listener
# kind and path or paths), tool.
def uris(scheme, server, kind, paths):
    port = PORTS["h2o" if server == "h2o-file" else server][kind]
    return [f"{scheme}://127.0.0.1:{port}{p}" for p in paths]


JSON_PATHS = [f"/json/{c}?m={m}" for c, m in JSON_URIS]
B2 = "/baseline2?a=1&b=1"
B2_PATHS = {"ringspec": B2, "h2o": B2, "h2o-file": "/baseline2-file", "nginx": "/baseline2"}

SCENARIOS = {
    "h2c": dict(servers=["ringspec", "h2o", "h2o-file", "nginx"], points=[(64, 100), (256, 10)],
                routes=["baseline2", "json"]),
    "tls-h1": dict(servers=["ringspec", "nginx", "h2o"], points=[(64, 1), (256, 1)], routes=["json"]),
    "tls-h2": dict(servers=["ringspec", "h2o", "h2o-file", "nginx"], points=[(64, 100)], routes=["baseline2"]),
    "tls-handshake": dict(servers=["ringspec", "nginx", "h2o"], points=[(16, 1)], routes=["baseline2"]),
    "tls-idle": dict(servers=["ringspec", "nginx", "h2o"], points=[(1000, 0)], routes=["-"]),
    "grpc-unary": dict(servers=["ringspec", "grpc-cpp"], points=[(64, 100)], routes=["GetSum"]),
    "grpc-stream": dict(servers=["ringspec", "grpc-cpp"], points=[(16, 4)], routes=["StreamSum"]),
    "db": dict(servers=["ringspec", "aiohttp"], points=[(256, 1)], routes=["async-db"]),
}
PROTO_ORDER = list(SCENARIOS)
UNIT = {"tls-handshake": "handshakes/s", "tls-idle": "B/idle conn", "grpc-stream": "messages/s"}
PROCESS = {"h2o-file": "h2o"}  # pseudo-servers sharing another's process and config


class ProtoServer:
    def __init__(self, name, bins, confs, outdir, tag, env_extra=None):
        self.name, self.proc_name = name, PROCESS.get(name, name)
        state = os.path.join(outdir, "state", f"{self.proc_name}-{tag}")
        os.makedirs(state, exist_ok=True)
        self.cmd, self.env, self.cwd = server_cmd(self.proc_name, bins, confs, state, env_extra)
        self.logpath = os.path.join(outdir, "logs", f"{name}-{tag}.log")
        self.ports = list(PORTS[self.proc_name].values())
        self.proc = None

    def start(self):
        for port in self.ports:
            if port_open(port) or not wait_port_free(port):
                raise RuntimeError(f"port {port} is in use; cannot start {self.name}")
        self.logf = open(self.logpath, "ab")
        self.proc = spawn(self.cmd, SERVER_CORE, stdout=self.logf, stderr=self.logf, stdin=subprocess.DEVNULL,
                          env=self.env, cwd=self.cwd)
        deadline = time.monotonic() + 20
        while not all(port_open(p) for p in self.ports):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start (see {os.path.relpath(self.logpath, ROOT)})")
            time.sleep(0.05)
        time.sleep(0.2)
        self.pid = self.proc.pid
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        rc = stop_process(self.proc) if self.proc is not None else None
        if self.proc is not None:
            self.logf.close()
        return rc


def curl(args, env=None):
    r = subprocess.run(["curl", "-s", "-k", "--max-time", "5"] + args, capture_output=True, env=env, timeout=10)
    return r.stdout


def probe(scen, route, sv, env):
    """None when sv answers the scenario's request correctly, else why not."""
    if scen in ("grpc-unary", "grpc-stream"):
        url = uris("http", sv, "h2c" if sv != "ringspec" else "main",
                   ["/benchmark.BenchmarkService/" + route])[0]
        body = os.path.join(GRPC_PROTO_DIR, "grpc-sum.bin") if route == "GetSum" else None
        data = ["--data-binary", "@" + body] if body else ["--data-binary", "@-"]
        r = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "--max-time", "10", "-H", GRPC_HEADERS[0],
                            "-H", GRPC_HEADERS[1], "-o", "-", "-w", "\n%{http_code}"] + data + [url],
                           input=None if body else stream_request_bin(), capture_output=True, timeout=15)
        out, _, code = r.stdout.rpartition(b"\n")
        if code != b"200":
            return f"gRPC probe: HTTP {code.decode(errors='replace') or 'no answer'}"
        if route == "GetSum":
            return None if out == bytes.fromhex("00000000020803") else f"GetSum probe answered {out.hex()}"
        msgs, i = 0, 0
        while i + 5 <= len(out):
            i += 5 + int.from_bytes(out[i + 1:i + 5], "big")
            msgs += 1
        return None if msgs == STREAM_COUNT and i == len(out) else f"StreamSum probe: {msgs} messages"
    if scen == "db":
        port = PORTS[sv]["main"]
        got = curl([f"http://127.0.0.1:{port}/async-db?min=10&max=50&limit=50"])
        try:
            doc = json.loads(got)
        except ValueError:
            return f"async-db probe: not JSON: {got[:80]!r}"
        return None if doc.get("count") == 50 and len(doc["items"]) == 50 else f"async-db probe: count {doc.get('count')}"
    if scen == "tls-idle":
        return None
    tls = scen.startswith("tls")
    kind = "https" if scen in ("tls-h1", "tls-handshake") else ("h2" if tls else "h2c")
    scheme = "https" if tls else "http"
    proto = ["--http1.1"] if kind == "https" else (["--http2"] if tls else ["--http2-prior-knowledge"])
    pairs = ([(B2_PATHS[sv], "2")] if route == "baseline2"
             else [(p, json_body(c, m)) for p, (c, m) in zip(JSON_PATHS, JSON_URIS)])
    for path, want in pairs:
        got = curl(proto + [uris(scheme, sv, kind, [path])[0]], env)
        if route == "json":
            try:
                ok = json.loads(got) == json.loads(want)
            except ValueError:
                ok = False
        else:
            ok = got.decode(errors="replace") == want
        if not ok:
            return f"{path}: answered {got[:60]!r}"
    return None


def one_run(scen, route, sv, srv, conns, streams, a, outdir, tag, env, pg_pids):
    logpath = os.path.join(outdir, "logs", tag + ".log")
    if scen == "h2c":
        paths = [B2_PATHS[sv]] if route == "baseline2" else JSON_PATHS
        return h2load_run(uris("http", sv, "h2c", paths), conns, streams, a, srv.pid, logpath)
    if scen == "tls-h2":
        return h2load_run(uris("https", sv, "h2", [B2_PATHS[sv]]), conns, streams, a, srv.pid, logpath, env=env)
    if scen == "tls-h1":
        return wrk_run(uris("https", sv, "https", ["/"])[0], conns, a, srv.pid, logpath, env=env,
                       script=os.path.join(BENCH, "wrk", "json-rotate.lua"))
    if scen == "tls-handshake":
        return wrk_run(uris("https", sv, "https", [B2_PATHS[sv]])[0], conns, a, srv.pid, logpath, env=env,
                       headers=["Connection: close"])
    if scen == "tls-idle":
        return tls_idle_run(PORTS[sv]["https"], conns, 3.0, srv.pid, logpath, env)
    if scen in ("grpc-unary", "grpc-stream"):
        url = uris("http", sv, "h2c" if sv != "ringspec" else "main", ["/benchmark.BenchmarkService/" + route])
        data = os.path.join(GRPC_PROTO_DIR, "grpc-sum.bin")
        if scen == "grpc-stream":
            data = os.path.join(outdir, "stream-sum.bin")
            with open(data, "wb") as f:
                f.write(stream_request_bin())
        return h2load_run(url, conns, streams, a, srv.pid, logpath, data=data, headers=GRPC_HEADERS,
                          per_request=STREAM_COUNT if scen == "grpc-stream" else 1)
    if scen == "db":
        tpl = [os.path.join(REQ_DIR, f"async-db-{n}.raw") for n in (5, 10, 20, 35, 50)]
        return loadgen_run(PORTS[sv]["main"], tpl, conns, 25, a, srv.pid, logpath,
                           os.path.join(outdir, "raw", tag + ".json"), extra_pids=pg_pids())
    raise ValueError(scen)


def med(runs, key):
    vals = [r[key] for r in runs if not r.get("failed") and r.get(key) is not None]
    return statistics.median(vals) if vals else None


def point(scen, route, conns, streams, servers, bins, confs, a, outdir, env, db):
    rows = {sv: {"scenario": scen, "route": route, "conns": conns, "streams": streams, "server": sv, "runs": []}
            for sv in servers}
    live, procs = {}, {}
    tag0 = f"{scen}-{route}-c{conns}-m{streams}"
    env_extra = db["env"] if db else None
    for sv in servers:
        pname = PROCESS.get(sv, sv)
        try:
            if pname not in procs:
                procs[pname] = ProtoServer(sv, bins, confs, outdir, tag0, env_extra).start()
            srv = procs[pname]
            if db and sv == "ringspec":
                time.sleep(1.0)  # the pool connects lazily; let it come up
            why = probe(scen, route, sv, env)
            if why:
                rows[sv]["skipped"] = why
                warn(f"{scen} {route} {sv}: {why}: no row")
                continue
            live[sv] = srv
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            rows[sv]["skipped"] = str(e)
            warn(str(e))
    try:
        for r in range(a.runs):
            order = list(live)
            k = r % max(1, len(order))
            for sv in order[k:] + order[:k]:
                srv = live[sv]
                if scen == "tls-idle" and r > 0:
                    # a fresh process per idle run: memory freed by the previous run's connections
                    # stays in RSS and would hide the next run's growth
                    srv.stop()
                    srv = live[sv] = procs[PROCESS.get(sv, sv)] = ProtoServer(sv, bins, confs, outdir,
                                                                             f"{tag0}-run{r + 1}", env_extra).start()
                if not srv.alive():
                    rows[sv]["runs"].append({"failed": True, "why": "server exited"})
                    continue
                tag = f"{tag0}-{sv}-run{r + 1}"
                run = one_run(scen, route, sv, srv, conns, streams, a, outdir, tag, env,
                              db["pg_pids"] if db else (lambda: []))
                rows[sv]["runs"].append(run)
                if run.get("failed"):
                    log(f"{scen} {route} c={conns} m={streams} {sv} run {r + 1}: FAILED ({run.get('rc')})")
                else:
                    log(f"{scen:13s} {route:9s} c={conns:<4d} m={streams:<3d} {sv:8s} run {r + 1}: "
                        f"{run['rate']:>10.0f} {UNIT.get(scen, 'rps')}"
                        + (f"  cpu {run['cpu_util']:.2f}  {run['rate_per_cpu'] or 0:>9.0f}/CPU-s"
                           f"  RSS {run['mem_kib'].get('VmRSS', 0) / 1024:.1f} MiB" if 'cpu_util' in run else "")
                        + (f"  non2xx {run.get('non2xx')} failed {run.get('failed_reqs', '-')}"
                           f" err {run.get('errors', run.get('errored', '-'))}" if scen != "tls-idle" else "")
                        + (f"  pg cpu {run['pg_cpu_util']:.2f}" if run.get("pg_cpu_util") is not None else "")
                        + f"  load {run['loadavg'][0]}")
                time.sleep(0.3)
    finally:
        for sv in servers:
            pname = PROCESS.get(sv, sv)
            if pname in procs and procs[pname].alive():
                rows[sv]["vmhwm_kib"] = tree_mem(procs[pname].pid).get("VmHWM")
        for p in procs.values():
            rc = p.stop()
            for sv in servers:
                if PROCESS.get(sv, sv) == p.proc_name:
                    rows[sv]["exit_code"] = rc
    for sv in servers:
        runs = rows[sv]["runs"]
        rows[sv]["median"] = {k: med(runs, k) for k in ("rate", "rate_per_cpu", "cpu_util", "p99_ms", "pg_cpu_util")}
        rows[sv]["median"]["rss_kib"] = med([dict(r, rss=r.get("mem_kib", {}).get("VmRSS")) for r in runs], "rss")
        rows[sv]["failed_runs"] = sum(1 for r in runs if r.get("failed"))
        rows[sv]["errors_total"] = sum((r.get("failed_reqs") or 0) + (r.get("errored") or 0) + (r.get("non2xx") or 0)
                                       + (sum(r["errors"].values()) if isinstance(r.get("errors"), dict) else 0)
                                       for r in runs)
    return [rows[sv] for sv in servers]


def start_db(outdir):
    """PostgreSQL 15 in a temp dir (tests/db/pg_cluster.py, as nobody under root), seeded, on core 1."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "db"))
    from pg_cluster import PgCluster  # noqa: E402
    pg = PgCluster().init().start().seed()

    def pids():
        try:
            with open(os.path.join(pg.data, "postmaster.pid")) as f:
                master = int(f.readline())
        except (OSError, ValueError, AttributeError):
            return []
        out = [master]
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                            out.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return out
    for p in pids():
        try:
            os.sched_setaffinity(p, {1})  # backends forked later inherit the postmaster's core
        except OSError:
            pass
    pool = os.environ.get("BENCH_DB_POOL", "16")  # DATABASE_MAX_CONN of both servers
    return {"pg": pg, "pg_pids": pids, "env": {"DATABASE_URL": pg.url, "DATABASE_MAX_CONN": pool},
            "pool": pool}


def points_of(sc, scen, override):
    """The scenario's (conns, streams) points; --conns replaces the connection counts (a count the
    scenario has keeps its streams, another takes the first point's). tls-idle keeps its 1000."""
    if not override or scen == "tls-idle":
        return sc["points"]
    streams = dict(sc["points"])
    return [(c, streams.get(c, sc["points"][0][1])) for c in override]


def reserve_ports():
    """Reserves the servers' ports (18200-18240) from the ephemeral range, as bench/run does for its
    own (restored on exit): a client socket or its TIME_WAIT there would make a server's bind fail."""
    path = "/proc/sys/net/ipv4/ip_local_reserved_ports"
    want = f"{min(p for v in PORTS.values() for p in v.values())}-{max(p for v in PORTS.values() for p in v.values())}"
    try:
        with open(path) as f:
            old = f.read().strip()
        if want not in old.split(","):
            with open(path, "w") as f:
                f.write(",".join(x for x in (old, want) if x))
            SYSCTL_RESTORE.append((path, old))
            log(f"sysctl net.ipv4.ip_local_reserved_ports: '{old}' -> '{want}' added (restored on exit)")
    except OSError as e:
        warn(f"cannot reserve ports {want}: {e}")


def run_proto(a, scenarios, outdir, stamp):
    from .proto_peers import versions, write_configs
    # Servers and clients inherit the open-file limit (1000 idle TLS connections need > 1024).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    reserve_ports()
    confs = write_configs()
    env = dict(os.environ, OPENSSL_CONF=confs["client_cnf"])
    bins = {"ringspec": os.path.abspath(a.ringspec_bin) if a.ringspec_bin else build_ringspec(outdir)}
    if any(s.startswith("grpc") for s in scenarios):
        try:
            bins["grpc-cpp"] = build_grpc_peer()
        except RuntimeError as e:
            warn(str(e))
    if "db" in scenarios and subprocess.run(["make", "-s", "-C", os.path.join(BENCH, "loadgen")]).returncode:
        raise RuntimeError("building bench/loadgen failed")
    summary = {"meta": {"stamp": stamp, "command": "bench/run " + " ".join(sys.argv[1:]), "runs": a.runs,
                        "duration": a.duration, "warmup": a.warmup, "versions": versions(), "git": git_info(),
                        "ringspec_bin": a.ringspec_bin or "built from spec/arena.toml at this commit",
                        "loadavg_start": open("/proc/loadavg").read().split()[:3]}, "results": []}
    db = None
    try:
        if "db" in scenarios:
            db = start_db(outdir)
            summary["meta"]["db_pool"] = db["pool"]
        for scen in scenarios:
            sc = SCENARIOS[scen]
            servers = [s for s in sc["servers"] if s != "grpc-cpp" or "grpc-cpp" in bins]
            if a.only_servers:
                servers = [s for s in servers if s in a.only_servers or PROCESS.get(s) in a.only_servers]
            for route in sc["routes"]:
                for conns, streams in points_of(sc, scen, a.conns_override):
                    summary["results"] += point(scen, route, conns, streams, servers, bins, confs, a, outdir, env,
                                                db if scen == "db" else None)
                    with open(os.path.join(outdir, "summary.json"), "w") as f:
                        json.dump(summary, f, indent=1)
    finally:
        if db:
            db["pg"].destroy()
    summary["meta"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    md = render(summary)
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(md)
    print(md)


def fmt(v, nd=0):
    return "—" if v is None else (f"{v:,.{nd}f}")


def render(summary):
    out = [f"`{summary['meta']['command']}` — load average {' '.join(summary['meta']['loadavg_start'])} at the start, "
           f"{' '.join(summary['meta'].get('loadavg_end', ['?']))} at the end; {summary['meta']['runs']} runs, medians",
           "", "| scenario | route | conns × streams | server | rate | unit | server CPU util | rate per CPU-s "
           "| ×ringspec/peer per CPU-s | RSS MiB (end, HWM) | errors | load avg per run |", "|" + "---|" * 12]
    by_point = {}
    for r in summary["results"]:
        by_point.setdefault((r["scenario"], r["route"], r["conns"], r["streams"]), []).append(r)
    for (scen, route, conns, streams), rows in by_point.items():
        ours = next((r for r in rows if r["server"] == "ringspec"), None)
        for r in rows:
            m = r.get("median", {})
            if r.get("skipped"):
                out.append(f"| {scen} | {route} | {conns} × {streams} | {r['server']} | — | | | | | | "
                           f"not measured: {r['skipped']} | |")
                continue
            ratio = "—"
            if ours and r is not ours and m.get("rate_per_cpu") and ours.get("median", {}).get("rate_per_cpu"):
                ratio = f"{ours['median']['rate_per_cpu'] / m['rate_per_cpu']:.2f}×"
            if scen == "tls-idle":  # bytes: ringspec's per idle connection over the peer's (lower is better)
                ratio = "—"
                if ours and r is not ours and m.get("rate") and ours["median"].get("rate"):
                    ratio = f"{ours['median']['rate'] / m['rate']:.2f}× the peer's bytes"
            rss = m.get("rss_kib")
            hwm = r.get("vmhwm_kib")
            loads = ",".join(x.get("loadavg", ["?"])[0] for x in r["runs"])
            pg = f" (pg {m['pg_cpu_util']:.2f})" if m.get("pg_cpu_util") is not None else ""
            out.append(f"| {scen} | {route} | {conns} × {streams} | {r['server']} | {fmt(m.get('rate'))} | "
                       f"{UNIT.get(scen, 'rps')} | {fmt(m.get('cpu_util'), 2)}{pg} | {fmt(m.get('rate_per_cpu'))} | "
                       f"{ratio} | {fmt(rss / 1024 if rss else None, 1)}, {fmt(hwm / 1024 if hwm else None, 1)} | "
                       f"{r['errors_total']}{' (' + str(r['failed_runs']) + ' runs failed)' if r['failed_runs'] else ''}"
                       f" | {loads} |")
    return "\n".join(out) + "\n"
