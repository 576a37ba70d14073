"""What is measured: servers, ports, scenarios, request templates and expected bodies."""

import json
import os
import re

from .common import REQ_DIR, ROOT

HTTP_SERVERS = ["ringspec", "nginx", "h2o"]
SERVERS = HTTP_SERVERS + ["node-ws"]
PORTS = {"ringspec": 18180, "nginx": 18181, "h2o": 18182, "node-ws": 18183}
# Peers that take part only in some scenarios (no row at all elsewhere), and the
# program each needs on PATH.
PEER_SCENARIOS = {"node-ws": ["echo-ws", "echo-ws-p16"]}
PEER_PROGRAM = {"node-ws": "node"}

BASE_MIX = ["get.raw", "post_cl.raw", "post_chunked.raw"]
BODIES = {"get.raw": "55", "post_cl.raw": "75", "post_chunked.raw": "75", "pipeline.raw": "ok"}

JSON_MIX = [f"json-{c}.raw" for c in (1, 5, 10, 15, 25, 40, 50)]
JSON_COMP_MIX = [f"json-gzip-{c}.raw" for c in (25, 40, 50)]

SCENARIOS = {
    "baseline": dict(templates=BASE_MIX, depth=1, reqs=0, conns=[256, 1024],
                     what="get/post_cl/post_chunked round-robin per connection, depth 1"),
    "pipelined": dict(templates=["pipeline.raw"], depth=16, reqs=0, conns=[256, 1024],
                      what="GET /pipeline, 16 in flight per connection"),
    "limited-conn": dict(templates=BASE_MIX, depth=1, reqs=10, conns=[256, 1024],
                         what="baseline mix, reconnect after every 10 responses"),
    "idle": dict(conns=[16384], what="keep-alive connections, one GET each, then held idle"),
    # ARENA.md §3.4/§3.5 (the arena runs 4096 connections; 1024 is what fits this VM beside loadgen).
    "json": dict(templates=JSON_MIX, depth=1, reqs=25, conns=[256, 1024], only=["ringspec"],
                 what="GET /json/{1,5,10,15,25,40,50}?m=.. (the arena's 7 templates) round-robin per "
                      "connection, depth 1, reconnect after every 25 responses"),
    "json-comp": dict(templates=JSON_COMP_MIX, depth=1, reqs=25, conns=[256, 1024], only=["ringspec"],
                      what="GET /json/{25,40,50}?m=.. with `Accept-Encoding: gzip, br` (the arena's 3 "
                           "templates), depth 1, reconnect after every 25 responses"),
    # ARENA.md §3.20 (the arena runs -p 1 at 512/4096/16384 connections); loadgen --ws checks
    # every echo against the 5-byte "hello" it sent.
    "echo-ws": dict(ws="/ws", depth=1, reqs=0, conns=[512, 4096], only=["ringspec", "node-ws"],
                    na="n/a: no WebSocket echo",
                    what="WebSocket echo on /ws: upgrade, then one masked 5-byte text frame (`hello`, as "
                         "the arena's gcannon) in flight per connection; each echo is checked"),
    "echo-ws-p16": dict(ws="/ws", depth=16, reqs=0, conns=[512, 4096], only=["ringspec", "node-ws"],
                        na="n/a: no WebSocket echo",
                        what="echo-ws with 16 frames in flight per connection (sent in one write)"),
}
# The spec/arena.toml profile whose variant serves each scenario.
SCENARIO_PROFILE = {"baseline": "baseline", "pipelined": "pipelined", "limited-conn": "limited-conn",
                    "json": "json", "json-comp": "json-comp", "echo-ws": "echo-ws", "echo-ws-p16": "echo-ws",
                    "idle": "baseline"}
SCENARIO_ORDER = ["baseline", "pipelined", "limited-conn", "json", "json-comp", "echo-ws", "echo-ws-p16", "idle"]
LOAD_SCENARIOS = ["baseline", "pipelined", "limited-conn"]
JSON_SCENARIOS = ["json", "json-comp"]
WS_SCENARIOS = ["echo-ws", "echo-ws-p16"]
NA_PEERS = "n/a: no JSON processing"  # nginx-light and Debian's h2o config have none; not faked

