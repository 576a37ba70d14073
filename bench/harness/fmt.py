"""Number formatting and lookups shared by the report, the chart and the level table."""


def fmt_n(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e4:
        return f"{x / 1e3:.0f}k"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def fmt_f(x, nd=2):
    return "—" if x is None else f"{x:.{nd}f}"


def fmt_mib(kib):
    return "—" if kib is None else f"{kib / 1024:.1f}"


def find(summary, scen, conns, server):
    for e in summary["results"]:
        if e["scenario"] == scen and e["conns"] == conns and e["server"] == server:
            return e
    return None
