"""One measured run (a loadgen run or an idle-connection hold) and the medians over runs."""

import json
import os
import select
import statistics
import subprocess
import time

from .common import IDLE_BIN, LOAD_CORE, LOADGEN, REQ_DIR, ROOT, SERVER_CORE
from .scenarios import BODIES, LOAD_SCENARIOS, SCENARIOS, expected_bodies
from .system import CLK_TCK, core_stat, sleep_until, spawn


def load_run(srv, scen, conns, run_idx, args, outdir, sc=None, expects=None):
    """One loadgen run against srv. sc (templates, depth, reqs) and expects ({template:
    body}) default to the scenario's; templates may be absolute paths."""
    if getattr(args, "gcannon", None) and scen in LOAD_SCENARIOS and sc is None:
        return gcannon_run(srv, scen, conns, run_idx, args, outdir)
    sc = sc or SCENARIOS[scen]
    expects = expected_bodies(scen) if expects is None else expects
    tag = f"{scen}-c{conns}-{srv.name}-run{run_idx + 1}"
    jpath = os.path.join(outdir, "raw", tag + ".json")
    if sc.get("ws"):  # upgrade, then echoes of the default 5-byte "hello" text frame
        cmd = [LOADGEN, f"ws://127.0.0.1:{srv.port}{sc['ws']}", "--ws"]
    else:
        cmd = [LOADGEN, "--raw", ",".join(os.path.join(REQ_DIR, t) for t in sc["templates"]),
               "--port", str(srv.port)]
    cmd += ["-c", str(conns), "-t", "1", "-p", str(sc["depth"]),
            "-d", f"{args.duration}", "--warmup", f"{args.warmup}", "--json", jpath, "-q"]
    if sc["reqs"]:
        cmd += ["-r", str(sc["reqs"])]
    for t, body in expects.items():
        cmd += ["--expect-body", f"{t}:{body}"]
    with open(os.path.join(outdir, "logs", tag + ".loadgen.log"), "wb") as lf:
        t_start = time.monotonic()
        p = spawn(cmd, LOAD_CORE, stdout=lf, stderr=lf, stdin=subprocess.DEVNULL)
        # loadgen measures from `warmup` after its start; sample the server's
        # CPU over the same window (a few ms of exec/setup skew at most).
        sleep_until(t_start + args.warmup)
        c0, k0, ta = srv.cpu(), core_stat(), time.monotonic()
        sleep_until(ta + args.duration)
        c1, k1, tb = srv.cpu(), core_stat(), time.monotonic()
        try:
            rc = p.wait(timeout=args.warmup + args.duration + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "timeout"
    shown = [c if len(c) <= 200 else c[:60] + f"...({len(c)} chars)" for c in cmd]
    run = {"tag": tag, "loadgen_rc": rc, "cmd": " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in shown),
           "window_s": round(tb - ta, 4)}
    try:
        with open(jpath) as f:
            lg = json.load(f)
    except (OSError, ValueError):
        lg = None
    if not lg:
        run["failed"] = True
        return run
    window = tb - ta
    user, sys_ = c1[0] - c0[0], c1[1] - c0[1]
    cpu = user + sys_
    resp = lg["responses"]
    # An echo has no status: every counted one matched what was sent (mismatches are errors).
    non2xx = 0 if lg.get("mode") == "ws" else resp - lg["status_2xx"]
    errors = sum(lg["errors"].values())
    core = {}
    for c in k0:
        busy = (k1[c]["busy"] - k0[c]["busy"]) / CLK_TCK
        core[c] = {"busy_frac": round(busy / window, 3),
                   "steal_frac": round((k1[c]["steal"] - k0[c]["steal"]) / CLK_TCK / window, 3)}
    srv_core = f"cpu{SERVER_CORE}"
    run.update({
        "rps": lg["requests_per_sec"],
        "ok_ps": lg["ok_per_sec"],
        "responses": resp,
        "cpu_user_s": round(user, 3),
        "cpu_sys_s": round(sys_, 3),
        "cpu_s": round(cpu, 3),
        "cpu_util": round(cpu / window, 3),
        "rps_per_cpu": (resp / cpu) if cpu > 0 else None,
        "user_us_per_req": (user / resp * 1e6) if resp else None,
        "sys_us_per_req": (sys_ / resp * 1e6) if resp else None,
        "p50_ms": lg["latency_us"]["p50"] / 1000,
        "p99_ms": lg["latency_us"]["p99"] / 1000,
        "p999_ms": lg["latency_us"]["p999"] / 1000,
        "non2xx": non2xx,
        "errors": errors,
        "error_detail": lg["errors"],
        "reconnects": lg.get("reconnects", 0),
        # head + body bytes per counted response (None from a loadgen without the counter)
        "bytes_per_response": lg.get("bytes_per_response"),
        "bytes_received": lg.get("bytes_received"),
        "template_bytes": {t["name"]: round(t["bytes"] / t["ok"], 1) for t in lg.get("templates", [])
                           if t.get("ok") and "bytes" in t},
        "loadgen_cpu_s": round(lg["client_cpu_s"]["user"] + lg["client_cpu_s"]["sys"], 3),
        "mem_kib": srv.mem(),
        "cores": core,
        # core-0 time not spent in the server: interference (other processes,
        # softirqs) during the window; > ~0.1 means the run was disturbed.
        "core0_other_frac": round(max(0.0, core[srv_core]["busy_frac"] - cpu / window), 3)
        if srv_core in core else None,
        "loadavg": open("/proc/loadavg").read().split()[:3],
    })
    return run


def gcannon_cmd(gcannon, port, scen, conns, seconds):
    """The arena's own command lines (ARENA.md §3.1-3.3) with our port, one thread."""
    sc = SCENARIOS[scen]
    if scen == "pipelined":  # URL mode: gcannon writes `GET /pipeline` itself, 16 per write
        cmd = [gcannon, f"http://127.0.0.1:{port}/pipeline"]
    else:
        cmd = [gcannon, f"http://127.0.0.1:{port}/", "--raw",
               ",".join(os.path.join(REQ_DIR, t) for t in sc["templates"])]
    cmd += ["-c", str(conns), "-t", "1", "-d", f"{seconds}s", "-p", str(sc["depth"]), "--json"]
    if sc["reqs"]:
        cmd += ["-r", str(sc["reqs"])]
    return cmd


def gcannon_run(srv, scen, conns, run_idx, args, outdir):
    """One run with the arena's load generator (`--loadgen gcannon=PATH`).  gcannon has no
    warm-up and counts from its start, so the server's CPU is sampled over the whole run
    (connects included, for every server alike) and --warmup is not used.  It checks the
    status only, not bodies."""
    tag = f"{scen}-c{conns}-{srv.name}-run{run_idx + 1}"
    seconds = max(1, round(args.duration))
    cmd = gcannon_cmd(args.gcannon, srv.port, scen, conns, seconds)
    jpath = os.path.join(outdir, "raw", tag + ".json")
    with open(jpath, "wb") as out, open(os.path.join(outdir, "logs", tag + ".loadgen.log"), "wb") as lf:
        c0, k0, ta = srv.cpu(), core_stat(), time.monotonic()
        p = spawn(cmd, LOAD_CORE, stdout=out, stderr=lf, stdin=subprocess.DEVNULL)
        try:
            rc = p.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "timeout"
        c1, k1, tb = srv.cpu(), core_stat(), time.monotonic()
    run = {"tag": tag, "loadgen": "gcannon", "loadgen_rc": rc, "window_s": round(tb - ta, 4),
           "cmd": " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)}
    try:
        with open(jpath) as f:
            lg = json.load(f)
    except (OSError, ValueError):
        lg = None
    if not lg or rc not in (0, 1):  # 1: some responses had another status (counted as non-2xx)
        run["failed"] = True
        return run
    resp, window = lg["responses"], tb - ta
    user, sys_ = c1[0] - c0[0], c1[1] - c0[1]
    cpu = user + sys_
    core = {c: {"busy_frac": round((k1[c]["busy"] - k0[c]["busy"]) / CLK_TCK / window, 3),
                "steal_frac": round((k1[c]["steal"] - k0[c]["steal"]) / CLK_TCK / window, 3)} for c in k0}
    srv_core = f"cpu{SERVER_CORE}"
    run.update({
        "loadgen_version": lg.get("version"),
        "rps": lg["rps"], "ok_ps": lg["status"]["2xx"] / lg["elapsed_sec"], "responses": resp,
        "cpu_user_s": round(user, 3), "cpu_sys_s": round(sys_, 3), "cpu_s": round(cpu, 3),
        "cpu_util": round(cpu / window, 3),
        "rps_per_cpu": (resp / cpu) if cpu > 0 else None,
        "user_us_per_req": (user / resp * 1e6) if resp else None,
        "sys_us_per_req": (sys_ / resp * 1e6) if resp else None,
        "p50_ms": lg["latency_us"]["p50"] / 1000, "p99_ms": lg["latency_us"]["p99"] / 1000,
        "p999_ms": lg["latency_us"]["p999"] / 1000,
        "non2xx": resp - lg["status"]["2xx"], "errors": sum(lg["errors"].values()), "error_detail": lg["errors"],
        "reconnects": lg.get("reconnects", 0),
        "bytes_per_response": lg["bytes_read"] / resp if resp else None, "bytes_received": lg["bytes_read"],
        "loadgen_cpu_s": None, "mem_kib": srv.mem(), "cores": core,
        "core0_other_frac": round(max(0.0, core[srv_core]["busy_frac"] - cpu / window), 3)
        if srv_core in core else None,
        "loadavg": open("/proc/loadavg").read().split()[:3],
    })
    return run


def idle_run(srv, conns, run_idx, args, outdir):
    tag = f"idle-c{conns}-{srv.name}-run{run_idx + 1}"
    base = srv.mem()
    idle_window = args.idle_window
    hold = 1.0 + idle_window + 2.0
    cmd = [IDLE_BIN, "--port", str(srv.port), "--conns", str(conns),
           "--request", os.path.join(REQ_DIR, "get.raw"), "--expect-body", BODIES["get.raw"],
           "--connect-timeout", "30", "--hold", f"{hold}"]
    run = {"tag": tag, "cmd": " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd),
           "base_mem_kib": base}
    errf = open(os.path.join(outdir, "logs", tag + ".log"), "wb")
    p = spawn(cmd, LOAD_CORE, stdout=subprocess.PIPE, stderr=errf, stdin=subprocess.DEVNULL)
    try:
        ready = None
        r, _, _ = select.select([p.stdout], [], [], 40)
        if r:
            line = p.stdout.readline()
            try:
                ready = json.loads(line)
            except ValueError:
                ready = None
        if not ready:
            run["failed"] = True
            return run
        time.sleep(1.0)
        m1, c0, t0 = srv.mem(), srv.cpu(), time.monotonic()
        time.sleep(idle_window)
        m2, c1, t1 = srv.mem(), srv.cpu(), time.monotonic()
        done = None
        r, _, _ = select.select([p.stdout], [], [], hold + 10)
        if r:
            try:
                done = json.loads(p.stdout.readline())
            except ValueError:
                pass
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        errf.close()
    open_conns = ready["ok"] - ready.get("closed_early", 0)
    rss = max(m1["VmRSS"], m2["VmRSS"])
    run.update({
        "ready": ready, "done": done,
        "conns_ok": ready["ok"], "conns_failed": ready["failed"] + ready["unfinished"],
        "open_s": ready["seconds"],
        "vmrss_kib": rss, "vmhwm_kib": max(m1["VmHWM"], m2["VmHWM"]),
        "base_rss_kib": base.get("VmRSS"),
        "kib_per_conn": (rss - base["VmRSS"]) / open_conns if open_conns else None,
        "idle_cpu_s": round((c1[0] + c1[1]) - (c0[0] + c0[1]), 3),
        "idle_window_s": round(t1 - t0, 3),
        "closed_by_server": (done or {}).get("closed_by_server", 0) + ready.get("closed_early", 0),
    })
    with open(os.path.join(outdir, "raw", tag + ".json"), "w") as f:
        json.dump(run, f, indent=1)
    return run


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def aggregate(runs, kind):
    ok = [r for r in runs if not r.get("failed")]
    agg = {"runs_ok": len(ok), "runs_failed": len(runs) - len(ok)}
    if kind == "load":
        for k in ("rps", "ok_ps", "cpu_s", "cpu_user_s", "cpu_sys_s", "cpu_util", "rps_per_cpu",
                  "user_us_per_req", "sys_us_per_req", "p50_ms", "p99_ms", "p999_ms",
                  "loadgen_cpu_s", "core0_other_frac", "bytes_per_response"):
            agg[k] = med(ok, k)
        rpc = [r["rps_per_cpu"] for r in ok if r.get("rps_per_cpu")]
        agg["rps_per_cpu_min"] = min(rpc) if rpc else None
        agg["rps_per_cpu_max"] = max(rpc) if rpc else None
        agg["non2xx"] = sum(r.get("non2xx", 0) for r in ok)
        agg["errors"] = sum(r.get("errors", 0) for r in ok)
    else:
        for k in ("vmrss_kib", "vmhwm_kib", "base_rss_kib", "kib_per_conn", "open_s", "idle_cpu_s"):
            agg[k] = med(ok, k)
        agg["conns_ok"] = med(ok, "conns_ok")
        agg["conns_failed"] = sum(r.get("conns_failed", 0) for r in ok)
        agg["closed_by_server"] = sum(r.get("closed_by_server", 0) for r in ok)
    return agg


def probe_compressed(port, templates):
    """Compressed bodies can't be checked byte-exact by loadgen: fetch each template once,
    decode it (gzip with zlib, br with the brotli module when present) and compare it with
    the identity body. Returns {template: "br ok" | "gzip ok" | "identity ok" | ... | error}."""
    import socket
    import zlib
    from .scenarios import json_body, json_target
    out = {}
    for t in templates:
        with open(os.path.join(REQ_DIR, t), "rb") as f:
            req = f.read()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(req)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                hdr = {k.strip().lower(): v.strip() for k, _, v in
                       (l.decode("latin-1").partition(":") for l in head.split(b"\r\n")[1:])}
                n = int(hdr.get("content-length", "0"))
                while len(body) < n:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    body += chunk
        except OSError as e:
            out[t] = f"error: {e}"
            continue
        enc = hdr.get("content-encoding", "")
        want = json_body(*json_target(os.path.join(REQ_DIR, t))).encode()
        try:
            if enc == "gzip":
                out[t] = "gzip ok" if zlib.decompress(body, 31) == want else "gzip MISMATCH"
            elif enc == "br":
                try:
                    import brotli
                except ImportError:
                    out[t] = "br (not decoded: no python3-brotli)"
                    continue
                out[t] = "br ok" if brotli.decompress(body) == want else "br MISMATCH"
            else:
                out[t] = (f"identity {'ok' if body == want else 'MISMATCH'}" if not enc
                          else f"unknown Content-Encoding {enc!r}")
        except Exception as e:  # a corrupt stream
            out[t] = f"{enc} undecodable: {e}"
    return out
