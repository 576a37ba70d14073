#!/usr/bin/env bash
# loadgen self-check: runs ./loadgen against stub servers on random loopback
# ports and asserts on its JSON report. Only /usr/bin/python3 is used (the
# python3 on PATH may lack python3-websockets).
set -u
cd "$(dirname "$0")"
PY=/usr/bin/python3
LG=./loadgen
TMP=$(mktemp -d)
PIDS=()
fails=0

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# start_server NAME SCRIPT: the stub prints its port once it listens.
start_server() {
    "$PY" "$2" >"$TMP/$1.port" 2>"$TMP/$1.log" &
    PIDS+=($!)
    for _ in $(seq 100); do
        [ -s "$TMP/$1.port" ] && return 0
        sleep 0.05
    done
    echo "FAIL: $2 did not start"; cat "$TMP/$1.log"; exit 1
}

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# run NAME ARGS...: loadgen must exit 0 and leave $TMP/NAME.json.
run() {
    local name=$1; shift
    "$LG" -q --json "$TMP/$name.json" "$@"
    local rc=$?
    [ $rc -eq 0 ] || fail "$name: exit status $rc"
}

# check NAME EXPR: EXPR is Python over r (the report) and e (its errors).
check() {
    if "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1])); e = r["errors"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/$1.json" "$2" 2>/dev/null; then
        echo "ok   $1: $2"
    else
        fail "$1: $2"
        cat "$TMP/$1.json" 2>/dev/null
    fi
}

# usage_error NAME ARGS...: loadgen must refuse with exit status 2.
usage_error() {
    local name=$1; shift
    "$LG" "$@" >/dev/null 2>&1
    local rc=$?
    if [ $rc -eq 2 ]; then echo "ok   $name: exit 2"; else fail "$name: exit $rc, want 2"; fi
}

start_server http test_server.py
start_server ws test_ws_server.py
HP=$(cat "$TMP/http.port")
WP=$(cat "$TMP/ws.port")
H=http://127.0.0.1:$HP
NOERR='e["parse"] == 0 and e["read"] == 0 and e["timeout"] == 0 and e["connect"] == 0'

# The arena's three baseline templates, byte for byte.
printf 'GET /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\n\r\n' >"$TMP/get.raw"
printf 'POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: 2\r\n\r\n20' \
    >"$TMP/post_cl.raw"
printf 'POST /baseline11?a=13&b=42 HTTP/1.1\r\nHost: localhost:8080\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n20\r\n0\r\n\r\n' \
    >"$TMP/post_chunked.raw"
RAW="$TMP/get.raw,$TMP/post_cl.raw,$TMP/post_chunked.raw"
EXPECT_RAW=(--expect-body get.raw:55 --expect-body post_cl.raw:75 --expect-body post_chunked.raw:75)

echo "== HTTP, Content-Length, depth 1 and 4 (2 s each)"
run p1 "$H/ok" -c 4 -t 2 -d 2 -p 1 --expect-body url:ok
check p1 "r['responses'] > 0 and r['status_2xx'] == r['responses'] and $NOERR and e['body_mismatch'] == 0"
check p1 "r['latency_us']['p50'] > 0 and r['latency_us']['p50'] <= r['latency_us']['p99'] <= r['latency_us']['max']"
run p4 "$H/ok" -c 4 -t 2 -d 2 -p 4 --expect-body url:ok
check p4 "r['responses'] > 0 and r['status_2xx'] == r['responses'] and $NOERR and e['body_mismatch'] == 0"
check p4 "r['depth'] == 4 and r['connections'] == 4 and r['threads'] == 2 and r['duration_s'] == 2"

echo "== --warmup runs first and is not counted in the window"
run warmup "$H/ok" -c 2 -d 0.5 --warmup 0.5 --expect-body url:ok
check warmup "r['responses'] > 0 and r['duration_s'] == 0.5 and $NOERR and e['body_mismatch'] == 0"

echo "== body verification catches a wrong body"
run wrong "$H/ok" -c 2 -d 1 -p 2 --expect-body url:nope
check wrong "r['responses'] > 0 and e['body_mismatch'] == r['responses'] and e['parse'] == 0"

echo "== chunked responses (extensions, trailer), and responses dripped a few bytes per write"
run chunked "$H/chunked" -c 3 -d 1 -p 4 --expect-body 'url:hello world'
check chunked "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0"
run drip "$H/drip" -c 2 -d 1 -p 3 --expect-body url:dripped
check drip "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0"

