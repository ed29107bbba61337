#!/usr/bin/env bash
# The container image end to end, as the MCP OAuth gateway uses redis:7-alpine:
#  1. installs Debian's podman, runc and docker-compose (and redis-server/redis-tools,
#     the oracle) when missing;
#  2. builds the static binary and the FROM scratch image (Dockerfile, BINARY=prebuilt)
#     and checks its contract (entrypoint, cmd, /data, port, stop signal, healthcheck,
#     size under 10 MB);
#  3. runs the repository's docker-compose.yml with docker-compose v1 through
#     `podman system service`, changed only in `image:`, `container_name:` and the host
#     port (a free one);
#  4. waits for the compose healthcheck (`redis-cli ... ping` inside the container);
#     checks the server is PID 1 as uid 999 / gid 1000 with protected-mode off and that
#     the password is in neither its command line nor `ps`;
#  5. writes OAuth-shaped keys with TTLs through `exec redis-cli`, stops and starts the
#     container, and checks every value and TTL came back from the AOF;
#  6. BGSAVE, `podman cp` of /data/dump.rdb, checked by Debian's redis-check-rdb and
#     loaded into Debian's redis-server;
#  7. loads 1,000,000 keys and times `docker-compose stop` (SIGTERM): it must save and
#     exit 0 within 10 s.
# Everything it creates (containers, volume, network, image, the podman service, the
# oracle server, temp files) is removed on exit, failed or not. Any failed check exits
# non-zero with a message; nothing is skipped.
#
# Needs root (podman with runc; the machines' cgroups and limits are described in
# ../shared/reference/dropin-surface.md §4.2).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)

say() { echo "== container-test: $*"; }
fail() {
    echo "container-test: FAIL: $*" >&2
    if [ -n "${name:-}" ] && podman container exists "$name" 2>/dev/null; then
        echo "--- last lines of the container's log:" >&2
        timeout 20 podman logs --tail 40 "$name" >&2 || true
    fi
    exit 1
}

# --- 1. tools -------------------------------------------------------------------------
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-check-rdb >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v strip >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${need[@]}"
fi
[ "$(id -u)" = 0 ] || fail "must run as root (rootful podman with runc)"

run_id="ferrokv-ct-$$-$RANDOM"
work=$(mktemp -d "/tmp/$run_id.XXXXXX")
image="localhost/$run_id:test"
name="$run_id-redis"
project="${run_id//-/}"
service_pid=""
oracle_pid=""
compose_up=""
stage_images=""

