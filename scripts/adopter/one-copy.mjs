// Fails when an app resolved a second version of a `@backstage/*` package
// that one of our packed packages depends on: a second copy of the frontend
// framework in the bundle, or of a service ref in the backend, is a bug
// that type checks and builds do not show.
//
// Usage: node one-copy.mjs APP_DIR PACKS_DIR
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [appDir, packsDir] = process.argv.slice(2);

// Every @backstage/* package named in our tarballs' dependencies.
const ours = new Set();
for (const file of readdirSync(packsDir).filter(f => f.endsWith('.tgz'))) {
  const tar = ['-xOzf', join(packsDir, file), 'package/package.json'];
  const pkg = JSON.parse(execFileSync('tar', tar, { encoding: 'utf8' }));
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    if (name.startsWith('@backstage/')) ours.add(name);
  }
}

// package name → the versions the app's yarn.lock resolved it to.
const locked = new Map();
for (const block of readFileSync(join(appDir, 'yarn.lock'), 'utf8').split(
  /\n\n/,
)) {
  const header = /^"?(@[^@\s]+\/[^@\s]+|[^@\s"]+)@/.exec(block);
  const version = /\n {2}version: (\S+)/.exec(block);
  if (!header || !version) continue;
  if (!locked.has(header[1])) locked.set(header[1], new Set());
  locked.get(header[1]).add(version[1]);
}

const problems = [];
const checked = [];
for (const name of [...ours].sort()) {
  const found = [...(locked.get(name) ?? [])];
  checked.push(`${name}@${found.join('+') || '(absent)'}`);
  if (found.length > 1) problems.push(`${name}: ${found.join(', ')}`);
}
console.log(`  one copy each: ${checked.join(' ')}`);
if (problems.length > 0) {
  console.error(
    `The app holds a second copy of packages our packages depend on (run 'yarn why <name>' in the app):\n  ${problems.join(
      '\n  ',
    )}`,
  );
  process.exit(1);
}
