"""The machine: child processes pinned to a core, /proc sampling, ports, sysctls and limits."""

import ctypes
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time

from .common import ROOT, log, warn
from .scenarios import PORTS


LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
CLK_TCK = os.sysconf("SC_CLK_TCK")

CHILDREN = []  # every Popen we started; stopped by cleanup()
SYSCTL_RESTORE = []


def pinned(core):
    """preexec_fn: pin to one core; die with the parent (belt and braces to
    the EXIT cleanup below)."""
    def fn():
        os.sched_setaffinity(0, {core})
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    return fn


def spawn(cmd, core, **kw):
    p = subprocess.Popen(cmd, preexec_fn=pinned(core), **kw)
    CHILDREN.append(p)
    return p


def stop_process(p, sig=signal.SIGTERM, grace=10.0):
    if p.poll() is not None:
        return p.returncode
    try:
        p.send_signal(sig)
        return p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait(timeout=5)
    except ProcessLookupError:
        return p.poll()


def cleanup():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                stop_process(p, grace=3.0)
            except Exception:
                pass
    for path, old in reversed(SYSCTL_RESTORE):
        try:
            with open(path, "w") as f:
                f.write(old + "\n")
        except OSError:
            pass
    SYSCTL_RESTORE.clear()


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def proc_cpu(pid):
    """(user_s, sys_s) for the whole process (all threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def proc_mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out  # kB; Threads a count (io-wq workers idle 5 s before they exit, so they show here)


def core_stat():
    """Busy and steal jiffies per core from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                v = [int(x) for x in line.split()[1:]]
                # user nice system idle iowait irq softirq steal
                out[line.split()[0]] = {"busy": v[0] + v[1] + v[2] + v[5] + v[6] + v[7], "steal": v[7]}
    return out


def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


def port_bindable(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_port_free(port, limit=75):
    """A client socket that once got `port` as its ephemeral port (before it
    was reserved) blocks bind() until its TIME_WAIT ends (60 s)."""
    deadline = time.monotonic() + limit
    if port_bindable(port):
        return True
    log(f"port {port} is held (TIME_WAIT of an old client socket?); waiting up to {limit} s")
    while time.monotonic() < deadline:
        time.sleep(1)
        if port_bindable(port):
            return True
    return False


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def raise_limits():
    changed = []
    wanted = [("net.ipv4.ip_local_port_range", "1024 65535"),
              ("net.core.somaxconn", "65535"),
              ("net.ipv4.tcp_max_syn_backlog", "65535")]
    for name, val in wanted:
        path = "/proc/sys/" + name.replace(".", "/")
        try:
            with open(path) as f:
                old = f.read().strip()
        except OSError as e:
            warn(f"cannot read {name}: {e}")
            continue
        if " ".join(old.split()) == val:
            log(f"sysctl {name} = {val} (already)")
            continue
        try:
            with open(path, "w") as f:
                f.write(val)
            SYSCTL_RESTORE.append((path, old))
            log(f"sysctl {name}: {' '.join(old.split())} -> {val} (restored on exit)")
            changed.append({"name": name, "old": " ".join(old.split()), "new": val})
        except OSError as e:
            warn(f"cannot set {name}={val} ({e}); many-connection runs may fail")
    # The widened ephemeral range covers the servers' ports: reserve them, or
    # a client socket (or its TIME_WAIT) can sit on 127.0.0.1:18182 and the
    # next server's bind() fails with EADDRINUSE.
    path = "/proc/sys/net/ipv4/ip_local_reserved_ports"
    want = f"{min(PORTS.values())}-{max(PORTS.values())}"
    try:
        with open(path) as f:
            old = f.read().strip()
        if want not in old.split(","):
            new = ",".join(x for x in (old, want) if x)
            with open(path, "w") as f:
                f.write(new)
            SYSCTL_RESTORE.append((path, old))
            log(f"sysctl net.ipv4.ip_local_reserved_ports: '{old}' -> '{new}' (restored on exit)")
            changed.append({"name": "net.ipv4.ip_local_reserved_ports", "old": old, "new": new})
    except OSError as e:
        warn(f"cannot reserve ports {want}: {e}")
    try:
        with open("/proc/sys/net/ipv4/tcp_tw_reuse") as f:
            log(f"sysctl net.ipv4.tcp_tw_reuse = {f.read().strip()} (2 = reuse TIME_WAIT on loopback; untouched)")
    except OSError:
        pass
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    log(f"ulimit -n: {soft} -> {hard} (hard limit)")
    if hard < 16384 + 64:
        warn(f"open-file hard limit {hard} is below what 16384 idle connections need")
    return {"sysctls_changed": changed, "nofile": hard}


def git_info():
    def g(*a):
        r = subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""
    dirty = [l[3:] for l in g("status", "--porcelain", "--untracked-files=no").splitlines() if l]
    return {"rev": g("rev-parse", "--short=12", "HEAD"), "dirty_files": dirty}


def machine_info():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1])
    return {"nproc": os.cpu_count(), "kernel": platform.release(), "cpu_model": model,
            "mem_total_gib": round(mem / 1048576, 1)}
