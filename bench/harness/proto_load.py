"""One measured run of a protocol scenario: h2load (h2c, h2 over TLS, gRPC), wrk (HTTPS/1.1, new
TLS handshakes), bench/loadgen (async-db) or the idle TLS holder, with the server's CPU sampled
over the measured window (after h2load's warm-up; inside wrk's run) and its RSS at the end."""

import json
import os
import re
import subprocess
import time

from .common import BENCH, LOAD_CORE, LOADGEN, ROOT
from .system import proc_cpu, proc_mem, sleep_until, spawn


TLS_IDLEHOLD = os.path.join(BENCH, "tls_idlehold.py")


def tree(pid):
    """pid and its descendants (h2o keeps its TLS private key in a forked neverbleed process that
    does the RSA signatures: its CPU and memory are the server's too)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def tree_cpu(pid):
    u = s = 0.0
    for p in tree(pid):
        try:
            a, b = proc_cpu(p)
        except (OSError, IndexError):
            continue
        u, s = u + a, s + b
    return u, s


def tree_mem(pid):
    """VmRSS and VmHWM summed over the process tree (KiB)."""
    out = {}
    for p in tree(pid):
        try:
            for k, v in proc_mem(p).items():
                out[k] = out.get(k, 0) + (v or 0)
        except OSError:
            pass
    return out


def _rel(c):
    return os.path.relpath(c, ROOT) if c.startswith(ROOT + "/") else c


def timed(cmd, env, pid, warmup, duration, logpath, grace=30):
    """Runs cmd pinned to the load core; samples pid's CPU from warmup + 0.3 s to warmup + duration
    - 0.2 s after the start (inside the generator's measuring phase). Returns (rc, output, window,
    (user, sys))."""
    with open(logpath, "wb") as lf:
        t0 = time.monotonic()
        p = spawn(cmd, LOAD_CORE, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        sleep_until(t0 + warmup + 0.3)
        c0, ta = tree_cpu(pid), time.monotonic()
        sleep_until(t0 + warmup + duration - 0.2)
        c1, tb = tree_cpu(pid), time.monotonic()
        try:
            rc = p.wait(timeout=warmup + duration + grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rc = "timeout"
    with open(logpath, errors="replace") as f:
        out = f.read()
    return rc, out, tb - ta, (c1[0] - c0[0], c1[1] - c0[1])


def finish(run, rate, cpu, window, pid):
    user, sys_ = cpu
    util = (user + sys_) / window if window > 0 else 0
    run.update({"rate": rate, "cpu_user_s": round(user, 3), "cpu_sys_s": round(sys_, 3),
                "cpu_util": round(util, 3), "rate_per_cpu": rate / util if util > 0 else None,
                "mem_kib": tree_mem(pid), "loadavg": open("/proc/loadavg").read().split()[:3]})
    return run


def h2load_run(urls, conns, streams, a, pid, logpath, data=None, headers=(), env=None, per_request=1):
    """h2load -t 1 -D duration --warm-up-time warmup. rate = succeeded requests per second x
    per_request (messages per call for server streaming)."""
    cmd = ["h2load", "-t", "1", "-c", str(conns), "-m", str(streams), "-D", f"{round(a.duration * 1000)}ms",
           "--warm-up-time", f"{round(a.warmup * 1000)}ms"]
    if data:
        cmd += ["-d", data]
    for h in headers:
        cmd += ["-H", h]
    cmd += urls
    rc, out, window, cpu = timed(cmd, env, pid, a.warmup, a.duration, logpath)
    run = {"cmd": " ".join(_rel(c) for c in cmd), "rc": rc}
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                  r"(\d+) errored, (\d+) timeout", out)
    fin = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", out)
    st = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if not (m and fin and st) or rc != 0:
        run["failed"] = True
        return run
    secs = float(fin.group(1)) / (1000 if fin.group(2) == "ms" else 1)
    ok = int(st.group(1))
    run.update({"succeeded": int(m.group(4)), "failed_reqs": int(m.group(5)), "errored": int(m.group(6)),
                "timeout": int(m.group(7)), "non2xx": int(st.group(2)) + int(st.group(3)) + int(st.group(4)),
                "seconds": secs, "req_s": ok / secs if secs else 0})
    return finish(run, run["req_s"] * per_request, cpu, window, pid)


def wrk_run(url, conns, a, pid, logpath, headers=(), env=None, script=None):
    """wrk -t 1 for duration (no warm-up phase: the window starts 0.3 s in)."""
    cmd = ["wrk", "-t", "1", "-c", str(conns), "-d", f"{a.duration:g}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    rc, out, window, cpu = timed(cmd, env, pid, 0, a.duration, logpath)
    run = {"cmd": " ".join(_rel(c) for c in cmd), "rc": rc}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rc != 0 or not rps:
        run["failed"] = True
        return run
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", out, re.M)
    run.update({"requests": int(total.group(1)) if total else None, "req_s": float(rps.group(1)),
                "non2xx": int(non2xx.group(1)) if non2xx else 0,
                "errors": {k: int(v) for k, v in zip(("connect", "read", "write", "timeout"), errs.groups())}
                if errs else {},
                "p99_ms": float(p99.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[p99.group(2)] if p99 else None})
    # Connection: close runs: every response ends its connection (a read error per close is how wrk
    # counts some of them); the count of completed requests is what matters.
    return finish(run, run["req_s"], cpu, window, pid)


def loadgen_run(port, templates, conns, reqs, a, pid, logpath, jpath, extra_pids=()):
    """bench/loadgen --raw templates, depth 1, reconnect every reqs; extra_pids' CPU (Postgres) is
    sampled over the same window and reported apart."""
    cmd = [LOADGEN, "--raw", ",".join(templates), "--port", str(port), "-c", str(conns), "-t", "1", "-p", "1",
           "-d", f"{a.duration:g}", "--warmup", f"{a.warmup:g}", "--json", jpath, "-q"]
    if reqs:
        cmd += ["-r", str(reqs)]
    pg0 = sum(sum(proc_cpu(p)) for p in alive(extra_pids))
    t0 = time.monotonic()
    rc, out, window, cpu = timed(cmd, None, pid, a.warmup, a.duration, logpath)
    pg1 = sum(sum(proc_cpu(p)) for p in alive(extra_pids))
    whole = time.monotonic() - t0
    run = {"cmd": " ".join(_rel(c) if len(c) < 200 else c[:60] + "..." for c in cmd), "rc": rc}
    try:
        with open(jpath) as f:
            lg = json.load(f)
    except (OSError, ValueError):
        run["failed"] = True
        return run
    run.update({"req_s": lg["requests_per_sec"], "non2xx": lg["responses"] - lg["status_2xx"],
                "errors": lg["errors"], "p99_ms": lg["latency_us"]["p99"] / 1000,
                # Postgres over the whole loadgen run (connects and warm-up included), as a utilisation
                "pg_cpu_util": round((pg1 - pg0) / whole, 3) if whole > 0 else None})
    return finish(run, run["req_s"], cpu, window, pid)


def alive(pids):
    return [p for p in pids if os.path.exists(f"/proc/{p}")]


def tls_idle_run(port, conns, hold, pid, logpath, env):
    """Opens conns TLS connections (one HTTP/1.1 request each) and holds them; RSS before and while
    held gives bytes per idle TLS connection."""
    time.sleep(2.0)  # h2o forks short-lived helpers at start (they would inflate the baseline)
    base = tree_mem(pid)
    cmd = ["/usr/bin/python3", TLS_IDLEHOLD, "--port", str(port), "--conns", str(conns), "--hold", f"{hold:g}",
           "--path", "/baseline2?a=1&b=1"]
    with open(logpath, "wb") as lf:
        p = spawn(cmd, LOAD_CORE, stdout=subprocess.PIPE, stderr=lf, stdin=subprocess.DEVNULL, env=env)
        ready = json.loads(p.stdout.readline() or "{}")
        time.sleep(min(1.0, hold / 2))
        held = tree_mem(pid)
        try:
            p.wait(timeout=hold + 30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    run = {"cmd": " ".join(_rel(c) for c in cmd), "ready": ready, "base_rss_kib": base.get("VmRSS"),
           "held_rss_kib": held.get("VmRSS"), "loadavg": open("/proc/loadavg").read().split()[:3]}
    ok = ready.get("ok", 0)
    if not ok or base.get("VmRSS") is None or held.get("VmRSS") is None:
        run["failed"] = True
        return run
    run["rate"] = (held["VmRSS"] - base["VmRSS"]) * 1024 / ok  # bytes per idle connection
    return run