cleanup() {
    local code=$?
    set +e
    if [ -n "$compose_up" ]; then
        (cd "$work/compose" && timeout 60 docker-compose -p "$project" down -v --remove-orphans >/dev/null 2>&1)
    fi
    timeout 30 podman rm -f -v -t 0 "$name" >/dev/null 2>&1
    timeout 30 podman volume rm -f "${project}_redis-data" >/dev/null 2>&1
    timeout 30 podman network rm -f "${project}_default" >/dev/null 2>&1
    timeout 30 podman rmi -f "$image" >/dev/null 2>&1
    for id in $stage_images; do timeout 30 podman rmi -f "$id" >/dev/null 2>&1; done
    for pid in $oracle_pid $service_pid; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$work"
    if [ $code -eq 0 ]; then
        say "passed in $(($(date +%s) - started)) s"
    else
        echo "container-test: failed (exit $code); everything it created was removed" >&2
    fi
    exit $code
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# runc (crun fails on these machines' hybrid cgroups) and ulimits the sandbox allows.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- 2. binary and image --------------------------------------------------------------
say "static build"
binary=$(bash scripts/build-static.sh)
mkdir -p "$work/ctx"
bash scripts/image-rootfs.sh "$binary" "$work/ctx/dist"
cp Dockerfile "$work/ctx/"
say "image build"
# `--layers=false` fails at the end in buildah 1.28 ("identifier is not an image"), so
# the build keeps its stage images: the ones it adds untagged are removed on exit.
dangling_before=$(podman images -a -q --no-trunc --filter dangling=true | sort)
timeout 300 podman build -q --format docker --build-arg BINARY=prebuilt -t "$image" "$work/ctx" >/dev/null \
    || fail "podman build"
stage_images=$(comm -13 <(echo "$dangling_before") <(podman images -a -q --no-trunc --filter dangling=true | sort))
size=$(podman image inspect "$image" --format '{{.Size}}')
say "image size: $size bytes ($((size / 1024)) KiB)"
[ "$size" -lt 10000000 ] || fail "the image is $size bytes, not single-digit MB"
expect_config() {
    local got
    got=$(podman image inspect "$image" --format "$1")
    [ "$got" = "$2" ] || fail "image $1 is '$got', want '$2'"
}
expect_config '{{json .Config.Entrypoint}}' '["docker-entrypoint"]'
expect_config '{{json .Config.Cmd}}' '["redis-server"]'
expect_config '{{.Config.WorkingDir}}' '/data'
expect_config '{{json .Config.Volumes}}' '{"/data":{}}'
expect_config '{{json .Config.ExposedPorts}}' '{"6379/tcp":{}}'
expect_config '{{.Config.StopSignal}}' 'SIGTERM'
expect_config '{{json .HealthCheck.Test}}' '["CMD","redis-cli","ping"]'
expect_config '{{.Config.User}}' ''
expect_config '{{index .Config.Labels "org.opencontainers.image.title"}}' 'ferrokv'

# --- 3. compose through the podman socket ---------------------------------------------
sock="$work/podman.sock"
podman system service --time=0 "unix://$sock" >"$work/podman-service.log" 2>&1 &
service_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || fail "podman system service did not open $sock"
export DOCKER_HOST="unix://$sock"

port=$(free_port)
password="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$work/compose"
sed -e "s|^    image: ferrokv:latest\$|    image: $image|" \
    -e "s|^    container_name: redis\$|    container_name: $name|" \
    -e "s|\"127.0.0.1:6379:6379\"|\"127.0.0.1:$port:6379\"|" \
    docker-compose.yml >"$work/compose/docker-compose.yml"
changed=$(diff docker-compose.yml "$work/compose/docker-compose.yml" | grep -c '^>' || true)
[ "$changed" = 3 ] || fail "the compose file should differ in exactly 3 lines, not $changed"
printf 'REDIS_PASSWORD=%s\n' "$password" >"$work/compose/.env"
compose() { (cd "$work/compose" && timeout 120 docker-compose -p "$project" "$@"); }
say "docker-compose up (host port $port)"
compose_up=1
compose up -d || fail "docker-compose up"

# --- 4. health, user, title -----------------------------------------------------------
wait_healthy() {
    local deadline=$(($(date +%s) + 60)) out
    while :; do
        out=$(timeout 20 podman healthcheck run "$name" 2>&1) && return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            fail "never healthy; the healthcheck said '$out'; its command says: $(timeout 20 podman exec "$name" \
                redis-cli --no-auth-warning -a "$password" ping 2>&1)"
        fi
        sleep 0.5
    done
}
wait_healthy
say "healthy"
cli() { timeout 30 podman exec "$name" redis-cli --no-auth-warning -a "$password" "$@"; }
expect_cli() {
    local want=$1 got
    shift
    got=$(cli "$@") || fail "exec redis-cli $*: exit $?"
    [ "$got" = "$want" ] || fail "redis-cli $*: got '$got', want '$want'"
}

pid=$(podman inspect "$name" --format '{{.State.Pid}}')
[ -n "$pid" ] && [ "$pid" != 0 ] || fail "no server process"
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
[ "$uids" = "999 999 999 999" ] || fail "the server runs as uid '$uids', not 999"
[ "$gids" = "1000 1000 1000 1000" ] || fail "the server runs as gid '$gids', not 1000"
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ *$//')
[ "$cmdline" = "redis-server *:6379" ] || fail "the server's title is '$cmdline', not 'redis-server *:6379'"
if ps -eo args | grep -F -- "$password" | grep -v -e "podman exec" -e grep >/dev/null; then
    fail "the password shows in ps"
fi
top=$(timeout 20 podman top "$name" user pid args | tail -n +2 | tr -s ' ')
case "$top" in
    "redis 1 redis-server *:6379"*) ;;
    *) fail "podman top says '$top', not the redis user as PID 1" ;;
esac
expect_cli $'protected-mode\nno' CONFIG GET protected-mode
say "PID 1 as 999:1000, title 'redis-server *:6379', password not in ps, protected-mode no"

