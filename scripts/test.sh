#!/usr/bin/env bash
# README command 2: installs what is missing, runs every check and test
# (types, lint, formatting, jest on SQLite and PostgreSQL, browser, adopter)
# and prints the counts.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_toolchain
cd "$REPO_ROOT"

# PostgreSQL: the integration suites run against a real server. Under CI it
# is required; locally the suites fall back to SQLite only when it is absent.
PG_URL="${SECRETS_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432}"
pg_reachable() { node scripts/pg-check.mjs "$PG_URL" >/dev/null 2>&1; }
if ! pg_reachable && command -v pg_ctlcluster >/dev/null 2>&1; then
  log "PostgreSQL is not answering at $PG_URL: trying to start the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
  sleep 2
fi
if pg_reachable; then
  PG_MAJOR="$(node scripts/pg-check.mjs "$PG_URL")"
  export "BACKSTAGE_TEST_DATABASE_POSTGRES${PG_MAJOR}_CONNECTION_STRING=$PG_URL"
  log "PostgreSQL $PG_MAJOR reachable at $PG_URL: the PostgreSQL suites will run"
  # The suites fail (not skip) without PostgreSQL when this is set.
  [ "${CI:-}" = "true" ] && export SECRETS_TEST_REQUIRE_POSTGRES=1
elif [ "${CI:-}" = "true" ]; then
  die "PostgreSQL is required under CI=true but cannot be reached at $PG_URL ($(node scripts/pg-check.mjs "$PG_URL" 2>&1 | tail -n1)). Start it (pg_ctlcluster ... main start) or set SECRETS_TEST_POSTGRES_URL."
else
  log "WARNING: PostgreSQL not reachable at $PG_URL: the PostgreSQL suites are skipped (they never skip under CI=true)"
fi

step() { log "── $* ──"; }

# tsc:full (not incremental, library declarations checked) is the compile of
# `yarn build:api-reports`: a plain `yarn tsc` (skipLibCheck) writes some
# inferred unions in another order, which the report check takes for a change.
step "Type check (tsc:full)"
yarn tsc:full

# Every published package's API must match its report*.api.md (to update:
# yarn build:api-reports, then commit the .api.md files).
step "API reports (backstage-repo-tools api-reports --ci)"
yarn build:api-reports:only --ci

# Releasable packages: package.json fields as `backstage-cli repo fix
# --publish` wants them (exports, repository, peerModules, ...), and a
# lockfile in which no package could be served by one copy instead of two.
step "Package metadata (repo fix --publish --check) and lockfile (yarn dedupe --check)"
yarn backstage-cli repo fix --publish --check
yarn dedupe --check
# npm packs a package's own LICENSE: each must be the root's (Apache-2.0).
for dir in plugins/*/; do
  cmp -s LICENSE "$dir/LICENSE" || die "$dir/LICENSE is missing or differs from ./LICENSE"
done

# The structure rules of .dependency-cruiser.cjs: no import circle in any
# package, and secrets-backend's capability folders reached only through
# their index.ts.
step "Structure (dependency-cruiser: no import circles, capability folders' public faces)"
yarn depcruise --config .dependency-cruiser.cjs --output-type err plugins packages/app/src packages/backend/src

step "Lint (Backstage ESLint config)"
yarn backstage-cli repo lint

step "OpenAPI: the generated router matches src/schema/openapi.yaml"
(cd plugins/secrets-backend && node ../../scripts/openapi-router.mjs --check)

step "Formatting (prettier)"
yarn prettier --check .

step "Unit and integration tests (jest)"
# CI=true stops the Backstage CLI from starting jest in watch mode.
REPORT_DIR="$REPO_ROOT/test-results"
mkdir -p "$REPORT_DIR"
rm -f "$REPORT_DIR/jest.json" "$REPORT_DIR/e2e.json" "$REPORT_DIR/adopter.json"
status=0
CI=true yarn backstage-cli repo test --json --outputFile="$REPORT_DIR/jest.json" || status=1

# The browser tests run even when a jest suite failed, so that one run
# reports every failure; the exit code still reflects both.
step "Browser tests (Playwright + Debian Chromium)"
node scripts/e2e.mjs || status=1

# What someone else's app gets: a fresh create-app app, the packed packages
# and the README's install steps (see the script). Runs even when an earlier
# step failed; its failure fails the run.
step "Adopter test (fresh create-app app + README install steps)"
ADOPTER_RESULT="$REPORT_DIR/adopter.json" bash scripts/adopter-test.sh || status=1

node scripts/test-summary.mjs "$REPORT_DIR" || status=1
exit "$status"
