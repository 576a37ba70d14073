"""Rendering: the markdown tables, report.md and the generated block of BENCHMARKS.md."""

import json
import os

from .chart import render_chart
from .common import BENCHMARKS_MD, LOAD_CORE, MD_BEGIN, MD_END, ROOT, SERVER_CORE, log
from .fmt import find, fmt_f, fmt_mib, fmt_n
from .scenarios import (JSON_SCENARIOS, LOAD_SCENARIOS, PEER_NOTES, SCENARIO_ORDER, SCENARIOS, SERVERS,
                        WS_SCENARIOS, body_mode)


def table_entries(s, scenarios):
    """(scenario, conns, server, entry, ringspec's entry) in table order, for the servers that ran."""
    for scen in scenarios:
        for conns in sorted({e["conns"] for e in s["results"] if e["scenario"] == scen}):
            rs = find(s, scen, conns, "ringspec")
            for server in SERVERS:
                e = find(s, scen, conns, server)
                if e:
                    yield scen, conns, server, e, rs


def ratio_to_ringspec(rs, server, a):
    """ringspec's rps/CPU-s over this server's, "—" for ringspec itself or a missing figure."""
    if server != "ringspec" and rs and rs["agg"].get("rps_per_cpu") and a.get("rps_per_cpu"):
        return f"{rs['agg']['rps_per_cpu'] / a['rps_per_cpu']:.2f}×"
    return "—"


def cpu_cell(a):
    """Server CPU %, marked † when other processes held > 10 % of core 0 in the median run."""
    return (fmt_f(a['cpu_util'] * 100 if a['cpu_util'] is not None else None, 0)
            + ('†' if (a.get('core0_other_frac') or 0) > 0.10 else ''))


