#!/usr/bin/env bash
# The benchmark (docs/benchmarks.md): installs what is missing, like the two
# README commands, then runs `yarn bench`, which regenerates the doc.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_toolchain
cd "$REPO_ROOT"
exec node scripts/bench.mjs "$@"
