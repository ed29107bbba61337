#!/usr/bin/env bash
# redis-benchmark against ferrokv: it must complete, report a positive rate for each
# test, and cause no error replies (INFO errorstats before and after).
#
#   bash tests/interop/benchmark.sh FERROKV_BINARY
#
# 1. `redis-benchmark -a secret -t set,get,incr,mset -n 20000 -q`: every test reported
#    with rps > 0, and no new errorstat_* counts.
# 2. `-t ping,set,get,incr,lpush,rpush,sadd,hset,mset -n 5000 -q`: must finish in time.
# 3. Each of redis-benchmark's default tests on its own (-n 1000), to say which fail:
#    a test whose commands ferrokv does not have yet (`ERR unknown command`) is listed
#    as `# missing: ...`, not failed; a test that errors on a command ferrokv has fails.
#
# Prints `ok NAME` / `FAIL NAME: why` per check; exits 1 if any failed. The server is
# started on a free 127.0.0.1 port, bounded by `timeout`, and stopped by its PID.
set -euo pipefail

bin="${1:?usage: benchmark.sh FERROKV_BINARY}"
[[ "$bin" == */* ]] && bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
password=secret
failed=0

ok() { echo "ok benchmark/$1"; }
fail() {
    echo "FAIL benchmark/$1: ${*:2}"
    failed=$((failed + 1))
}
known() { echo "known benchmark/$1: ${*:2}"; } # a tracked ferrokv gap: see run.sh

for tool in redis-cli redis-benchmark python3; do
    if ! command -v "$tool" >/dev/null; then
        fail "prerequisite-$tool" "not found on PATH"
        exit 1
    fi
done

workdir="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$workdir" && exec timeout 170 "$bin" --port "$port" --bind 127.0.0.1 \
    --requirepass "$password" --save "" --appendonly no >"$workdir/server.log" 2>&1) &
server_pid=$!
cleanup() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 143' TERM INT # run.sh's time limit: still stop the server

cli() { timeout 10 redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning -a "$password" "$@"; }
# The errorstat_* lines of INFO errorstats, sorted ("errorstat_ERR:count=3").
errorstats() { cli info errorstats | tr -d '\r' | grep '^errorstat_' | sort || true; }
# redis-benchmark -q output, progress (\r-separated) lines dropped: "SET: 123.4 requests ..."
result_lines() { tr '\r' '\n' | grep -E '^[A-Z].*: [0-9.]+ requests per second' || true; }
bench() { redis-benchmark -h 127.0.0.1 -p "$port" -a "$password" -q "$@"; }

for _ in $(seq 100); do
    [[ "$(cli ping 2>/dev/null)" == PONG ]] && break
    sleep 0.1
done
if [[ "$(cli ping 2>/dev/null)" != PONG ]]; then
    fail start-server "ferrokv did not answer PING on port $port: $(tail -5 "$workdir/server.log")"
    exit 1
fi

# The errorstats check is only meaningful if errors show up there at all.
before="$(errorstats)"
cli nosuchcommand_interop >/dev/null || true
after="$(errorstats)"
if [[ "$before" == "$after" ]]; then
    fail errorstats-counts "INFO errorstats did not change after an unknown command: '$after'"
else
    ok errorstats-counts
fi
cli config resetstat >/dev/null || true

# Reports the test names expected in OUTPUT, each with a positive rps.
check_rates() { # CHECK_NAME OUTPUT EXPECTED_TEST...
    local name="$1" output="$2"
    shift 2
    local t line rps
    for t in "$@"; do
        line="$(grep -F "$t: " <<<"$output" | head -1 || true)"
        rps="$(sed -E 's/^[^:]+: ([0-9.]+) requests per second.*/\1/' <<<"$line")"
        if [[ -z "$line" ]]; then
            fail "$name/$t" "no result line for $t"
        elif ! awk -v r="$rps" 'BEGIN { exit !(r + 0 > 0) }'; then
            fail "$name/$t" "rate is not positive: $line"
        else
            ok "$name/$t"
        fi
    done
}

# New errorstat_* lines since BEFORE, as "errorstat_ERR:count=3" (empty when none).
new_errors() { # BEFORE
    comm -13 <(echo "$1") <(errorstats) | tr '\n' ' '
}

# --- 1. the main run ------------------------------------------------------------------------
before="$(errorstats)"
rc=0
raw="$(timeout 90 redis-benchmark -h 127.0.0.1 -p "$port" -a "$password" \
    -t set,get,incr,mset -n 20000 -q 2>&1)" || rc=$?
out="$(result_lines <<<"$raw")"
sed 's/^/# /' <<<"$out"
if [[ $rc -ne 0 ]]; then
    fail set-get-incr-mset "redis-benchmark exited with $rc (124: timed out after 90 s)"
else
    ok set-get-incr-mset
fi
check_rates set-get-incr-mset "$out" SET GET INCR "MSET (10 keys)"
errors="$(new_errors "$before")"
if [[ -n "$errors" ]]; then
    fail set-get-incr-mset/no-errors "INFO errorstats after the run: $errors"
else
    ok set-get-incr-mset/no-errors
fi
# redis-benchmark starts with CONFIG GET save and CONFIG GET appendonly, and warns
# when either reply is not a [name, value] pair.
# (config_gap=1 marks the warning as a known gap; CONFIG GET answers now, so it is 0.)
config_gap=0
if grep -q "Could not fetch server CONFIG" <<<"$raw"; then
    if [[ $config_gap -eq 1 ]]; then
        known reads-server-config "FIXME(compat) redis-benchmark warns 'Could not fetch server" \
            "CONFIG': CONFIG GET save / appendonly answer an empty map"
    else
        fail reads-server-config "redis-benchmark warns 'Could not fetch server CONFIG'"
    fi
elif [[ $config_gap -eq 1 ]]; then
    fail reads-server-config "no 'Could not fetch server CONFIG' warning any more: set config_gap=0"
else
    ok reads-server-config
fi

# --- 2. the wider set, bounded -------------------------------------------------------------
rc=0
out="$(timeout 60 redis-benchmark -h 127.0.0.1 -p "$port" -a "$password" \
    -t ping,set,get,incr,lpush,rpush,sadd,hset,mset -n 5000 -q 2>&1 | result_lines)" || rc=$?
sed 's/^/# /' <<<"$out"
if [[ $rc -ne 0 ]]; then
    fail gateway-mix "redis-benchmark exited with $rc (124: timed out after 60 s)"
else
    ok gateway-mix
fi
check_rates gateway-mix "$out" PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH SADD HSET \
    "MSET (10 keys)"

# --- 3. each default test alone: which ones fail, and why -----------------------------------
missing=()
declare -A commands_of=(
    [ping]="ping" [set]="set" [get]="get" [incr]="incr" [lpush]="lpush" [rpush]="rpush"
    [lpop]="lpop" [rpop]="rpop" [sadd]="sadd" [hset]="hset" [spop]="spop" [zadd]="zadd"
    [zpopmin]="zpopmin" [lrange]="lpush lrange" [mset]="mset"
)
for t in ping set get incr lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange mset; do
    before="$(errorstats)"
    rc=0
    raw="$(timeout 30 redis-benchmark -h 127.0.0.1 -p "$port" -a "$password" -t "$t" \
        -n 1000 -q 2>&1)" || rc=$?
    errors="$(new_errors "$before")"
    unknown=()
    for c in ${commands_of[$t]}; do
        # A probe with one argument: an existing command answers nil, a value or an
        # arity error; a missing one answers "ERR unknown command".
        if cli "$c" __interop_probe__ 2>&1 | grep -q "unknown command"; then
            unknown+=("${c^^}")
        fi
    done
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        fail "default-test/$t" "redis-benchmark -t $t did not finish in 30 s"
    elif [[ ${#unknown[@]} -gt 0 ]]; then
        # redis-benchmark exits 1 at the first error reply ("Error from server: ...").
        missing+=("$t (${unknown[*]})")
        echo "# default-test/$t: not counted, ferrokv lacks ${unknown[*]}"
    elif [[ $rc -ne 0 ]]; then
        fail "default-test/$t" "redis-benchmark -t $t exited with $rc:" \
            "$(tr '\r' '\n' <<<"$raw" | grep -v 'rps=' | tail -3 | tr '\n' ' ')"
    elif [[ -n "$errors" ]]; then
        fail "default-test/$t" "error replies although ferrokv has the commands: $errors"
    else
        ok "default-test/$t"
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "# missing: redis-benchmark default tests ferrokv cannot run yet: ${missing[*]}"
fi

if ! kill -0 "$server_pid" 2>/dev/null; then
    fail server-still-running "ferrokv exited during the benchmarks: $(tail -5 "$workdir/server.log")"
fi
[[ $failed -eq 0 ]]
