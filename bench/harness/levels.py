"""bench/compression_levels: bytes and rps of /json at every br quality 0..5, gzip level 1..6
and identity, scored as the arena scores json-comp; plus zlib vs libdeflate on the same bodies.

Each variant server is built from a copy of spec/arena.toml whose /json route says
`compress = { br = K, gzip = K + 1 }` (K = 0..5): one build serves br K to `Accept-Encoding: br`
and gzip K+1 to `Accept-Encoding: gzip`. Generated C and binaries go to the results directory.
"""

import json
import os
import re
import subprocess
import time

from .common import BENCH, LOAD_CORE, ROOT, SERVER_CORE, die, log, run_cmd, warn
from .fmt import fmt_f, fmt_n
from .loadrun import aggregate, load_run, probe_compressed
from .scenarios import json_body
from .servers import Server
from .system import pinned

SPEC = os.path.join(ROOT, "spec", "arena.toml")
URLS = [(25, 4), (40, 8), (50, 6)]  # the json-comp templates (ARENA.md §3.5)
BR_LEVELS = range(0, 6)
GZ_LEVELS = range(1, 7)
GZ_SRC = os.path.join(BENCH, "gzip_bench.c")
GZ_BIN = os.path.join(ROOT, "build", "bench", "gzip_bench")
COMPRESS_RE = re.compile(r"^compress\s*=\s*\{[^}]*\}", re.M)


def spec_default():
    """{coding: level} of the /json route in spec/arena.toml (the chosen default)."""
    with open(SPEC) as f:
        m = COMPRESS_RE.findall(f.read())
    if len(m) != 1:
        die(f"expected one `compress = {{...}}` line in {SPEC}, found {len(m)}")
    return {k: int(v) for k, v in re.findall(r"(\w+)\s*=\s*(\d+)", m[0].split("=", 1)[1])}


def build_variants(outdir):
    """{K: server binary} for compress = { br = K, gzip = K + 1 }."""
    with open(SPEC) as f:
        text = f.read()
    bins = {}
    for k in BR_LEVELS:
        d = os.path.join(outdir, "variants", f"br{k}-gzip{k + 1}")
        os.makedirs(d, exist_ok=True)
        spec = os.path.join(d, "arena.toml")
        with open(spec, "w") as f:
            f.write(COMPRESS_RE.sub(f"compress = {{ br = {k}, gzip = {k + 1} }}", text, count=1))
        gen = os.path.join(d, "generated")
        if run_cmd([os.path.join(ROOT, "ringspec"), "generate", spec, "-o", gen], cwd=ROOT,
                   stdout=subprocess.DEVNULL).returncode != 0:
            die(f"ringspec generate failed for {spec}")
        if run_cmd(["make", "-s", "-C", ROOT, "server", f"GEN_DIR={gen}", f"OUT={d}"]).returncode != 0:
            die(f"building {d} failed")
        bins[k] = os.path.join(d, "server")
    return bins


def write_templates(outdir):
    """{(coding, count): path}; coding "identity" sends no Accept-Encoding."""
    d = os.path.join(outdir, "requests")
    os.makedirs(d, exist_ok=True)
    out = {}
    for coding in ("identity", "br", "gzip"):
        for c, m in URLS:
            path = os.path.join(d, f"{coding}-json-{c}.raw")
            ae = "" if coding == "identity" else f"Accept-Encoding: {coding}\r\n"
            with open(path, "w", newline="") as f:
                f.write(f"GET /json/{c}?m={m} HTTP/1.1\r\nHost: localhost:8080\r\n{ae}\r\n")
            out[(coding, c)] = path
    return out


def settings():
    """[(label, coding, level, variant K)] in table order."""
    out = [("identity", "identity", None, 0)]
    out += [(f"br {q}", "br", q, q) for q in BR_LEVELS]
    out += [(f"gzip {g}", "gzip", g, g - 1) for g in GZ_LEVELS]
    return out


