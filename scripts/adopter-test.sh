#!/usr/bin/env bash
# The adopter test: what someone else's Backstage gets from this repository.
#
# Creates a fresh app with the @backstage/create-app of backstage.json's
# release, installs the packed tarballs, follows the README's "Install in
# your app" steps as written (scripts/adopter/readme-steps.mjs extracts and
# applies them), adds a tiny consumer plugin, starts the backend and checks:
# readiness, the list API with a guest token, a PUT, a read through the
# consumer, a misspelled name rejected, the development key's location in
# the log, .data/ ignored by git, the app's type check, and that the
# frontend builds with the page in it.
#
# Then the newest end: the same app moved to the newest release this
# repository supports (scripts/adopter/move-app.mjs, as `versions:bump`
# would), installed again, and checked for a second copy of any
# `@backstage/*` package our packages depend on (scripts/adopter/one-copy.mjs,
# which also runs on the oldest app), its type check, its backend's checks
# and its frontend build.
#
# Uses only the npm registry (and the Yarn cache in ~/.yarn/berry/cache that
# the monorepo's install filled). Prints its time; must stay under 10 min.
#
# Environment (optional): ADOPTER_PORT (backend port, default 7150),
# ADOPTER_KEEP=1 (keep the temporary app), ADOPTER_RESULT (JSON result file).
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_toolchain
cd "$REPO_ROOT"

STARTED_AT=$(date +%s)
PORT="${ADOPTER_PORT:-7150}"
RESULT_FILE="${ADOPTER_RESULT:-}"
# The app (about 2 GB of node_modules) lives in RAM when /dev/shm has room:
# on a busy disk, writing and deleting it took minutes.
TMP_PARENT="${TMPDIR:-/tmp}"
if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $((6 * 1024 * 1024)) ]; then
  TMP_PARENT=/dev/shm
fi
WORK="$(mktemp -d -p "$TMP_PARENT" backstage-secrets-adopter.XXXXXX)"
APP="$WORK/app"
NEWEST_APP="$WORK/app-newest"
BACKEND_PID=""

elapsed() { echo $(($(date +%s) - STARTED_AT)); }
step() { log "adopter test [$(elapsed)s] ── $* ──"; }

finish() {
  local status=$?
  if [ -n "$BACKEND_PID" ] && kill -0 "$BACKEND_PID" 2>/dev/null; then
    kill -- "-$BACKEND_PID" 2>/dev/null || kill "$BACKEND_PID" 2>/dev/null || true
    wait "$BACKEND_PID" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$WORK/backend.log" ]; then
    log "last lines of the app's backend log:"
    tail -n 40 "$WORK/backend.log" >&2 || true
  fi
  # The test's time is measured before the clean-up, which is printed apart.
  local seconds
  seconds=$(elapsed)
  if [ "${ADOPTER_KEEP:-}" = "1" ]; then
    log "kept the apps in $WORK"
  else
    rm -rf "$WORK"
    log "removed the temporary app in $(($(elapsed) - seconds))s"
  fi
  if [ -n "$RESULT_FILE" ]; then
    printf '{"passed":%d,"failed":%d,"seconds":%d}\n' \
      "$([ "$status" -eq 0 ] && echo 1 || echo 0)" \
      "$([ "$status" -eq 0 ] && echo 0 || echo 1)" "$seconds" >"$RESULT_FILE"
  fi
  if [ "$status" -eq 0 ]; then
    log "adopter test passed in $((seconds / 60))m$((seconds % 60))s"
  else
    printf '\033[1;31m[backstage-secrets] adopter test FAILED after %dm%ds\033[0m\n' $((seconds / 60)) $((seconds % 60)) >&2
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# The create-app release that matches backstage.json. After creation the
# app's own backstage.json is compared with ours, so a stale entry fails.
BACKSTAGE_VERSION="$(node -p 'require("./backstage.json").version')"
case "$BACKSTAGE_VERSION" in
  1.55.* | 1.56.* | 1.57.*) CREATE_APP_VERSION=0.9.2 ;;
  *) die "adopter-test.sh: which @backstage/create-app belongs to Backstage $BACKSTAGE_VERSION? Add it to the table in scripts/adopter-test.sh." ;;
esac
# The oldest release our published ranges admit: the newest create-app the
# registry serves (0.9.2) makes a 1.55 app. The newest end is backstage.json.
OLDEST_VERSION=1.55.0