def render_tables(s):
    L = []
    m = s["meta"]
    gcannon = m.get("loadgen", "bench/loadgen") != "bench/loadgen"
    L.append(f"Run `{m['stamp']}` — {m['runs']} run(s) × {m['duration']} s per point ("
             + ("gcannon: no warm-up" if gcannon else f"after {m['warmup']} s warm-up")
             + f"), medians; ringspec `{m['git']['rev']}`"
             + (f" + {len(m['git']['dirty_files'])} uncommitted file(s)" if m['git']['dirty_files'] else "")
             + f"; {', '.join(f'{k} {v}' for k, v in m.get('peer_versions', {}).items())}.")
    L.append("")
    L.append(f"Machine: {m['machine']['nproc']} vCPU `{m['machine']['cpu_model']}`, kernel "
             f"`{m['machine']['kernel']}`, {m['machine']['mem_total_gib']} GiB RAM. Server pinned to "
             f"core {SERVER_CORE} (one worker), loadgen to core {LOAD_CORE} (one thread). "
             f"Total bench time {m.get('elapsed_s', 0) / 60:.1f} min.")
    if gcannon:
        v = next((r["loadgen_version"] for e in s["results"] for r in e.get("runs", []) if r.get("loadgen_version")),
                 "?")
        L.append("")
        L.append(f"Load generator for baseline, pipelined and limited-conn: **{m['loadgen']}** (v{v}), the "
                 "arena's command lines with one thread; no warm-up: server CPU is sampled over the whole run, "
                 "connects included; status checked, bodies not. Load average at start / end: "
                 f"{' '.join(m.get('loadavg_start', []))} / {' '.join(m.get('loadavg_end', []))}.")
    L.append("")
    if any(e["scenario"] in LOAD_SCENARIOS for e in s["results"]):  # not for a run of --only json, say
        L.append("| scenario | conns | server | body | rps | 2xx/s | **rps/CPU-s** | ringspec ÷ server (rps/CPU-s) "
                 "| server CPU % | user µs/req | sys µs/req | user s | sys s | VmHWM MiB | p50 ms | p99 ms | non-2xx "
                 "| errors |")
        L.append("|" + "---|" * 18)
    for scen, conns, server, e, rs in table_entries(s, LOAD_SCENARIOS):
        a = e["agg"]
        if e.get("skipped"):
            L.append(f"| {scen} | {conns} | {server} | | skipped: {e['skipped']} |" + " |" * 13)
            continue
        ratio = ratio_to_ringspec(rs, server, a)
        bm = body_mode(server, scen)
        L.append(
            f"| {scen} | {conns} | {server} | {'**static**' if bm == 'static' else bm} | {fmt_n(a['rps'])} | "
            f"{fmt_n(a['ok_ps'])} | **{fmt_n(a['rps_per_cpu'])}** | {ratio} | "
            f"{cpu_cell(a)} | "
            f"{fmt_f(a['user_us_per_req'], 3)} | {fmt_f(a['sys_us_per_req'], 3)} | "
            f"{fmt_f(a['cpu_user_s'])} | {fmt_f(a['cpu_sys_s'])} | {fmt_mib(e.get('vmhwm_kib'))} | "
            f"{fmt_f(a['p50_ms'], 2)} | {fmt_f(a['p99_ms'], 2)} | {a['non2xx']} | {a['errors']} |")
    if any((e.get("agg", {}).get("core0_other_frac") or 0) > 0.10 for e in s["results"]):
        L.append("")
        L.append("† median run had > 10 % of core 0 busy outside the server (other processes on this shared "
                 "VM): rps there is depressed; rps/CPU-s is less affected but batching suffers when the "
                 "server is not saturated.")
    L.extend(render_json_table(s))
    L.extend(render_ws_table(s))
    idle = [e for e in s["results"] if e["scenario"] == "idle"]
    if idle:
        L.append("")
        L.append("| idle | conns | server | held open | RSS at start MiB | **VmRSS MiB** | VmHWM MiB | KiB/conn | "
                 "time to open s | server CPU-s while idle | closed by server | failed |")
        L.append("|" + "---|" * 12)
        for server in SERVERS:
            for e in idle:
                if e["server"] != server:
                    continue
                a = e["agg"]
                if e.get("skipped"):
                    L.append(f"| idle | {e['conns']} | {server} | skipped: {e['skipped']} |" + " |" * 8)
                    continue
                L.append(f"| idle | {e['conns']} | {server} | {fmt_n(a['conns_ok'])} | {fmt_mib(a['base_rss_kib'])} | "
                         f"**{fmt_mib(a['vmrss_kib'])}** | {fmt_mib(a['vmhwm_kib'])} | {fmt_f(a['kib_per_conn'], 2)} | "
                         f"{fmt_f(a['open_s'])} | {fmt_f(a['idle_cpu_s'])} over {m.get('idle_window', '?')} s | "
                         f"{a['closed_by_server']} | {a['conns_failed']} |")
    bars = check_bars(s)
    if bars:
        L.append("")
        L.append("Performance bars (issue 3; the --peer rows are issue 20), ringspec medians from this run:")
        L.append("")
        L.append("| bar | target | measured | |")
        L.append("|---|---|---|---|")
        for b in bars:
            L.append(f"| {b[0]} | {b[1]} | {b[2]} | {b[3]} |")
    L.append("")
    L.append("Peers as configured: " + "; ".join(f"**{k}**: {v}" for k, v in PEER_NOTES.items()
                                                if k != "ringspec" and k in m.get("servers", PEER_NOTES))
             + ". **static** = a fixed body, not computed from the request.")
    return "\n".join(L)


def render_json_table(s):
    """json / json-comp (ringspec only; the peers as configured have no JSON processing)."""
    rows = [e for e in s["results"] if e["scenario"] in JSON_SCENARIOS]
    if not rows:
        return []
    L = ["", "| json scenario | conns | server | rps | 2xx/s | **rps/CPU-s** | server CPU % | user µs/req | "
         "sys µs/req | **bytes/response** | VmHWM MiB | p50 ms | p99 ms | non-2xx | errors |",
         "|" + "---|" * 15]
    for scen, conns, server, e, _ in table_entries(s, JSON_SCENARIOS):
        a = e["agg"]
        if e.get("na") or e.get("skipped"):
            L.append(f"| {scen} | {conns} | {server} | {e.get('na') or 'skipped: ' + e['skipped']} |"
                     + " |" * 11)
            continue
        L.append(
            f"| {scen} | {conns} | {server} | {fmt_n(a['rps'])} | {fmt_n(a['ok_ps'])} | "
            f"**{fmt_n(a['rps_per_cpu'])}** | "
            f"{cpu_cell(a)} | "
            f"{fmt_f(a['user_us_per_req'], 3)} | {fmt_f(a['sys_us_per_req'], 3)} | "
            f"**{fmt_f(a.get('bytes_per_response'), 0)}** | {fmt_mib(e.get('vmhwm_kib'))} | "
            f"{fmt_f(a['p50_ms'], 2)} | {fmt_f(a['p99_ms'], 2)} | {a['non2xx']} | {a['errors']} |")
    per_t = {}
    for e in rows:
        if e["server"] != "ringspec":
            continue
        for r in e.get("runs", []):
            for t, b in (r.get("template_bytes") or {}).items():
                per_t.setdefault((e["scenario"], t), []).append(b)
    if per_t:
        L.append("")
        L.append("Bytes per response (head + body) by template: " + ", ".join(
            f"`{t}` {min(v):.0f}" for (sc, t), v in sorted(per_t.items(), key=lambda kv: (
                kv[0][0], int("".join(ch for ch in kv[0][1] if ch.isdigit()))))) + ".")
    probes = [e.get("probe") for e in rows if e.get("probe")]
    if probes:
        L.append("")
        L.append("json-comp bodies (decoded and compared with the identity body before the runs): "
                 + ", ".join(f"`{t}` {v}" for t, v in probes[0].items()) + ". json bodies are checked on "
                 "every response (`--expect-body`).")
    return L


