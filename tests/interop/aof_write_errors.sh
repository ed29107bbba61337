#!/usr/bin/env bash
# A full disk under the AOF: ferrokv against redis-server 7.0.15, same scenario.
#
#   bash tests/interop/aof_write_errors.sh [FERROKV_BINARY]
#
# Each server runs in its own user+mount namespace (`unshare -rm`) with its `dir` on a
# 2 MB tmpfs, of which a filler file takes 1.7 MB. SETs of 1,000 bytes go in until one
# is refused; then a SET, a GET and a PING; INFO's aof_last_write_status; the filler is
# removed and, after 1.5 s, a SET must succeed again; SHUTDOWN, a restart from the
# same AOF, and DBSIZE must be what it was (no acknowledged write lost, no partial
# record left). Under `always` the server must exit instead (nothing unwritten may be
# acknowledged). Every reply and the AOF log lines (timestamps and pids removed) must
# be identical for both servers, and must say what Redis says: MISCONF with the
# system's words, recovery, and exit status 1 under `always`.
#
# Prints `ok NAME` / `FAIL NAME: why` lines (see run.sh). Must not: touch anything
# outside its namespaces and temp directories, or leave a server running (each is
# under `timeout`, and the namespace ends with the script).
set -uo pipefail

bin="${1:-target/release/ferrokv-server}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
for tool in unshare redis-server redis-cli; do
    command -v "$tool" >/dev/null || { echo "FAIL aof-write-errors: $tool is missing"; exit 1; }
done

# The scenario, run inside the namespace: SERVER PORT POLICY
scenario='
B=$1; P=$2; POL=$3
M=$(mktemp -d) && mount -t tmpfs -o size=2m tmpfs "$M" || { echo "no tmpfs"; exit 1; }
start() { timeout 60 "$B" --port "$P" --bind 127.0.0.1 --save "" --appendonly yes --dir "$M" --appendfsync "$POL" >>"$M.log" 2>&1 & SP=$!; }
start
for _ in $(seq 50); do redis-cli -p "$P" ping >/dev/null 2>&1 && break; sleep 0.1; done
R="redis-cli -p $P"
head -c 1700000 /dev/zero > "$M/filler" 2>/dev/null
v=$(head -c 1000 /dev/zero | tr "\0" x)
i=0
while [ $i -lt 1000 ]; do r=$($R set k$i "$v" 2>&1); [ "$r" = OK ] || { echo "refused at k$i: $r"; break; }; i=$((i+1)); done
sleep 1.2
echo "set z: $($R set z 1 2>&1)"
echo "get k1: $($R get k1 2>&1 | head -c 10)"
echo "ping: $($R ping 2>&1)"
echo "status: $($R info persistence 2>&1 | grep -a aof_last_write_status | tr -d "\r")"
rm -f "$M/filler"; sleep 1.5
echo "after freeing: $($R set z 1 2>&1)"
before=$($R dbsize 2>&1)
echo "dbsize: $before"
$R shutdown >/dev/null 2>&1
wait $SP; echo "exit: $?"
if [ "$POL" = everysec ]; then
    start
    for _ in $(seq 50); do $R ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "dbsize after restart: $($R dbsize 2>&1)"
    $R shutdown nosave >/dev/null 2>&1; wait $SP
fi
grep -aE "Short write|Error writing to the AOF|looks solved|recover from AOF" "$M.log" | sed -E "s/^[0-9]+:M [0-9]+ [A-Za-z]+ [0-9]+ [0-9:.]+ //"
umount "$M"
'

port=$((27500 + RANDOM % 500))
for policy in everysec always; do
    redis_out="$(timeout 120 unshare -rm bash -c "$scenario" _ "$(command -v redis-server)" "$port" "$policy" 2>&1)"
    ours_out="$(timeout 120 unshare -rm bash -c "$scenario" _ "$bin" "$port" "$policy" 2>&1)"
    name="aof-write-errors $policy"
    case "$policy" in
        everysec) must=("MISCONF Errors writing to the AOF file: No space left on device" "after freeing: OK" "looks solved" "exit: 0") ;;
        always) must=("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..." "exit: 1") ;;
    esac
    missing=""
    for m in "${must[@]}"; do
        grep -qF -- "$m" <<<"$redis_out" || missing="$missing [redis lacks: $m]"
        grep -qF -- "$m" <<<"$ours_out" || missing="$missing [ferrokv lacks: $m]"
    done
    if [ "$policy" = everysec ]; then
        b=$(grep -a '^dbsize: ' <<<"$ours_out" | cut -d' ' -f2)
        a=$(grep -a '^dbsize after restart: ' <<<"$ours_out" | cut -d' ' -f4)
        [ -n "$b" ] && [ "$b" = "$a" ] || missing="$missing [ferrokv dbsize $b before, $a after restart]"
    fi
    if [ -n "$missing" ]; then
        echo "FAIL $name:$missing"
        printf '%s\n--- redis:\n%s\n--- ferrokv:\n%s\n' "" "$redis_out" "$ours_out"
    elif [ "$redis_out" != "$ours_out" ]; then
        echo "FAIL $name: replies or log lines differ"
        diff <(echo "$redis_out") <(echo "$ours_out")
    else
        echo "ok $name"
    fi
done