# --- 5. OAuth keys, restart, AOF -------------------------------------------------------
declare -A value ttl
json() { printf '{"client_id":"%s","redirect_uris":["https://gw.example/callback"],"scope":"mcp:*"}' "$1"; }
value[oauth:client:client_Q2xpZW50SWRFeGFtcGxlMDE]=$(json client_Q2xpZW50SWRFeGFtcGxlMDE)
ttl[oauth:client:client_Q2xpZW50SWRFeGFtcGxlMDE]=7776000
value[oauth:client:client_RXRlcm5hbENsaWVudDAwMDE]=$(json client_RXRlcm5hbENsaWVudDAwMDE)
ttl[oauth:client:client_RXRlcm5hbENsaWVudDAwMDE]=-1
value[oauth:token:9b2f6c1e-4c1d-4a59-8f39-0d6c4ad5e1a7]='{"jti":"9b2f6c1e","sub":"alice","exp":1796070000}'
ttl[oauth:token:9b2f6c1e-4c1d-4a59-8f39-0d6c4ad5e1a7]=86400
value[oauth:refresh:Zm9vYmFyYmF6cXV4LXJlZnJlc2gtdG9rZW4]='{"client_id":"client_Q2xp","username":"alice"}'
ttl[oauth:refresh:Zm9vYmFyYmF6cXV4LXJlZnJlc2gtdG9rZW4]=2592000
value[oauth:state:c3RhdGUtdmFsdWUtMDAwMQ]='{"redirect_uri":"https://gw.example/callback","code_challenge":"E9Melhoa2Owv"}'
ttl[oauth:state:c3RhdGUtdmFsdWUtMDAwMQ]=300
value[oauth:code:Y29kZS12YWx1ZS0wMDAx]='{"user_info":{"login":"alice"},"scope":"mcp:*"}'
ttl[oauth:code:Y29kZS12YWx1ZS0wMDAx]=31536000
written=$(date +%s)
for key in "${!value[@]}"; do
    if [ "${ttl[$key]}" = -1 ]; then
        expect_cli OK SET "$key" "${value[$key]}"
    else
        expect_cli OK SETEX "$key" "${ttl[$key]}" "${value[$key]}"
    fi