def render_ws_table(s):
    """echo-ws: ringspec against Node's ws (nginx-light and h2o as configured have no echo)."""
    rows = [e for e in s["results"] if e["scenario"] in WS_SCENARIOS]
    if not rows:
        return []
    L = ["", "| echo-ws scenario | conns | server | echoes/s | **echoes/CPU-s** | ringspec ÷ server | "
         "server CPU % | user µs/echo | sys µs/echo | VmHWM MiB | p50 ms | p99 ms | errors |",
         "|" + "---|" * 13]
    for scen, conns, server, e, rs in table_entries(s, WS_SCENARIOS):
        a = e["agg"]
        if e.get("na") or e.get("skipped"):
            L.append(f"| {scen} | {conns} | {server} | {e.get('na') or 'skipped: ' + e['skipped']} |"
                     + " |" * 9)
            continue
        ratio = ratio_to_ringspec(rs, server, a)
        L.append(
            f"| {scen} | {conns} | {server} | {fmt_n(a['ok_ps'])} | **{fmt_n(a['rps_per_cpu'])}** | "
            f"{ratio} | {cpu_cell(a)} | "
            f"{fmt_f(a['user_us_per_req'], 3)} | {fmt_f(a['sys_us_per_req'], 3)} | "
            f"{fmt_mib(e.get('vmhwm_kib'))} | {fmt_f(a['p50_ms'], 2)} | {fmt_f(a['p99_ms'], 2)} | "
            f"{a['errors']} |")
    L.append("")
    L.append("errors: echoes that did not match what was sent, plus frames loadgen gave up on after "
             "2 s (counted, and their connection reopened).")
    return L


def check_bars(s):
    out = []

    def rpc(scen, conns, server="ringspec"):
        e = find(s, scen, conns, server)
        return e["agg"].get("rps_per_cpu") if e and not e.get("skipped") else None

    def verdict(ok):
        return "PASS" if ok else "**MISS**"
    v = rpc("pipelined", 256)
    if v:
        out.append(("pipelined ×16, 256 conns", "≥ 1.6M rps/CPU-s", fmt_n(v) + f" ({v / 1.6e6 * 100:.0f}%)", verdict(v >= 1.6e6)))
    v = rpc("baseline", 256)
    if v:
        out.append(("baseline mix, 256 conns", "≥ 110k rps/CPU-s", fmt_n(v) + f" ({v / 110e3 * 100:.0f}%)", verdict(v >= 110e3)))
    v, h = rpc("limited-conn", 256), rpc("limited-conn", 256, "h2o")
    if v and h:
        out.append(("limited-conn, 256 conns", "≥ 1.2× h2o rps/CPU-s", f"{v / h:.2f}× h2o", verdict(v / h >= 1.2)))
    hw = [e.get("vmhwm_kib") for e in s["results"]
          if e["server"] == "ringspec" and e["conns"] == 1024 and e.get("vmhwm_kib")
          and e["scenario"] in LOAD_SCENARIOS]
    if hw:
        out.append(("RSS at 1024 conns (worst scenario VmHWM)", "≤ 8 MiB", f"{max(hw) / 1024:.1f} MiB", verdict(max(hw) <= 8 * 1024)))
    e = find(s, "idle", 16384, "ringspec")
    if e and not e.get("skipped") and e["agg"].get("vmrss_kib"):
        v = e["agg"]["vmrss_kib"]
        out.append(("RSS holding 16384 idle conns", "≤ 24 MiB", f"{v / 1024:.1f} MiB", verdict(v <= 24 * 1024)))
    out.extend(peer_bars(s, rpc, verdict))
    rs = [e for e in s["results"] if e["server"] == "ringspec" and e["scenario"] != "idle" and not e.get("skipped")]
    if rs:
        bad = sum(e["agg"].get("non2xx", 0) + e["agg"].get("errors", 0) for e in rs)
        out.append(("zero non-2xx and errors", "0", str(bad), verdict(bad == 0)))
    return out


