#!/usr/bin/env bash
# The adopter test: a fresh app of the oldest release our ranges admit gets
# the packed tarballs, the README's "Install in your app" steps as written
# (adopter/readme-steps.mjs) and a consumer plugin; then its backend's checks
# (adopter/check.mjs), the key's location in the log, .data/ ignored by git,
# its type check and frontend build. The same app moved to backstage.json's
# release (adopter/move-app.mjs) must also hold one copy of each @backstage/*
# package ours depend on (adopter/one-copy.mjs), type-check, pass the backend
# checks and build. Uses only the npm registry; must stay under 10 min.
# ADOPTER_PORT (7150), ADOPTER_KEEP=1 (keep the apps), ADOPTER_RESULT (JSON).
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
  local status=$? seconds ok=0
  [ "$status" -eq 0 ] && ok=1
  [ -n "$BACKEND_PID" ] && stop_backend
  if [ "$status" -ne 0 ] && [ -f "$WORK/backend.log" ]; then
    log "last lines of the app's backend log:"
    tail -n 40 "$WORK/backend.log" >&2 || true
  fi
  seconds=$(elapsed) # the test's time, before the clean-up (printed apart)
  if [ "${ADOPTER_KEEP:-}" = "1" ]; then log "kept the apps in $WORK"; else
    rm -rf "$WORK"
    log "removed the temporary app in $(($(elapsed) - seconds))s"
  fi
  [ -z "$RESULT_FILE" ] || printf '{"passed":%d,"failed":%d,"seconds":%d}\n' "$ok" "$((1 - ok))" "$seconds" >"$RESULT_FILE"
  local time="$((seconds / 60))m$((seconds % 60))s"
  if [ "$ok" = 1 ]; then log "adopter test passed in $time"; else
    printf '\033[1;31m[backstage-secrets] adopter test FAILED after %s\033[0m\n' "$time" >&2
  fi
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# The create-app of backstage.json's release (its app's backstage.json is
# compared with the oldest release below, so a stale entry fails).
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

# Edits a JSON file: runs the JavaScript in $2 on its parsed content, `pkg`.
edit_json() {
  node -e 'const fs = require("fs"); const [file, code] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")); new Function("pkg", code)(pkg);
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$1" "$2"
}

# Not README steps, this machine's registry gaps (see
# /work/shared/docs/environment.md): platform packages missing in some
# versions, a @yarnpkg/core published with a broken patch, and
# plugin-signals-backend 0.3.21, which needs a newer backend-defaults than a
# 1.55 app has. And time, not correctness: Yarn compiles every package with a
# binding.gyp; better-sqlite3 13 loads its bundled prebuilds/, the others are
# native parts nothing here loads (compiling them took minutes).
edit_json "$APP/package.json" '
  Object.assign(pkg.resolutions, { "@swc/core": "1.16.18", rollup: "4.67.4", "unrs-resolver": "1.12.2",
    "@yarnpkg/core": "4.9.1", "@backstage/plugin-signals-backend": "0.3.19" });
  pkg.dependenciesMeta = Object.fromEntries(["better-sqlite3", "keytar", "cpu-features", "ssh2", "tree-sitter",
    "tree-sitter-json", "@tree-sitter-grammars/tree-sitter-yaml"].map(name => [name, { built: false }]));'

step "Adding a consumer plugin (declares ACME_API_KEY, reads it in a route)"
cp scripts/adopter/acme.ts.txt "$APP/packages/backend/src/acme.ts"
edit_json "$APP/packages/backend/package.json" "pkg.dependencies['@backstage-secrets/plugin-secrets-node'] =
  'file:$WORK/packs/backstage-secrets-plugin-secrets-node.tgz'"
sed -i -e '1i import { acmePlugin, acmeSecretsModule } from "./acme";' \
  -e 's/^backend.start();$/backend.add(acmeSecretsModule);\nbackend.add(acmePlugin);\n\nbackend.start();/' \
  "$APP/packages/backend/src/index.ts"

step "A copy of the app moved to Backstage $BACKSTAGE_VERSION (the newest end)"
cp -a "$APP" "$NEWEST_APP"
node scripts/adopter/move-app.mjs "$NEWEST_APP" "$BACKSTAGE_VERSION" >&2
# The signals-backend pin above is only for a 1.55 backend.
edit_json "$NEWEST_APP/package.json" 'delete pkg.resolutions["@backstage/plugin-signals-backend"]'
# This app keeps create-app's allow-all policy: the backend must warn.
sed -i 's#@backstage-secrets/plugin-permission-backend-module-secrets-policy#@backstage/plugin-permission-backend-module-allow-all-policy#' \
  "$NEWEST_APP/packages/backend/src/index.ts"

# Installs an app and checks its copies of the @backstage/* packages ours
# depend on: judged for the newest app only, as a 1.55 app made from today's
# registry mixes releases by itself (core-compat-api 0.5 and 0.6, ...).
install_app() {
  local app="$1" name="$2" strict="$3"
  step "yarn install in the $name app"
  # Under CI=true Yarn refuses to write a lockfile; a fresh app has none yet.
  (cd "$app" && YARN_ENABLE_IMMUTABLE_INSTALLS=false yarn install >"$WORK/install-$name.log" 2>&1) ||
    { grep -E 'YN0001|YN0082|YN0009|Error' "$WORK/install-$name.log" | tail -n 30 >&2; die "yarn install failed in the $name app"; }
  node scripts/adopter/one-copy.mjs "$app" "$WORK/packs" >&2 || if [ "$strict" = "strict" ]; then
    die "the $name app got a second copy of a package ours depend on"
  else log "  (listed only: the $name app mixes releases by itself)"; fi
}

# Starts an app's backend on $PORT and runs check.mjs against it.
check_backend() {
  local app="$1" name="$2" policy="$3"
  step "Starting the $name app's backend on :$PORT"
  printf 'backend:\n  baseUrl: http://localhost:%s\n  listen:\n    port: %s\n' "$PORT" "$PORT" >"$WORK/port.yaml"
  (cd "$app/packages/backend" &&
    exec env -u GITHUB_TOKEN setsid yarn start --config ../../app-config.yaml --config ../../app-config.local.yaml --config "$WORK/port.yaml") >"$WORK/backend.log" 2>&1 &
  BACKEND_PID=$!
  node scripts/adopter/check.mjs "http://localhost:$PORT" "$BACKEND_PID" "$policy"
  local warned=0
  grep -q "Every signed-in user can manage secrets" "$WORK/backend.log" && warned=1
  [ "$warned" = "$([ "$policy" = allow-all ] && echo 1 || echo 0)" ] ||
    die "with $policy, the backend log has (1) or lacks (0) the allow-all warning: $warned"
  log "  ok: the allow-all warning is logged exactly when the app runs allow-all ($policy)"
}

stop_backend() {
  kill -- "-$BACKEND_PID" 2>/dev/null || kill "$BACKEND_PID" 2>/dev/null || true
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

check_backend "$APP" "$OLDEST" secrets-policy
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
check_backend "$NEWEST_APP" "$BACKSTAGE_VERSION" allow-all
stop_backend
build_frontend "$NEWEST_APP" "$BACKSTAGE_VERSION"
