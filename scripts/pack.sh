#!/usr/bin/env bash
# Builds the publishable packages (every workspace that is not private) and
# writes one installable tarball each, as `npm publish` would upload it, into
# dist-packs/ (or the folder given as $1). `yarn pack` runs each package's
# prepack (main/types pointing at dist/) and replaces `workspace:^` ranges
# with versions, so an app can depend on `file:/path/to/<package>.tgz`.
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_toolchain
cd "$REPO_ROOT"

OUT="$(mkdir -p "${1:-$REPO_ROOT/dist-packs}" && cd "${1:-$REPO_ROOT/dist-packs}" && pwd)"

# Name and folder of every publishable workspace.
publishable() {
  yarn workspaces list --json | node -e '
    const fs = require("fs");
    const lines = fs.readFileSync(0, "utf8").trim().split("\n");
    for (const line of lines) {
      const { location, name } = JSON.parse(line);
      if (location === ".") continue;
      const pkg = JSON.parse(fs.readFileSync(`${location}/package.json`, "utf8"));
      if (!pkg.private) console.log(`${name} ${location}`);
    }'
}

log "Type declarations (tsc, incremental)"
yarn tsc
log "Building the publishable packages (backstage-cli repo build)"
yarn backstage-cli repo build

# prepack rewrites package.json (main/types → dist/) and postpack restores
# it: an interrupted pack must not leave it rewritten.
PACKING=""
restore_package_json() {
  if [ -n "$PACKING" ]; then
    (cd "$PACKING" && yarn backstage-cli package postpack >/dev/null 2>&1) || true
  fi
}
trap restore_package_json EXIT

rm -f "$OUT"/*.tgz
while read -r name location; do
  file="$OUT/$(echo "${name#@}" | tr '/' '-').tgz"
  if [ "$(node -p "require('./$location/package.json').main")" != "src/index.ts" ]; then
    die "$location/package.json does not point main at src/index.ts: an earlier pack was interrupted. Restore it (git checkout $location/package.json) and run again."
  fi
  PACKING="$location"
  (cd "$location" && yarn pack --out "$file" >/dev/null)
  PACKING=""
  # A tarball with a workspace: range would not install outside this repo.
  if tar -xOzf "$file" package/package.json | grep -q '"workspace:'; then
    die "$file still has a workspace: dependency range"
  fi
  log "packed $name → $file"
done < <(publishable)
