#!/usr/bin/env bash
# README command 1: install what is missing, then start the demo app
# (frontend on :3000, backend on :7007, SQLite on disk under .data/).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_toolchain
cd "$REPO_ROOT"
log "Starting Backstage: frontend http://localhost:3000, backend http://localhost:7007"
exec node .yarn/releases/yarn-4.13.0.cjs start "$@"
