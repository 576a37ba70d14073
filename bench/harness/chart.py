"""chart.png: rps per server CPU-second per load point, and server memory."""

from .common import warn
from .fmt import find, fmt_n
from .scenarios import HTTP_SERVERS, LOAD_SCENARIOS, body_mode


def render_chart(s, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        warn("matplotlib not available: no chart")
        return False
    colors = {"ringspec": "#d1495b", "nginx": "#2e7d32", "h2o": "#1f5fa8"}
    extra = ["#e6a117", "#7b3fa0", "#3c9d9b", "#6b6b6b"]  # --peer servers, in order
    for i, server in enumerate(sv for sv in HTTP_SERVERS if sv not in colors):
        colors[server] = extra[i % len(extra)]
    panels = [(sc, c) for sc in LOAD_SCENARIOS
              for c in sorted({e["conns"] for e in s["results"] if e["scenario"] == sc})]
    idle = [e for e in s["results"] if e["scenario"] == "idle" and not e.get("skipped")]
    n = len(panels) + (1 if idle or panels else 0)
    if n == 0:
        return False
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    axl = [a for row in axes for a in row]
    for ax, (sc, c) in zip(axl, panels):
        names, vals, lo, hi, cols_, hatch = [], [], [], [], [], []
        for server in HTTP_SERVERS:
            e = find(s, sc, c, server)
            if not e or e.get("skipped") or not e["agg"].get("rps_per_cpu"):
                continue
            a = e["agg"]
            names.append(server)
            vals.append(a["rps_per_cpu"] / 1e3)
            lo.append((a["rps_per_cpu"] - a["rps_per_cpu_min"]) / 1e3)
            hi.append((a["rps_per_cpu_max"] - a["rps_per_cpu"]) / 1e3)
            cols_.append(colors[server])
            hatch.append("//" if body_mode(server, sc) == "static" else "")
        bars = ax.bar(names, vals, color=cols_, yerr=[lo, hi], capsize=4)
        for b, h in zip(bars, hatch):
            b.set_hatch(h)
        for b, v in zip(bars, vals):
            ax.annotate(f"{v:,.0f}k", (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom",
                        fontsize=8, xytext=(0, 2), textcoords="offset points")
        bar = {("pipelined", 256): 1.6e6, ("baseline", 256): 110e3}.get((sc, c))
        if bar:
            ax.axhline(bar / 1e3, color="black", linestyle="--", linewidth=0.8)
            ax.annotate(f"bar {fmt_n(bar)}", (1.0, bar / 1e3), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=7)
        ax.set_title(f"{sc}, {c} conns", fontsize=10)
        ax.set_ylabel("k rps per server CPU-s", fontsize=8)
        ax.margins(y=0.15)
    # memory panel: VmHWM at 1024 conns (worst load scenario) and idle VmRSS
    axm = axl[len(panels)]
    groups = []
    if any(e["conns"] == 1024 for e in s["results"]):
        groups.append(("1024 conns\n(max VmHWM)", lambda srv: max(
            [e["vmhwm_kib"] for e in s["results"] if e["server"] == srv and e["conns"] == 1024
             and e["scenario"] in LOAD_SCENARIOS
             and e.get("vmhwm_kib")] or [0])))
    if idle:
        groups.append(("16384 idle\n(VmRSS)", lambda srv: (find(s, "idle", 16384, srv) or {}).get(
            "agg", {}).get("vmrss_kib") or 0))
    width = 0.8 / len(HTTP_SERVERS)
    for i, server in enumerate(HTTP_SERVERS):
        ys = [g[1](server) / 1024 for g in groups]
        xs = [j + (i - (len(HTTP_SERVERS) - 1) / 2) * width for j in range(len(groups))]
        bs = axm.bar(xs, ys, width, color=colors[server], label=server)
        for b, y in zip(bs, ys):
            if y:
                axm.annotate(f"{y:.1f}", (b.get_x() + b.get_width() / 2, y), ha="center", va="bottom", fontsize=7)
    for j, g in enumerate(groups):
        lim = 8 if g[0].startswith("1024") else 24
        axm.hlines(lim, j - 0.45, j + 0.45, colors="black", linestyles="--", linewidth=0.8)
        axm.annotate(f"bar {lim} MiB", (j + 0.45, lim), ha="right", va="bottom", fontsize=7)
    axm.set_xticks(range(len(groups)))
    axm.set_xticklabels([g[0] for g in groups], fontsize=8)
    axm.set_ylabel("server RSS, MiB", fontsize=8)
    axm.set_title("memory (one worker)", fontsize=10)
    axm.legend(fontsize=7)
    for ax in axl[len(panels) + 1:]:
        ax.axis("off")
    fig.suptitle(f"ringspec vs peers, server on 1 core — {s['meta']['stamp']} "
                 f"(median of {s['meta']['runs']}, bars = min..max; hatched = static body)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
