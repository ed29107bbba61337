#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what the tests need
# (Debian's redis-server/redis-tools 7.0 as the oracle, Python venvs for redis-py),
# then runs format and lint checks, the Rust tests, the compatibility recordings check
# against a live redis-server, the interop tests, a benchmark smoke run and the
# container image end to end (podman, runc and docker-compose from Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
# tmux: tests/interop/cli_compare.py types into both redis-clis at a real terminal.
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${need_apt[@]}"
fi
# Debian's redis-server starts a system instance on 6379 when installed; our tests use
# their own ports and never touch it.

echo "== redis-server: $(redis-server --version)"
echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== cargo build --release"
cargo build --release
echo "== cargo test"
cargo test --release
echo "== compatibility recordings re-recorded from redis-server must match the committed ones"
python3 tests/compat/record.py --check
echo "== interop: redis-py 5.x/8.x, redis-cli, redis-benchmark"
bash tests/interop/run.sh target/release/ferrokv-server
echo "== benchmark script smoke run"
timeout 300 python3 benches/compare.py --quick
echo "== snapshot benchmark smoke run (BGSAVE under load, load at start-up, cross-loading)"
timeout 300 python3 benches/snapshot.py --quick
echo "== idle clients benchmark smoke run (memory per idle connection, both servers)"
timeout 120 python3 benches/idle_clients.py --quick
echo "== eviction benchmark smoke run (maxmemory allkeys-lru: memory bound, hit rate, both servers)"
timeout 180 python3 benches/eviction.py --quick
echo "== container image: static build, FROM scratch image, the gateway's compose service (scripts/container-test.sh)"
bash scripts/container-test.sh
echo "== all test stages passed"
