# ferrokv as a drop-in for redis:7-alpine: one static multi-call binary in an image
# FROM scratch (about 5 MB), with the official image's contract: ENTRYPOINT
# docker-entrypoint, CMD redis-server, WORKDIR/VOLUME /data owned by 999:1000, EXPOSE
# 6379, the entrypoint's chown and privilege drop, protected-mode off by default.
#
#   docker build -t ferrokv:latest .                  # from source (needs Docker Hub)
#   docker build --build-arg BINARY=prebuilt -t ferrokv:latest CONTEXT
#       # from a host-built binary: CONTEXT/dist/ made by scripts/image-rootfs.sh
#       # (what scripts/container-test.sh does; no base image is pulled)
#
# The image has no shell: healthchecks must use the exec form (["CMD", ...]), and
# `docker exec -it NAME sh` does not work (`docker exec -it NAME redis-cli` does).

ARG BINARY=source
ARG RUST_VERSION=1.95

# The binary and the image's files, built from this repository.
FROM docker.io/library/rust:${RUST_VERSION}-bookworm AS binary-source
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY csrc csrc
COPY src src
COPY scripts/build-static.sh scripts/image-rootfs.sh scripts/
RUN scripts/image-rootfs.sh "$(scripts/build-static.sh)" /dist

# The same files, built on the host (scripts/image-rootfs.sh BINARY CONTEXT/dist).
FROM scratch AS binary-prebuilt
COPY dist/ /dist/

FROM binary-${BINARY} AS binary

FROM scratch
ARG VERSION=0.1.0
COPY --from=binary /dist/root/ /
COPY --from=binary --chown=999:1000 /dist/data/ /data/
# PATH for the exec-form entrypoint, healthcheck and `docker exec NAME redis-cli`.
# protected-mode no is the official image's patched default: the port is published on
# purpose, and a password is expected (the entrypoint warns loudly without one).
ENV PATH=/usr/local/bin \
    FERROKV_PROTECTED_MODE_DEFAULT=no
WORKDIR /data
VOLUME /data
EXPOSE 6379
STOPSIGNAL SIGTERM
# Liveness only, as redis-cli exits 0 on any reply (NOAUTH included); it reads
# REDISCLI_AUTH when set. A compose file's own healthcheck replaces this one.
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["redis-cli", "ping"]
LABEL org.opencontainers.image.title="ferrokv" \
      org.opencontainers.image.description="A Redis 7.0-compatible server in Rust; drop-in for redis:7-alpine" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="scratch"
ENTRYPOINT ["docker-entrypoint"]
CMD ["redis-server"]