echo "== bytes_per_response counts head + body of each counted response, exactly"
run bytes "$H/fixed" -c 3 -d 1 -p 4 --expect-body url:fixed
check bytes "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0"
check bytes "r['bytes_per_response'] == 100 and r['bytes_received'] == 100 * r['responses']"
check bytes "r['templates'][0]['bytes'] == r['bytes_received']"
run bytes_chunked "$H/fixed-chunked" -c 2 -d 1 -p 3 -r 5 --expect-body url:fixed
check bytes_chunked "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0 and r['reconnects'] > 0"
check bytes_chunked "r['bytes_per_response'] == 120 and r['bytes_received'] == 120 * r['responses']"

echo "== raw templates round-robin per connection (GET, POST CL, POST chunked)"
run raw --port "$HP" --raw "$RAW" -c 6 -t 2 -d 1 -p 2 "${EXPECT_RAW[@]}"
check raw "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0"
check raw "len(r['templates']) == 3 and all(t['ok'] > 0 for t in r['templates'])"

echo "== -r: reconnect after N responses, rotating templates"
run reconnect --port "$HP" --raw "$RAW" -c 2 -d 1 -p 2 -r 3 "${EXPECT_RAW[@]}"
check reconnect "r['reconnects'] > 3 and $NOERR and e['body_mismatch'] == 0"
check reconnect "all(t['ok'] > 0 for t in r['templates'])"

echo "== server-side Connection: close is a reconnect, not an error"
run close "$H/close" -c 2 -d 1 -p 1 --expect-body url:bye
check close "r['responses'] > 0 and r['reconnects'] > 0 and $NOERR and e['body_mismatch'] == 0"

echo "== a stalled server yields timeouts, and -d is a hard stop"
t0=$(date +%s%N)
run stall "$H/stall" -c 2 -d 1.5 --timeout 0.3
t1=$(date +%s%N)
check stall "r['responses'] == 0 and e['timeout'] > 0"
elapsed_ms=$(((t1 - t0) / 1000000))
if [ "$elapsed_ms" -lt 2500 ]; then echo "ok   stall: finished in ${elapsed_ms} ms"; else fail "stall: took ${elapsed_ms} ms"; fi

echo "== connection refused is counted, and the run still completes"
FREE=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run refused "http://127.0.0.1:$FREE/" -c 2 -d 0.5
check refused "r['responses'] == 0 and e['connect'] > 0"

echo "== WebSocket echo (python3-websockets), depth 1 and 4"
run ws1 --ws "ws://127.0.0.1:$WP/ws" -c 4 -t 2 -d 2 -p 1
check ws1 "r['responses'] > 0 and r['ws_upgrades'] == 4 and $NOERR and e['body_mismatch'] == 0 and e['handshake'] == 0"
run ws4 --ws "ws://127.0.0.1:$WP/ws" -c 4 -d 2 -p 4 --ws-payload "$(printf 'x%.0s' $(seq 300))"
check ws4 "r['responses'] > 0 and $NOERR and e['body_mismatch'] == 0 and e['handshake'] == 0"
run wsupper --ws "ws://127.0.0.1:$WP/upper" -c 2 -d 1 -p 2
check wsupper "r['responses'] > 0 and e['body_mismatch'] == r['responses']"
run wsbad --ws "ws://127.0.0.1:$HP/ws-bad" -c 2 -d 0.5
check wsbad "r['responses'] == 0 and e['handshake'] > 0 and r['ws_upgrades'] == 0"

echo "== usage errors exit 2, --help exits 0"
usage_error no-target
usage_error zero-conns "$H/ok" -c 0
usage_error bad-depth "$H/ok" -p x
usage_error https "https://127.0.0.1:$HP/"
usage_error unknown-expect "$H/ok" --expect-body nosuch.raw:1
usage_error missing-raw --raw "$TMP/does-not-exist.raw"
usage_error ws-with-raw --ws --raw "$TMP/get.raw"
if "$LG" --help | grep -q -- '--expect-body'; then echo "ok   --help"; else fail "--help"; fi

if [ "$fails" -ne 0 ]; then
    echo "loadgen self-check: $fails failure(s)"
    exit 1
fi
echo "loadgen self-check: all passed"