done
expect_cli 1 SADD oauth:user_tokens:alice 9b2f6c1e-4c1d-4a59-8f39-0d6c4ad5e1a7
keys=$((${#value[@]} + 1))
expect_cli "$keys" DBSIZE
say "wrote $keys OAuth keys through exec redis-cli"

check_keys() { # $1: how to reach the server (a function), $2: what
    local reach=$1 what=$2 key got left slack
    slack=$(($(date +%s) - written + 2))
    for key in "${!value[@]}"; do
        got=$($reach GET "$key") || fail "$what: GET $key"
        [ "$got" = "${value[$key]}" ] || fail "$what: GET $key is '$got', want '${value[$key]}'"
        left=$($reach TTL "$key") || fail "$what: TTL $key"
        if [ "${ttl[$key]}" = -1 ]; then
            [ "$left" = -1 ] || fail "$what: TTL $key is $left, want -1"
        elif [ "$left" -gt "${ttl[$key]}" ] || [ "$left" -lt $((${ttl[$key]} - slack)) ]; then
            fail "$what: TTL $key is $left, want ${ttl[$key]} less at most $slack s"
        fi
    done
    got=$($reach SMEMBERS oauth:user_tokens:alice)
    [ "$got" = 9b2f6c1e-4c1d-4a59-8f39-0d6c4ad5e1a7 ] || fail "$what: SMEMBERS oauth:user_tokens:alice is '$got'"
    got=$($reach TTL oauth:user_tokens:alice)
    [ "$got" = -1 ] || fail "$what: TTL oauth:user_tokens:alice is '$got', want -1"
    got=$($reach DBSIZE)
    [ "$got" = "$keys" ] || fail "$what: DBSIZE is '$got', want $keys"
}

say "docker-compose stop / start"
compose stop || fail "docker-compose stop"
code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
[ "$code" = 0 ] || fail "the container exited $code on docker-compose stop"
compose start || fail "docker-compose start"
wait_healthy
# Read whole first: `podman logs | grep -q` fails under pipefail when grep stops
# reading at the match and podman gets SIGPIPE on the lines after it.
restart_log=$(timeout 20 podman logs "$name" 2>&1) || fail "podman logs after the restart"
grep -q "DB loaded from append only file" <<<"$restart_log" || fail "the restarted server did not load the AOF"
mkdir -p "$work/copy"
timeout 30 podman cp "$name:/data/appendonlydir" "$work/copy/" || fail "podman cp appendonlydir"
for f in redis.aof.1.base.rdb redis.aof.1.incr.aof redis.aof.manifest; do
    [ -f "$work/copy/appendonlydir/$f" ] || fail "no appendonlydir/$f: $(ls "$work/copy/appendonlydir")"
done
check_keys cli "after the restart"
say "every key, value and TTL came back from appendonlydir/redis.aof.*"

# --- 6. BGSAVE, docker cp, Redis's checker and Redis itself ----------------------------
expect_cli "Background saving started" BGSAVE
for _ in $(seq 150); do
    info=$(cli INFO persistence | tr -d '\r')
    grep -q '^rdb_bgsave_in_progress:0' <<<"$info" && break
    sleep 0.2
done
grep -q '^rdb_bgsave_in_progress:0' <<<"$info" || fail "BGSAVE still running after 30 s"
grep -q '^rdb_last_bgsave_status:ok' <<<"$info" || fail "BGSAVE failed: $info"
timeout 30 podman cp "$name:/data/dump.rdb" "$work/dump.rdb" || fail "podman cp dump.rdb"
report=$(redis-check-rdb "$work/dump.rdb") || fail "Debian's redis-check-rdb refused dump.rdb: $report"
grep -q "RDB looks OK" <<<"$report" || fail "redis-check-rdb: $report"
grep -q "^\[info\] $keys keys read" <<<"$report" || fail "redis-check-rdb read another key count: $report"
mkdir -p "$work/oracle"
cp "$work/dump.rdb" "$work/oracle/"
oracle_port=$(free_port)
timeout 60 redis-server --port "$oracle_port" --bind 127.0.0.1 --dir "$work/oracle" --dbfilename dump.rdb \
    --save "" --appendonly no >"$work/oracle/log" 2>&1 &
oracle_pid=$!
oracle() { timeout 10 redis-cli -p "$oracle_port" "$@"; }
for _ in $(seq 100); do [ "$(oracle PING 2>/dev/null)" = PONG ] && break; sleep 0.1; done
[ "$(oracle PING 2>/dev/null)" = PONG ] || fail "Debian's redis-server did not start on dump.rdb: $(tail -5 "$work/oracle/log")"
check_keys oracle "Debian's redis-server on the copied dump.rdb"
oracle SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$oracle_pid" 2>/dev/null || true
oracle_pid=""
say "dump.rdb copied out: redis-check-rdb OK, Debian's redis-server 7.0 loads every key and TTL"

# --- 7. SIGTERM with 1,000,000 keys ------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "*3\r\n$3\r\nSET\r\n$11\r\nkey:%07d\r\n$8\r\nv%07d\r\n", i, i }' \
    >"$work/million.resp"
timeout 120 redis-cli -h 127.0.0.1 -p "$port" -a "$password" --no-auth-warning --pipe <"$work/million.resp" \
    >"$work/pipe.log" 2>&1 || fail "loading 1,000,000 keys: $(tail -3 "$work/pipe.log")"
total=$((keys + 1000000))
expect_cli "$total" DBSIZE
t0=$(date +%s%N)
compose stop -t 10 || fail "docker-compose stop with $total keys"
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
say "SIGTERM shutdown with $total keys took ${ms} ms (exit $code)"
[ "$code" = 0 ] || fail "exit code $code on SIGTERM (137 means it was killed after the grace period)"
[ "$ms" -lt 10000 ] || fail "shutdown took ${ms} ms, not within 10 s"
log=$(timeout 20 podman logs "$name" 2>&1 | tail -8)
grep -q "Received SIGTERM scheduling shutdown" <<<"$log" || fail "no SIGTERM line in the log: $log"
grep -q "Saving the final RDB snapshot before exiting" <<<"$log" || fail "no final save in the log: $log"
grep -q "DB saved on disk" <<<"$log" || fail "the final save did not finish: $log"
timeout 60 podman cp "$name:/data/dump.rdb" "$work/final.rdb" || fail "podman cp the final dump.rdb"
report=$(redis-check-rdb "$work/final.rdb") || fail "redis-check-rdb refused the final dump.rdb: $(tail -5 <<<"$report")"
grep -q "^\[info\] $total keys read" <<<"$report" || fail "the final dump.rdb: $(tail -4 <<<"$report")"
say "the final save holds all $total keys"
