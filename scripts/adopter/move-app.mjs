// Moves a create-app app to a newer Backstage release, as `backstage-cli
// versions:bump --release X` would (its manifest host is unreachable here):
// each `@backstage/*` dependency becomes `^` the highest stable version the
// registry served on the release's day in RELEASES (repeatable once later
// releases exist), and backstage.json names the release.
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

const [appDir, release] = process.argv.slice(2);
const servedOn = RELEASES[release];
if (!appDir || !servedOn) {
  const known = Object.keys(RELEASES).join(', ');
  console.error(`usage: node move-app.mjs APP_DIR RELEASE (one of ${known})`);
  process.exit(2);
}

/** Compares two stable semver strings. */
function compareVersions(a, b) {
  const [pa, pb] = [a, b].map(v => v.split('.').map(Number));
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

async function releaseVersion(name) {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['view', name, 'time', '--json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const candidates = Object.entries(JSON.parse(stdout))
    .filter(([v, at]) => /^\d+\.\d+\.\d+$/.test(v) && at <= servedOn)
    .map(([version]) => version)
    .sort(compareVersions);
  if (candidates.length === 0) {
    throw new Error(`the registry served no stable ${name} by ${servedOn}`);
  }
  return candidates.at(-1);
}

const files = ['', 'packages/app/', 'packages/backend/'].map(dir =>
  join(appDir, dir, 'package.json'),
);
const manifests = files.map(file => JSON.parse(readFileSync(file, 'utf8')));
const fields = ['dependencies', 'devDependencies'];
const names = [
  ...new Set(
    manifests.flatMap(pkg =>
      fields.flatMap(field => Object.keys(pkg[field] ?? {})),
    ),
  ),
]
  .filter(name => name.startsWith('@backstage/'))
  .sort();
// At most 8 registry look-ups at a time.
const versions = new Map();
const queue = [...names];
const lookUp = async () => {
  for (let name = queue.shift(); name; name = queue.shift()) {
    versions.set(name, await releaseVersion(name));
  }
};
await Promise.all(Array.from({ length: 8 }, lookUp));
files.forEach((file, i) => {
  const pkg = manifests[i];
  for (const field of fields) {
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
  `moved ${names.length} @backstage/* dependencies to Backstage ${release}`,
);
