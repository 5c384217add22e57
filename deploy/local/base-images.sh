#!/usr/bin/env bash
# Makes, from Debian's packages, the base images that deploy/Dockerfile and docker-compose.yml name,
# for a machine that reaches Debian's mirror but no image registry:
#   debian:bookworm-slim         a minimal Debian root filesystem (debootstrap --variant=minbase, docker import)
#   saas-local/postgres:15       Debian's postgresql-15, with the official image's POSTGRES_* settings and init scripts
#   saas-local/prometheus:2      Debian's prometheus (promtool too)
#   saas-local/alertmanager:0.25 Debian's prometheus-alertmanager
#   saas-local/python:3          Debian's python3 (the alert sink's base)
# An image that exists is kept (FORCE=1 remakes them). Run as root (debootstrap); needs a Docker engine.
set -euo pipefail
cd "$(dirname "$0")"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

exists() { docker image inspect "$1" >/dev/null 2>&1 && [ -z "${FORCE:-}" ]; }

if ! exists debian:bookworm-slim; then
    root="$(mktemp -d /tmp/bookworm-root.XXXXXX)"
    trap 'rm -rf "$root"' EXIT
    echo "base-images: debootstrap bookworm (minbase) from $mirror" >&2
    debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import --change 'CMD ["/bin/bash"]' - debian:bookworm-slim >/dev/null
    rm -rf "$root"
    trap - EXIT
fi

build() { # tag dockerfile-text
    exists "$1" && return
    echo "base-images: $1" >&2
    # The engine here has no bridge: builds reach the mirror through the host network.
    docker build --network host -q -t "$1" -f - images >/dev/null <<<"$2"
}

build saas-local/postgres:15 'FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]'

build saas-local/prometheus:2 'FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends prometheus && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'

build saas-local/alertmanager:0.25 'FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends prometheus-alertmanager && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /alertmanager && chown nobody:nogroup /alertmanager
USER nobody
EXPOSE 9093
ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'

build saas-local/python:3 'FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*'

docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(debian:bookworm-slim|saas-local/)' >&2
