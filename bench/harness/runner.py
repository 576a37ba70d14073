"""The measuring loop: every point (scenario x connections) for every server, runs interleaved."""

import json
import os
import time

from .common import log, warn
from .loadrun import aggregate, idle_run, load_run, probe_compressed
from .fmt import fmt_n
from .scenarios import SCENARIOS, na_reason, runs_on, takes_part
from .servers import Server


def plan(a, servers):
    """[(scenario, conns)] in run order, the run counts, and an estimate in seconds."""
    points = []
    for scen in a.scenarios:
        conns_list = SCENARIOS[scen]["conns"]
        if scen == "idle":
            conns_list = [a.idle_conns]
        elif a.conns_override:
            conns_list = a.conns_override
        for c in conns_list:
            points.append((scen, c))
    n_load = sum(sum(1 for sv in servers if runs_on(p[0], sv)) for p in points if p[0] != "idle") * a.runs
    n_idle = sum(sum(1 for sv in servers if takes_part("idle", sv)) for p in points if p[0] == "idle") * a.runs
    est = n_load * (a.warmup + a.duration + 0.6) + n_idle * (a.idle_window + 6)
    return points, n_load, n_idle, est


class Progress:
    def __init__(self, total):
        self.done, self.total = 0, total

    def next(self):
        self.done += 1
        return f"[{self.done}/{self.total}]"


def load_point(scen, conns, servers, bins, confs, outdir, a, prog):
    entries = {sv: {"scenario": scen, "conns": conns, "server": sv, "runs": []} for sv in servers}
    live = {}
    for sv in servers:
        if not runs_on(scen, sv):
            entries[sv]["na"] = na_reason(scen)
            continue
        try:
            live[sv] = Server(sv, bins, confs, os.path.join(outdir, "logs", f"{sv}-{scen}-c{conns}.log"),
                              scen).start()
        except RuntimeError as e:
            warn(str(e))
            entries[sv]["skipped"] = str(e)
    try:
        if scen == "json-comp" and "ringspec" in live:
            probe = probe_compressed(live["ringspec"].port, SCENARIOS[scen]["templates"])
            entries["ringspec"]["probe"] = probe
            log(f"{scen} probe: " + ", ".join(f"{k} {v}" for k, v in probe.items()))
        for r in range(a.runs):
            order = [sv for sv in servers if sv in live]
            k = r % max(1, len(order))
            order = order[k:] + order[:k]  # rotate who goes first
            for sv in order:
                srv = live[sv]
                step = prog.next()
                if not srv.alive():
                    entries[sv]["runs"].append({"tag": f"{scen}-c{conns}-{sv}-run{r + 1}", "failed": True,
                                                "why": "server exited"})
                    log(f"{step} {scen} c={conns} {sv} run {r + 1}: server is not running")
                    continue
                run = load_run(srv, scen, conns, r, a, outdir)
                entries[sv]["runs"].append(run)
                if run.get("failed"):
                    log(f"{step} {scen} c={conns} {sv} run {r + 1}: FAILED (loadgen rc {run['loadgen_rc']})")
                else:
                    log(f"{step} {scen:12s} c={conns:<5d} {sv:8s} run {r + 1}: "
                        f"{fmt_n(run['rps']):>6s} rps  cpu {run['cpu_s']:.2f}s "
                        f"(u {run['cpu_user_s']:.2f} s {run['cpu_sys_s']:.2f})  "
                        f"{fmt_n(run['rps_per_cpu']):>6s} rps/CPU-s  p99 {run['p99_ms']:.2f} ms  "
                        f"non2xx {run['non2xx']} err {run['errors']}"
                        + (f"  {run['bytes_per_response']:.0f} B/resp" if scen in ("json", "json-comp")
                           and run.get("bytes_per_response") else "")
                        + (f"  [core0 other {run['core0_other_frac']:.2f}]"
                           if (run.get('core0_other_frac') or 0) > 0.1 else ""))
                time.sleep(0.3)
    finally:
        for sv, srv in live.items():
            if srv.alive():
                entries[sv]["vmhwm_kib"] = srv.mem().get("VmHWM")
                entries[sv]["vmrss_end_kib"] = srv.mem().get("VmRSS")
            entries[sv]["exit_code"] = srv.stop()
            if sv == "ringspec":
                entries[sv]["server_stats"] = srv.stats()
    for sv in servers:
        entries[sv]["agg"] = aggregate(entries[sv]["runs"], "load")
    return entries


def idle_point(conns, servers, bins, confs, outdir, a, prog):
    entries = {sv: {"scenario": "idle", "conns": conns, "server": sv, "runs": []} for sv in servers}
    for r in range(a.runs):
        for sv in servers:
            step = prog.next()
            srv = Server(sv, bins, confs, os.path.join(outdir, "logs", f"{sv}-idle-c{conns}-run{r + 1}.log"), "idle")
            try:
                srv.start()
            except RuntimeError as e:
                warn(str(e))
                entries[sv]["skipped"] = str(e)
                continue
            try:
                run = idle_run(srv, conns, r, a, outdir)
            finally:
                rc = srv.stop()
            run["exit_code"] = rc
            if sv == "ringspec":
                run["server_stats"] = srv.stats()
            entries[sv]["runs"].append(run)
            if run.get("failed"):
                log(f"{step} idle c={conns} {sv} run {r + 1}: FAILED")
            else:
                log(f"{step} {'idle':12s} c={conns:<5d} {sv:8s} run {r + 1}: "
                    f"{run['conns_ok']} open in {run['open_s']:.2f}s  VmRSS {run['vmrss_kib'] / 1024:.1f} MiB "
                    f"(start {run['base_rss_kib'] / 1024:.1f}, {run['kib_per_conn']:.2f} KiB/conn)  "
                    f"idle CPU {run['idle_cpu_s']:.2f}s  closed by server {run['closed_by_server']}")
    for sv in servers:
        entries[sv]["agg"] = aggregate(entries[sv]["runs"], "idle")
    return entries


def measure(a, servers, bins, confs, outdir, summary):
    """Runs every point, appending to summary["results"] (and saving it after each point)."""
    points, n_load, n_idle, est = plan(a, servers)
    log(f"{n_load} load runs + {n_idle} idle runs; about {est / 60:.1f} min")
    prog = Progress(n_load + n_idle)
    for scen, conns in points:
        point_servers = [sv for sv in servers if takes_part(scen, sv)]
        if scen != "idle":
            entries = load_point(scen, conns, point_servers, bins, confs, outdir, a, prog)
        else:
            entries = idle_point(conns, point_servers, bins, confs, outdir, a, prog)
        summary["results"].extend(entries[sv] for sv in point_servers)
        # keep partial results if a later point fails hard
        with open(os.path.join(outdir, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
