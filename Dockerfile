# syntax=docker/dockerfile:1
#
# Consentry container image.
#
#   docker build -t consentry .
#   docker run --rm -p 8080:8080 -p 9090:9090 \
#       -e CONSENTRY_UPSTREAM=http://site.internal:80 consentry
#
# The proxy listens on 8080 and the admin listener (/healthz, /readyz,
# /metrics) on 9090. The default config is /etc/consentry/consentry.toml:
# mount a directory over /etc/consentry to replace it (mount the directory,
# not a single file, so edits reach the running process and hot-reload).
# Flags win over CONSENTRY_* variables, which win over the file.

ARG RUST_VERSION=1
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder
# jemalloc (tikv-jemalloc-sys) builds with make.
RUN apt-get update && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The cache mounts keep the registry and target directory between builds;
# the binary is copied out of the cached target directory.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin consentry \
 && install -D -m 0755 target/release/consentry /out/consentry

FROM debian:${DEBIAN_RELEASE}-slim
RUN groupadd --system --gid 10001 consentry \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin consentry
COPY --from=builder /out/consentry /usr/local/bin/consentry
COPY config/consentry.toml /etc/consentry/consentry.toml
# Smoke steps: the binary runs on this base image and the default config compiles.
RUN ["/usr/local/bin/consentry", "--version"]
RUN ["/usr/local/bin/consentry", "check", "--config", "/etc/consentry/consentry.toml"]

ENV CONSENTRY_CONFIG=/etc/consentry/consentry.toml
ENV CONSENTRY_LISTEN=0.0.0.0:8080
ENV CONSENTRY_ADMIN_LISTEN=0.0.0.0:9090
ENV CONSENTRY_LOG_FORMAT=json

USER 10001:10001
EXPOSE 8080 9090
STOPSIGNAL SIGTERM
# For plain Docker; Kubernetes uses its own probes (see deploy/kubernetes).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# Same as `consentry run --config /etc/consentry/consentry.toml`, with the
# file named through CONSENTRY_CONFIG so it can be repointed without
# rewriting the entrypoint.
ENTRYPOINT ["/usr/local/bin/consentry", "run"]