# What each server does for each route: "computed" (the body is computed from
# the request) or "static" (a fixed body, NOT computed; labelled as such).
BODY_MODE = {
    ("ringspec", "baseline11"): "computed",
    ("nginx", "baseline11"): "static",
    ("h2o", "baseline11"): "computed",
}

PEER_NOTES = {
    "ringspec": "generated server, the spec/arena.toml variant of the scenario's profile (`--profile NAME`), "
                "`--workers 1`, defaults otherwise; computes a+b(+body)",
    "nginx": ("nginx-light (Debian), `master_process off`, 1 worker process, access_log off, "
              "keepalive_requests 1e9; `/pipeline` is `return 200 \"ok\"`; `/baseline11` is "
              "**static, not computed**: `return 200 \"55\"` (GET) / `\"75\"` (POST), the request "
              "body is read and discarded (nginx-light has no scripting to add numbers)"),
    "h2o": ("h2o (Debian), `num-threads: 1`, no access log; `/baseline11` is a mruby handler that "
            "computes a+b(+body) (Debian's h2o has mruby); `/pipeline` is `file.file` on a 2-byte "
            "file (2.3x faster here than an equivalent mruby handler, so the stronger config)"),
    "node-ws": ("Node.js with the `ws` package from npm (echo-ws only): one process, `perMessageDeflate` "
                "off like ringspec, every message sent back with its type"),
}


# Peers given on the command line (`bench/run --peer NAME=CMD`): NAME -> CMD.  They take
# part in the HTTP load scenarios and idle, on ports from EXTRA_PORT_BASE up; CMD gets
# its port as `{port}` and in the environment as PORT.
EXTRA_PEERS = {}
EXTRA_PORT_BASE = 18190


def add_peer(name, cmd):
    """Registers a --peer (in place, so every module's SERVERS sees it)."""
    if name in SERVERS or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ValueError(f"--peer name {name!r} is taken or not a plain name")
    EXTRA_PEERS[name] = cmd
    HTTP_SERVERS.append(name)
    SERVERS.append(name)
    PORTS[name] = EXTRA_PORT_BASE + len(EXTRA_PEERS) - 1
    PEER_SCENARIOS[name] = LOAD_SCENARIOS + ["idle"]
    PEER_NOTES[name] = (f"`{cmd.replace(ROOT + '/', '')}` (given with --peer; its /baseline11 is taken to "
                        "compute a+b(+body))")


def body_mode(server, scen):
    """baseline11 bodies are computed or static per server; /pipeline is a
    constant "ok" for everyone."""
    if scen in ("baseline", "limited-conn"):
        return BODY_MODE.get((server, "baseline11"), "computed")
    return "const" if scen == "pipelined" else "—"


def takes_part(scen, server):
    """Whether server has a row in scen at all (a peer of some scenarios only has none elsewhere)."""
    return scen in PEER_SCENARIOS.get(server, [scen])


def runs_on(scen, server):
    only = SCENARIOS[scen].get("only")
    return takes_part(scen, server) and (not only or server in only)


def na_reason(scen):
    return SCENARIOS[scen].get("na", NA_PEERS)


def json_target(template):
    """(count, m) of a json template's request line."""
    with open(os.path.join(REQ_DIR, template), "rb") as f:
        line = f.readline().decode()
    g = re.match(r"GET /json/(\d+)(?:\?m=(\d+))? ", line)
    return int(g.group(1)), int(g.group(2) or 1)


def json_body(count, m, data_root=os.path.join(ROOT, "data")):
    """The identity body ARENA.md §2.2 defines, compact, in the dataset's key order."""
    with open(os.path.join(data_root, "dataset.json")) as f:
        items = json.load(f)[:max(0, count)]
    out = [dict(it, total=it["price"] * it["quantity"] * m) for it in items]
    return json.dumps({"items": out, "count": len(out)}, separators=(",", ":"))


def expected_bodies(scen):
    """--expect-body values per template; compressed bodies are checked by a probe instead."""
    sc = SCENARIOS[scen]
    if sc.get("ws"):
        return {}  # loadgen --ws checks every echo itself
    if scen == "json":
        return {t: json_body(*json_target(t)) for t in sc["templates"]}
    if scen == "json-comp":
        return {}
    return {t: BODIES[t] for t in sc["templates"]}