def measure(a, bins, outdir):
    tmpl = write_templates(outdir)
    runs = {}  # (label, count) -> [run]
    probes = {}
    total = len(settings()) * len(URLS) * a.runs
    step = 0
    for r in range(a.runs):
        for k in BR_LEVELS:
            here = [s for s in settings() if s[3] == k]
            srv = Server("ringspec", {"ringspec": bins[k]}, {},
                         os.path.join(outdir, "logs", f"br{k}-gzip{k + 1}-run{r + 1}.log")).start()
            try:
                for label, coding, _, _ in here:
                    if r == 0:
                        probes[label] = probe_compressed(srv.port, [tmpl[(coding, c)] for c, _ in URLS])
                    for c, m in URLS:
                        step += 1
                        sc = {"templates": [tmpl[(coding, c)]], "depth": 1, "reqs": a.reqs}
                        expects = {os.path.basename(tmpl[(coding, c)]): json_body(c, m)} if coding == "identity" else {}
                        tag = f"{label.replace(' ', '')}-json{c}"
                        run = load_run(srv, tag, a.conns, r, a, outdir, sc=sc, expects=expects)
                        runs.setdefault((label, c), []).append(run)
                        if run.get("failed"):
                            log(f"[{step}/{total}] {label:9s} /json/{c}?m={m} run {r + 1}: FAILED")
                        else:
                            log(f"[{step}/{total}] {label:9s} /json/{c}?m={m} run {r + 1}: "
                                f"{fmt_n(run['rps']):>6s} rps  {fmt_n(run['rps_per_cpu']):>6s} rps/CPU-s  "
                                f"{run['bytes_per_response']:.0f} B/resp  non2xx {run['non2xx']} err {run['errors']}"
                                + (f"  [core0 other {run['core0_other_frac']:.2f}]"
                                   if (run.get('core0_other_frac') or 0) > 0.1 else ""))
                        time.sleep(0.3)
            finally:
                srv.stop()
    table = []
    for label, coding, level, _ in settings():
        row = {"label": label, "coding": coding, "level": level, "urls": {}}
        for c, m in URLS:
            row["urls"][c] = aggregate(runs.get((label, c), []), "load")
        table.append(row)
    return {"table": table, "probes": probes,
            "runs": {f"{k[0]}|{k[1]}": v for k, v in runs.items()}}


def score(table):
    """Adds the mix (the 3 URLs round-robin: mean bytes, harmonic-mean rps) and the arena's
    json-comp score rps x (min_bytes / bytes)^2, min over this table."""
    for row in table:
        u = [row["urls"][c] for c, _ in URLS]
        ok = all(x.get("rps") and x.get("bytes_per_response") for x in u)
        row["mix_bytes"] = sum(x["bytes_per_response"] for x in u) / len(u) if ok else None
        row["mix_rps"] = len(u) / sum(1 / x["rps"] for x in u) if ok else None
        row["mix_rpc"] = (len(u) / sum(1 / x["rps_per_cpu"] for x in u)
                          if ok and all(x.get("rps_per_cpu") for x in u) else None)
    mins = [r["mix_bytes"] for r in table if r["mix_bytes"]]
    mn = min(mins) if mins else None
    for row in table:
        b = row["mix_bytes"]
        row["score"] = row["mix_rps"] * (mn / b) ** 2 if b and row["mix_rps"] else None
        row["score_cpu"] = row["mix_rpc"] * (mn / b) ** 2 if b and row["mix_rpc"] else None
    return mn