step "Packing the publishable packages"
bash scripts/pack.sh "$WORK/packs" >&2

step "Creating a fresh app with @backstage/create-app@$CREATE_APP_VERSION"
# create-app wants a `yarn` on PATH: the Yarn release this repository commits.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexec node "%s" "$@"\n' "$REPO_ROOT/.yarn/releases/yarn-4.13.0.cjs" >"$WORK/bin/yarn"
chmod +x "$WORK/bin/yarn"
export PATH="$WORK/bin:$PATH"
echo adopter-app | npx -y "@backstage/create-app@$CREATE_APP_VERSION" --skip-install --path "$APP" >"$WORK/create-app.log" 2>&1 ||
  { tail -n 30 "$WORK/create-app.log" >&2; die "create-app failed"; }
APP_BACKSTAGE_VERSION="$(node -p "require('$APP/backstage.json').version")"
[ "$APP_BACKSTAGE_VERSION" = "$OLDEST_VERSION" ] ||
  die "create-app@$CREATE_APP_VERSION made a Backstage $APP_BACKSTAGE_VERSION app, the oldest supported release is $OLDEST_VERSION: update scripts/adopter-test.sh"

step "Following the README's \"Install in your app\" steps"
node scripts/adopter/readme-steps.mjs apply README.md "$APP" "$WORK/packs"

# This machine's registry gaps (docs: /work/shared/docs/environment.md):
# platform packages missing in some versions, a @yarnpkg/core published with
# a broken patch, and plugin-signals-backend 0.3.21, which needs a newer
# backend-defaults than a 1.55 app has. Not part of the README: an app on the
# public registry does not need them.
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  Object.assign(pkg.resolutions, {
    "@swc/core": "1.16.18",
    "rollup": "4.67.4",
    "unrs-resolver": "1.12.2",
    "@yarnpkg/core": "4.9.1",
    "@backstage/plugin-signals-backend": "0.3.19",
  });
  // Time, not correctness: Yarn compiles every package with a binding.gyp.
  // better-sqlite3 13 loads its bundled prebuilds/ (no compile needed); the
  // others are native parts that nothing this test runs loads (keytar and
  // cpu-features are skipped in this repository too). Compiling them took
  // minutes on a busy 2-core machine.
  pkg.dependenciesMeta = Object.fromEntries(
    [
      "better-sqlite3",
      "keytar",
      "cpu-features",
      "ssh2",
      "tree-sitter",
      "tree-sitter-json",
      "@tree-sitter-grammars/tree-sitter-yaml",
    ].map(name => [name, { built: false }]),
  );
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$APP/package.json"

step "Adding a consumer plugin (declares ACME_API_KEY, reads it in a route)"
cp scripts/adopter/acme.ts.txt "$APP/packages/backend/src/acme.ts"
node -e '
  const fs = require("fs");
  const [appDir, packs] = process.argv.slice(1);
  const file = `${appDir}/packages/backend/package.json`;
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.dependencies["@backstage-secrets/plugin-secrets-node"] =
    `file:${packs}/backstage-secrets-plugin-secrets-node.tgz`;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  const index = `${appDir}/packages/backend/src/index.ts`;
  let source = fs.readFileSync(index, "utf8");
  source = source.replace(
    "backend.start();",
    "backend.add(acmeSecretsModule);\nbackend.add(acmePlugin);\n\nbackend.start();",
  );
  source = `import { acmePlugin, acmeSecretsModule } from "./acme";\n${source}`;
  fs.writeFileSync(index, source);
' "$APP" "$WORK/packs"

step "A copy of the app moved to Backstage $BACKSTAGE_VERSION (the newest end)"
cp -a "$APP" "$NEWEST_APP"
node scripts/adopter/move-app.mjs "$NEWEST_APP" "$BACKSTAGE_VERSION" >&2
# The signals-backend pin above is only for a 1.55 backend (see there).
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  delete pkg.resolutions["@backstage/plugin-signals-backend"];
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$NEWEST_APP/package.json"