def peer_bars(s, rpc, verdict):
    """Issue 20, against the --peer servers (the io_uring engines): >= 1.10x the better one's
    rps/CPU-s on every load point, and VmHWM <= 1/5 of each one's."""
    peers = list(s["meta"].get("extra_peers", {}))
    out = []
    if not peers:
        return out
    for scen in LOAD_SCENARIOS:
        for conns in sorted({e["conns"] for e in s["results"] if e["scenario"] == scen}):
            v = rpc(scen, conns)
            theirs = [(rpc(scen, conns, p), p) for p in peers]
            theirs = [t for t in theirs if t[0]]
            if not v or not theirs:
                continue
            best, name = max(theirs)
            out.append((f"{scen}, {conns} conns", "≥ 1.10× the better --peer (rps/CPU-s)",
                        f"{v / best:.2f}× {name}", verdict(v / best >= 1.10)))
            hw = find(s, scen, conns, "ringspec").get("vmhwm_kib")
            peer_hw = [(find(s, scen, conns, p) or {}).get("vmhwm_kib") for p in peers]
            if hw and all(peer_hw):
                out.append((f"{scen}, {conns} conns: VmHWM", "≤ 1/5 of each --peer's",
                            f"{hw / 1024:.1f} MiB vs " + ", ".join(f"{p} {h / 1024:.1f}" for p, h in zip(peers, peer_hw)),
                            verdict(all(hw * 5 <= h for h in peer_hw))))
    return out


def render_report(s, chart_name):
    m = s["meta"]
    L = [f"# ringspec benchmark — {m['stamp']}", ""]
    L.append(render_tables(s))
    L.append("")
    if chart_name:
        L.append(f"![rps per server CPU-second]({chart_name})")
        L.append("")
    L.append("## Scenarios")
    L.append("")
    for k in SCENARIO_ORDER:
        if k in m["scenarios"]:
            L.append(f"- **{k}**: {SCENARIOS[k]['what']}.")
    L.append("")
    L.append("## Noise")
    L.append("")
    L.append("Per run, `core0_other_frac` in summary.json is core-0 busy time not spent in the server "
             "(other processes, softirqs) as a fraction of the window; runs above 0.10:")
    noisy = [(r["tag"], r["core0_other_frac"]) for e in s["results"] for r in e.get("runs", [])
             if r.get("core0_other_frac") and r["core0_other_frac"] > 0.10]
    L.append("")
    L.append(", ".join(f"`{t}` {v:.2f}" for t, v in noisy) if noisy else "none.")
    L.append("")
    L.append("## Command")
    L.append("")
    L.append(f"    {m['command']}")
    L.append("")
    return "\n".join(L)


def update_benchmarks_md(s, outdir):
    block = render_tables(s) + "\n\nRaw results: `bench/results/" + os.path.basename(outdir) + "/` (not committed)."
    try:
        with open(BENCHMARKS_MD) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmarks\n\n"
    if MD_BEGIN in text and MD_END in text:
        head, rest = text.split(MD_BEGIN, 1)
        tail = rest.split(MD_END, 1)[1]
        text = head + MD_BEGIN + "\n" + block + "\n" + MD_END + tail
    else:
        text = text.rstrip() + "\n\n" + MD_BEGIN + "\n" + block + "\n" + MD_END + "\n"
    with open(BENCHMARKS_MD, "w") as f:
        f.write(text)
    log(f"updated {os.path.relpath(BENCHMARKS_MD, ROOT)}")


def write_outputs(s, outdir, update_md):
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)
    chart = "chart.png" if render_chart(s, os.path.join(outdir, "chart.png")) else None
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write(render_report(s, chart))
    if update_md:
        update_benchmarks_md(s, outdir)
    log(f"results: {os.path.relpath(outdir, ROOT)}/ (summary.json, report.md"
        + (", chart.png" if chart else "") + ")")
