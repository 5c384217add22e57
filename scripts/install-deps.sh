#!/usr/bin/env bash
# Installs the system packages the build, the tests and `make run` need, when they are missing.
# Called by the Makefile; safe to run again.
set -euo pipefail

# Debian packages: curl and jq for the README's commands and `make run`'s readiness wait; SQLite (GRDB) and
# libargon2 (password hashes) headers for the build; PostgreSQL's server for the tests of its stores
# (`make test` starts a throwaway one; nothing runs on the system's own cluster); nginx for `make cluster`
# and its test (the balancer in front of the replicas; started only by scripts/cluster.sh, on loopback).
# Chromium and its WebDriver for the dashboard's browser test (DashboardBrowserTests; Selenium comes from
# PyPI, below).
packages=(curl jq libsqlite3-dev libargon2-dev postgresql nginx-light chromium chromium-driver)
# `make bench` also needs wrk, the HTTP load generator; `make deploy-check` promtool and amtool.
if [ "${BENCH:-}" = 1 ]; then packages+=(wrk); fi
if [ "${DEPLOY:-}" = 1 ]; then packages+=(prometheus prometheus-alertmanager docker-compose); fi

if ! command -v swift >/dev/null 2>&1; then
    echo "install-deps: no Swift toolchain on PATH (Swift 6.1 or newer is needed)" >&2
    exit 1
fi

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Selenium (PyPI) drives Chromium in the dashboard's browser test; openapi-spec-validator checks the
# services' OpenAPI documents (OpenAPIDocumentsValidateTests).
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
    echo "install-deps: installing selenium from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check 'selenium>=4.20,<5'
fi
if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    echo "install-deps: installing openapi-spec-validator from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.7,<1'
fi