# Installs an app's dependencies (the Yarn cache is shared with this
# repository) and checks it holds one copy of each @backstage/* package that
# our packages depend on. Only the newest app must pass that check: a 1.55
# app made from today's registry already mixes releases by itself (its `^`
# ranges resolve past 1.55: core-compat-api 0.5 and 0.6, frontend-app-api
# 0.16 and 1.0), so there the copies are listed, not judged.
install_app() {
  local app="$1" name="$2" strict="$3"
  step "yarn install in the $name app"
  # Under CI=true Yarn refuses to write a lockfile; a fresh app has none yet.
  (cd "$app" && YARN_ENABLE_IMMUTABLE_INSTALLS=false yarn install >"$WORK/install-$name.log" 2>&1) ||
    { grep -E 'YN0001|YN0082|YN0009|Error' "$WORK/install-$name.log" | tail -n 30 >&2; die "yarn install failed in the $name app"; }
  if [ "$strict" = "strict" ]; then
    node scripts/adopter/one-copy.mjs "$app" "$WORK/packs" >&2 ||
      die "the $name app got a second copy of a package ours depend on"
  else
    node scripts/adopter/one-copy.mjs "$app" "$WORK/packs" >&2 ||
      log "  (listed only: the $name app mixes releases by itself)"
  fi
}

# Starts an app's backend on $PORT and runs check.mjs against it.
check_backend() {
  local app="$1" name="$2"
  step "Starting the $name app's backend on :$PORT"
  cat >"$WORK/port.yaml" <<YAML
backend:
  baseUrl: http://localhost:$PORT
  listen:
    port: $PORT
YAML
  (cd "$app/packages/backend" &&
    exec setsid yarn start --config ../../app-config.yaml --config ../../app-config.local.yaml --config "$WORK/port.yaml") >"$WORK/backend.log" 2>&1 &
  BACKEND_PID=$!
  node scripts/adopter/check.mjs "http://localhost:$PORT" "$BACKEND_PID"
}

stop_backend() {
  kill -- "-$BACKEND_PID" 2>/dev/null || true
  wait "$BACKEND_PID" 2>/dev/null || true
  BACKEND_PID=""
}

build_frontend() {
  local app="$1" name="$2"
  step "Building the $name app's frontend (yarn workspace app build)"
  (cd "$app" && yarn workspace app build >"$WORK/app-build-$name.log" 2>&1) ||
    { tail -n 30 "$WORK/app-build-$name.log" >&2; die "the $name app's frontend does not build"; }
  grep -rlq "Manage secrets" "$app/packages/app/dist" ||
    die "the $name app's build does not contain the Manage secrets page"
  log "  ok: the $name app's frontend builds, with the Manage secrets page"
}

# ── The oldest end: the full run ──
OLDEST="$OLDEST_VERSION"
install_app "$APP" "$OLDEST" lenient

step "The README's key command"
KEY_COMMAND="$(node scripts/adopter/readme-steps.mjs command README.md generate-key)"
KEY="$(cd "$APP" && bash -c "$KEY_COMMAND" | tail -n 1)"
[[ "$KEY" =~ ^[A-Za-z0-9_-]{43}$ ]] || die "'$KEY_COMMAND' did not print a 43-character base64url key"
log "  ok: '$KEY_COMMAND' prints a key"
unset KEY

step "Type check of the $OLDEST app (yarn tsc)"
(cd "$APP" && yarn tsc) >&2

check_backend "$APP" "$OLDEST"
grep -q "stored secrets will be lost at restart" "$WORK/backend.log" &&
  die "the backend warned about an in-memory database although the README configures one"
grep -q "development encryption key for secrets in $APP/.data/secrets-dev-key.json" "$WORK/backend.log" ||
  die "the backend log does not say where the development key is"
log "  ok: the log says where the development key is, and no in-memory warning"
(cd "$APP" && git check-ignore -q .data/secrets-dev-key.json) ||
  die ".data/secrets-dev-key.json is not ignored by git in the app"
log "  ok: .data/ is ignored by git"
stop_backend

build_frontend "$APP" "$OLDEST"

# ── The newest end: install, one copy, types, backend, frontend ──
# The oldest app is no longer needed: its 2 GB leave room for the next.
[ "${ADOPTER_KEEP:-}" = "1" ] || rm -rf "$APP"
install_app "$NEWEST_APP" "$BACKSTAGE_VERSION" strict
step "Type check of the $BACKSTAGE_VERSION app (yarn tsc)"
(cd "$NEWEST_APP" && yarn tsc) >&2
check_backend "$NEWEST_APP" "$BACKSTAGE_VERSION"
stop_backend
build_frontend "$NEWEST_APP" "$BACKSTAGE_VERSION"
