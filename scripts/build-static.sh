#!/usr/bin/env bash
# Builds the static, multi-call ferrokv binary the container image ships, and prints
# its path. Static glibc (crt-static with an explicit --target, so build scripts and
# proc-macros stay dynamic); jemalloc and the long-double C shim link in statically.
# getrandom must call glibc's getrandom() directly: its default looks the function up
# with dlsym, which a static binary can't, and then falls back to /dev/urandom, which
# an empty chroot lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
export RUSTFLAGS='-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"'
cargo build --release --locked --target "$target" --bin ferrokv-server >&2
echo "${CARGO_TARGET_DIR:-target}/$target/release/ferrokv-server"
