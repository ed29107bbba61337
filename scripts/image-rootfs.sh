#!/usr/bin/env bash
# Lays out the container image's files from a static ferrokv binary:
#   OUT/root/usr/local/bin/ferrokv        the binary, stripped
#   OUT/root/usr/local/bin/<name>         links to it: redis-server, redis-cli,
#                                         redis-check-aof, redis-check-rdb,
#                                         docker-entrypoint and the ferrokv-* names
#   OUT/root/etc/passwd, OUT/root/etc/group   root and redis (999:1000), so
#                                         `--user redis` and `podman top` show names
#   OUT/root/tmp                          mode 1777 (scratch has none)
#   OUT/data                              the data directory (the Dockerfile copies
#                                         it to /data owned by 999:1000)
# Usage: scripts/image-rootfs.sh BINARY OUT
set -euo pipefail
binary=$1
out=$2
rm -rf "$out"
mkdir -p "$out/root/usr/local/bin" "$out/root/etc" "$out/root/tmp" "$out/data"
chmod 1777 "$out/root/tmp"
strip -o "$out/root/usr/local/bin/ferrokv" "$binary"
chmod 0755 "$out/root/usr/local/bin/ferrokv"
for name in redis-server redis-cli redis-check-aof redis-check-rdb docker-entrypoint \
    ferrokv-server ferrokv-cli ferrokv-check-aof ferrokv-check-rdb; do
    ln -s ferrokv "$out/root/usr/local/bin/$name"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nredis:x:999:1000:redis:/nonexistent:/sbin/nologin\n' >"$out/root/etc/passwd"
printf 'root:x:0:\nredis:x:1000:redis\n' >"$out/root/etc/group"
chmod 0644 "$out/root/etc/passwd" "$out/root/etc/group"
