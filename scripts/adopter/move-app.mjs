// Moves a create-app app to a newer Backstage release, as
// `backstage-cli versions:bump --release X` would (its manifest host is not
// reachable here): every `@backstage/*` dependency of the app's package.json
// files becomes `^<the release's version>`, and backstage.json names the
// release.
//
// A release's version of a package is the highest stable version the npm
// registry served on the day in RELEASES (a package that did not change in
// a release keeps its earlier version, as in the real manifests). The day
// keeps the run repeatable once later releases are published.
//
// Usage: node move-app.mjs APP_DIR RELEASE
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const RELEASES = {
  // Backstage 1.57.0 was published on 2026-11-17; the registry's versions
  // as of 2026-12-06 include its patch releases.
  '1.57.0': '2026-12-06T23:59:59Z',
};

const run = promisify(execFile);

const STABLE = /^\d+\.\d+\.\d+$/;

/** Compares two stable semver strings. */
function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

async function releaseVersion(name, servedOn) {
  const { stdout } = await run('npm', ['view', name, 'time', '--json'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const times = JSON.parse(stdout);
  const candidates = Object.entries(times)
    .filter(([version, at]) => STABLE.test(version) && at <= servedOn)
    .map(([version]) => version)
    .sort(compareVersions);
  if (candidates.length === 0) {
    throw new Error(`the registry served no stable ${name} by ${servedOn}`);
  }
  return candidates[candidates.length - 1];
}

/** Runs fn over items, at most `limit` at a time. */
async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  }
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const [appDir, release] = process.argv.slice(2);
const servedOn = RELEASES[release];
if (!appDir || !servedOn) {
  console.error(
    `usage: node move-app.mjs APP_DIR RELEASE (one of ${Object.keys(
      RELEASES,
    ).join(', ')})`,
  );
  process.exit(2);
}

const files = [
  'package.json',
  'packages/app/package.json',
  'packages/backend/package.json',
].map(file => join(appDir, file));
const manifests = files.map(file => JSON.parse(readFileSync(file, 'utf8')));
const names = new Set();
for (const pkg of manifests) {
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (name.startsWith('@backstage/')) names.add(name);
    }
  }
}
const sorted = [...names].sort();
const versions = new Map(
  await mapLimited(sorted, 8, async name => [
    name,
    await releaseVersion(name, servedOn),
  ]),
);
files.forEach((file, i) => {
  const pkg = manifests[i];
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (versions.has(name)) pkg[field][name] = `^${versions.get(name)}`;
    }
  }
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
});
writeFileSync(
  join(appDir, 'backstage.json'),
  `${JSON.stringify({ version: release }, null, 2)}\n`,
);
console.log(
  `moved ${sorted.length} @backstage/* dependencies to Backstage ${release}`,
);
