#!/usr/bin/env bash
# scripts/with-scratch-tmpdir.sh COMMAND...: runs COMMAND with TMPDIR set to a new folder, removed when
# the command ends, however it ends. What the tests write to the temporary directory (their SQLite
# files, signing keys, the services' data folders) does not outlive the run, even when a test crashes
# before its own cleanup.
set -euo pipefail
folder=$(mktemp -d "${TMPDIR:-/tmp}/saas-tests.XXXXXX")
trap 'rm -rf "$folder"' EXIT
TMPDIR="$folder" "$@"
