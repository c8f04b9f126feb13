// Follows the README's "Install in your app" steps in a fresh app: each
// fenced block after `<!-- adopter-step: KIND [FILE] -->`, in README order:
//   add-packages, better-sqlite3: `yarn --cwd DIR add PKG...` lines, into
//     DIR's package.json (@backstage-secrets/* from the packed tarballs);
//   backend-index FILE: a diff hunk whose context and removed lines must
//     appear verbatim in FILE; app-config FILE: YAML merged into FILE (maps
//     merge, lists grow, comments kept); gitignore: shell lines run in the app;
//   generate-key: a command adopter-test.sh runs later (`command` prints it).
// Usage: node readme-steps.mjs apply README APP_DIR PACKS_DIR
//        node readme-steps.mjs command README KIND
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const YAML = createRequire(import.meta.url)('yaml');
const readJson = path => JSON.parse(readFileSync(path, 'utf8'));
const writeJson = (path, value) =>
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/** The steps of the README, in order: { kind, file, body }. */
function readSteps(readme) {
  const pattern =
    /<!-- adopter-step: ([a-z0-9-]+)(?: ([^\s]+))? -->\s*\n```(\w+)\n([\s\S]*?)\n```/g;
  const steps = [...readFileSync(readme, 'utf8').matchAll(pattern)].map(
    ([, kind, file, , body]) => ({ kind, file, body }),
  );
  if (steps.length === 0) {
    throw new Error(`${readme} has no <!-- adopter-step --> blocks`);
  }
  return steps;
}

function applyAdd(step, appDir, packs) {
  for (const line of step.body.split('\n').map(l => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const match = line.match(/^yarn --cwd (\S+) add (.+)$/);
    if (!match) throw new Error(`Cannot follow this install line: ${line}`);
    const packageJson = join(appDir, match[1], 'package.json');
    const pkg = readJson(packageJson);
    pkg.dependencies ??= {};
    for (const spec of match[2].split(/\s+/)) {
      const at = spec.lastIndexOf('@');
      const [name, range] =
        at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec];
      if (name.startsWith('@backstage-secrets/')) {
        if (!packs.has(name)) throw new Error(`No tarball packed for ${name}`);
        pkg.dependencies[name] = `file:${packs.get(name)}`;
      } else {
        if (!range) throw new Error(`Give ${name} a range in the README`);
        pkg.dependencies[name] = range;
      }
    }
    pkg.dependencies = Object.fromEntries(
      Object.entries(pkg.dependencies).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    writeJson(packageJson, pkg);
    console.log(`  ${match[1]}/package.json: added ${match[2]}`);
  }
}

function applyHunk(step, appDir) {
  const [before, after] = [[], []];
  for (const line of step.body.split('\n')) {
    const [mark, rest] = [line[0], line.slice(1)];
    if (mark === ' ' || line === '') {
      before.push(rest);
      after.push(rest);
    } else if (mark === '-') before.push(rest);
    else if (mark === '+') after.push(rest);
    else throw new Error(`Not a diff line in the README: ${line}`);
  }
  const path = join(appDir, step.file);
  const source = readFileSync(path, 'utf8');
  const oldText = `${before.join('\n')}\n`;
  const count = source.split(oldText).length - 1;
  if (count !== 1) {
    throw new Error(
      `The README's change to ${step.file} expects these lines exactly once (found ${count} times):\n${oldText}`,
    );
  }
  writeFileSync(path, source.replace(oldText, `${after.join('\n')}\n`));
  const change = `${before.length} → ${after.length} lines`;
  console.log(`  ${step.file}: applied a change of ${change}`);
}

function mergeInto(doc, path, value) {
  const target = path.length ? doc.getIn(path) : doc.contents;
  const isMap = value && typeof value === 'object' && !Array.isArray(value);
  if (Array.isArray(value) && YAML.isSeq(target)) {
    return value.forEach(item => target.add(doc.createNode(item))); // "add it to the list"
  }
  if (!isMap || !YAML.isMap(target)) return doc.setIn(path, value);
  for (const [key, child] of Object.entries(value)) {
    mergeInto(doc, [...path, key], child);
  }
}

function applyConfig(step, appDir) {
  const path = join(appDir, step.file);
  const doc = existsSync(path)
    ? YAML.parseDocument(readFileSync(path, 'utf8'))
    : new YAML.Document({});
  if (doc.errors.length) throw doc.errors[0];
  mergeInto(doc, [], YAML.parse(step.body));
  writeFileSync(path, doc.toString());
  console.log(`  ${step.file}: merged the README's configuration`);
}

const [command, readme, ...args] = process.argv.slice(2);
if (command === 'apply') {
  const [appDir, packsDir] = args;
  // package name → tarball path, from the file names pack.sh writes
  const packs = new Map(
    readdirSync(packsDir)
      .filter(file => file.endsWith('.tgz'))
      .map(file => [
        `@${file
          .slice(0, -4)
          .replace(/^backstage-secrets-/, 'backstage-secrets/')}`,
        resolve(packsDir, file),
      ]),
  );
  for (const step of readSteps(readme)) {
    console.log(`README step ${step.kind}${step.file ? ` ${step.file}` : ''}`);
    if (['add-packages', 'better-sqlite3'].includes(step.kind)) {
      applyAdd(step, appDir, packs);
    } else if (step.kind === 'backend-index') applyHunk(step, appDir);
    else if (step.kind === 'app-config') applyConfig(step, appDir);
    else if (step.kind === 'gitignore') {
      const options = { cwd: appDir, stdio: 'inherit' };
      execFileSync('bash', ['-euo', 'pipefail', '-c', step.body], options);
      console.log(`  ran: ${step.body}`);
    } else if (step.kind !== 'generate-key') {
      // (generate-key is run after the install, by adopter-test.sh)
      throw new Error(`Unknown README step kind: ${step.kind}`);
    }
  }
  // The packed packages depend on each other by version (^0.1.0), which
  // npm does not have yet: resolve those to the tarballs too.
  const root = readJson(join(appDir, 'package.json'));
  root.resolutions ??= {};
  for (const [name, file] of packs) root.resolutions[name] = `file:${file}`;
  writeJson(join(appDir, 'package.json'), root);
} else if (command === 'command') {
  const step = readSteps(readme).find(s => s.kind === args[0]);
  if (!step) throw new Error(`No README step ${args[0]}`);
  process.stdout.write(`${step.body}\n`);
} else {
  console.error(
    'Usage: readme-steps.mjs apply README APP_DIR PACKS_DIR | command README KIND',
  );
  process.exit(2);
}