def gzip_micro(outdir, default_gzip):
    """zlib vs libdeflate per body at gzip levels 1..6; [{body, level, lib, bytes, ns}]."""
    if not os.path.exists("/usr/include/libdeflate.h"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-q", "libdeflate-dev"]
        if run_cmd(cmd, env=env).returncode != 0:
            run_cmd(["apt-get", "update", "-q"], env=env)
            run_cmd(cmd, env=env)
    if not os.path.exists(GZ_BIN) or os.path.getmtime(GZ_BIN) < os.path.getmtime(GZ_SRC):
        os.makedirs(os.path.dirname(GZ_BIN), exist_ok=True)
        if run_cmd(["cc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", GZ_BIN, GZ_SRC, "-lz", "-ldeflate"]).returncode:
            warn("building bench/gzip_bench.c failed (libdeflate-dev missing?): no zlib/libdeflate table")
            return []
    d = os.path.join(outdir, "bodies")
    os.makedirs(d, exist_ok=True)
    files = []
    for c, m in URLS:
        p = os.path.join(d, f"json-{c}-m{m}.json")
        with open(p, "w") as f:
            f.write(json_body(c, m))
        files.append(p)
    out = []
    for level in GZ_LEVELS:
        r = subprocess.run([GZ_BIN, str(level)] + files, capture_output=True, text=True,
                           preexec_fn=pinned(SERVER_CORE), timeout=120)
        if r.returncode != 0:
            warn(f"gzip_bench level {level} failed: {r.stderr.strip()}")
            continue
        out += [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return out


def render(res):
    t = res["table"]
    for r in t:  # a JSON round trip (--from-results) makes the URL keys strings
        r["urls"] = {int(k): v for k, v in r["urls"].items()}
    d = res["default"]
    m = res["meta"]
    best = max((r for r in t if r.get("score")), key=lambda r: r["score"], default=None)
    best_cpu = max((r for r in t if r.get("score_cpu")), key=lambda r: r["score_cpu"], default=None)
    L = [f"Run `{m['stamp']}` — {m['runs']} run(s) × {m['duration']} s per cell (after {m['warmup']} s warm-up), "
         f"medians; `loadgen -c {m['conns']} -t 1 -p 1 -r {m['reqs']}` on core {LOAD_CORE}, one ringspec worker on "
         f"core {SERVER_CORE}; ringspec `{m['git']['rev']}`"
         + (f" + {len(m['git']['dirty_files'])} uncommitted file(s)" if m['git']['dirty_files'] else "")
         + f". Total time {m.get('elapsed_s', 0) / 60:.1f} min.", ""]
    hdr = ["setting"] + [f"B/resp {c}·{mm}" for c, mm in URLS] + [f"rps {c}·{mm}" for c, mm in URLS] + [
        "mix B/resp", "mix rps", "mix rps/CPU-s", "**score**", "score % of best", "score on rps/CPU-s"]
    L.append("| " + " | ".join(hdr) + " |")
    L.append("|" + "---|" * len(hdr))
    for r in t:
        chosen = r["level"] is not None and d.get(r["coding"]) == r["level"]
        mark = " ★ (spec default)" if chosen else ""
        noisy = any((r["urls"][c].get("core0_other_frac") or 0) > 0.10 for c, _ in URLS)
        cells = [f"{'**' + r['label'] + '**' if chosen else r['label']}{mark}"]
        cells += [fmt_f(r["urls"][c].get("bytes_per_response"), 0) for c, _ in URLS]
        cells += [fmt_n(r["urls"][c].get("rps")) for c, _ in URLS]
        cells += [fmt_f(r["mix_bytes"], 0), fmt_n(r["mix_rps"]) + ("†" if noisy else ""), fmt_n(r["mix_rpc"]),
                  f"**{fmt_n(r['score'])}**" if r is best else fmt_n(r["score"]),
                  f"{r['score'] / best['score'] * 100:.0f}%" if best and r.get("score") else "—",
                  f"**{fmt_n(r['score_cpu'])}**" if r is best_cpu else fmt_n(r["score_cpu"])]
        L.append("| " + " | ".join(cells) + " |")
    L.append("")
    L.append(f"B/resp = response bytes, head + body (loadgen `bytes_per_response`); `25·4` is `/json/25?m=4`. "
             f"mix = the json-comp round-robin of the three: mean B/resp, harmonic-mean rps. "
             f"**score = mix rps × (min_bytes / mix B/resp)²** with min_bytes = {res['min_bytes']:.0f} (the smallest "
             f"mix in this table), the arena's json-comp formula (ARENA.md §9) with this table as the pool; "
             f"\"score on rps/CPU-s\" puts rps per server CPU-second in place of rps (less sensitive to the "
             f"shared core). Bold: the best score. † = a median run had > 10 % of core 0 busy outside the server.")
    if res.get("probes"):
        bad = {k: v for k, v in res["probes"].items() if any("ok" not in x for x in v.values())}
        L.append("")
        L.append("Every setting's three bodies were fetched once, decoded and compared with the identity body: "
                 + ("all equal." if not bad else "**problems**: " + json.dumps(bad)))
    gz = res.get("gzip_micro") or []
    if gz:
        lvl = d.get("gzip", 1)
        by = {(x["body"], x["level"], x["lib"]): x for x in gz}
        bodies = sorted({x["body"] for x in gz}, key=lambda b: int(re.findall(r"\d+", b)[0]))
        L.append("")
        L.append(f"gzip: zlib (as `runtime/app/compress.c` uses it: deflateReset per body, windowBits 15, memLevel 8) "
                 f"vs libdeflate {res.get('libdeflate_version', '')} (`libdeflate_gzip_compress`, one compressor "
                 f"per level), `bench/gzip_bench.c`, one core, wall time per compression:")
        L.append("")
        L.append("| level | body (identity bytes) | zlib bytes | libdeflate bytes | zlib µs | libdeflate µs | libdeflate speed-up |")
        L.append("|---|---|---|---|---|---|---|")
        for level in sorted({x["level"] for x in gz}):
            rows = [(b, by.get((b, level, "zlib")), by.get((b, level, "libdeflate"))) for b in bodies]
            rows = [(b, z, ld) for b, z, ld in rows if z and ld]
            show = rows if level == lvl else []
            for b, z, ld in show:
                L.append(f"| **{level}** ★ | `{b}` ({z['in']}) | {z['bytes']} | {ld['bytes']} | {z['ns'] / 1e3:.1f} | "
                         f"{ld['ns'] / 1e3:.1f} | {z['ns'] / ld['ns']:.2f}× |")
            if rows:
                zb, lb = sum(z["bytes"] for _, z, _ in rows), sum(ld["bytes"] for _, _, ld in rows)
                zt, lt = sum(z["ns"] for _, z, _ in rows), sum(ld["ns"] for _, _, ld in rows)
                L.append(f"| {'**' + str(level) + '**' if level == lvl else level} | all three (sum) | {zb} | {lb} | "
                         f"{zt / 1e3:.1f} | {lt / 1e3:.1f} | {zt / lt:.2f}× |")
    return "\n".join(L)
