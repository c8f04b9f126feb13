/*
 * The reference tables of the docs, held to their sources:
 * - docs/operators.md, "Configuration reference": one row per key of every
 *   package's config.d.ts (plugins/<package>/config.d.ts), and no row for a
 *   key that none of them declares;
 * - this package's README, "REST API": one row per operation of
 *   src/schema/openapi.yaml (through the spec generated from it), and no row
 *   for an operation it lacks.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';
import { spec } from './schema';

const REPO_ROOT = resolve(__dirname, '../../..');

/** Keys whose value is one documented unit, not a list of keys. */
const UNITS = new Set([
  // a Backstage scheduler task definition (frequency, timeout, ...)
  'schedule',
]);

/** `<NAME>`, `<route>`... all read as one placeholder. */
const normalize = (key: string) => key.replace(/<[^>]*>/g, '<>');

/** The text of a markdown section: from its heading to the next one of its level. */
function section(file: string, heading: string): string {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${file} has no section "## ${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The table rows of a section whose first cell is code: its cells. */
function rows(text: string): string[][] {
  const ESCAPED_PIPE = '(escaped pipe)';
  return text
    .split('\n')
    .filter(line => /^\|\s*`/.test(line))
    .map(line =>
      line
        .split('\\|')
        .join(ESCAPED_PIPE)
        .split('|')
        .slice(1, -1)
        .map(cell => cell.split(ESCAPED_PIPE).join('|').trim()),
    );
}

/** Every leaf key under `secrets` of a config.d.ts, as `secrets.a.b`, `secrets.c[].d`, `secrets.e.<NAME>`. */
function configKeys(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
  );
  const keys: string[] = [];
  const propertiesOf = (node: ts.TypeLiteralNode) =>
    node.members.filter(ts.isPropertySignature);
  const objectType = (node: ts.TypeNode | undefined) =>
    node && ts.isTypeLiteralNode(node) && propertiesOf(node).length > 0
      ? node
      : undefined;
  const elementOf = (type: ts.TypeNode | undefined) => {
    if (type && ts.isArrayTypeNode(type)) return type.elementType;
    if (
      type &&
      ts.isTypeReferenceNode(type) &&
      type.typeName.getText(source) === 'Array'
    ) {
      return type.typeArguments?.[0];
    }
    return undefined;
  };
  const visit = (type: ts.TypeNode | undefined, path: string): void => {
    // Array<{...}> and {...}[]: the entry's keys under `[]`.
    const element = elementOf(type);
    if (element) {
      const entry = objectType(element);
      if (entry) visit(entry, `${path}[]`);
      else keys.push(path);
      return;
    }
    if (type && ts.isTypeLiteralNode(type)) {
      const properties = propertiesOf(type);
      if (properties.length > 0) {
        for (const property of properties) {
          const name = property.name.getText(source);
          const key = `${path}.${name}`;
          if (UNITS.has(name)) keys.push(key);
          else visit(property.type, key);
        }
        return;
      }
      // { [name: string]: X }: a map; its entries under `<name>`.
      const index = type.members.find(ts.isIndexSignatureDeclaration);
      if (index) {
        const param = index.parameters[0].name.getText(source);
        const entry = objectType(index.type);
        if (entry) visit(entry, `${path}.<${param}>`);
        else keys.push(`${path}.<${param}>`);
        return;
      }
    }
    // Anything else (primitives, unions such as durations) is one value.
    keys.push(path);
  };
  ts.forEachChild(source, node => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === 'Config') {
      const secrets = node.members
        .filter(ts.isPropertySignature)
        .find(member => member.name.getText(source) === 'secrets');
      if (secrets) visit(secrets.type, 'secrets');
    }
  });
  return keys;
}

describe('docs/operators.md, Configuration reference', () => {
  const schemas = readdirSync(join(REPO_ROOT, 'plugins'))
    .map(dir => join(REPO_ROOT, 'plugins', dir, 'config.d.ts'))
    .filter(existsSync);
  const declared = new Map<string, string>();
  for (const file of schemas) {
    for (const key of configKeys(file)) {
      declared.set(normalize(key), file.slice(REPO_ROOT.length + 1));
    }
  }
  const table = rows(section('docs/operators.md', 'Configuration reference'));
  const documented = table.map(cells => normalize(cells[0].replace(/`/g, '')));

  it('reads the keys of every package', () => {
    expect(schemas.length).toBeGreaterThanOrEqual(4);
    expect([...declared.keys()]).toEqual(
      expect.arrayContaining([
        'secrets.encryption.keys[].secret',
        'secrets.encryption.startWithUnreadableRows',
        'secrets.values.<>',
        'secrets.client.maxStaleness',
        'secrets.permission.managers',
        'secrets.proxy.endpoints.<>.target',
      ]),
    );
  });

  it('has a row for every key of every config.d.ts', () => {
    const missing = [...declared]
      .filter(([key]) => !documented.includes(key))
      .map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
  });

  it('has no row for a key that no config.d.ts declares, and none twice', () => {
    expect(documented.filter(key => !declared.has(key))).toEqual([]);
    expect(
      documented.filter((key, i) => documented.indexOf(key) !== i),
    ).toEqual([]);
  });

  it('gives every key a type, a default and a meaning', () => {
    for (const cells of table) {
      expect({ key: cells[0], cells: cells.length }).toEqual({
        key: cells[0],
        cells: 4,
      });
      expect({ key: cells[0], empty: cells.filter(cell => !cell) }).toEqual({
        key: cells[0],
        empty: [],
      });
    }
  });
});

describe('plugins/secrets-backend/README.md, REST API', () => {
  const operations = Object.entries(
    spec.paths as Record<string, Record<string, unknown>>,
  ).flatMap(([path, item]) =>
    Object.keys(item)
      .filter(method =>
        ['get', 'put', 'post', 'delete', 'patch'].includes(method),
      )
      .map(
        method =>
          `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`,
      ),
  );
  const documented = rows(
    section('plugins/secrets-backend/README.md', 'REST API'),
  ).map(cells => cells[0].replace(/`/g, ''));

  it('lists every operation of openapi.yaml, and only those', () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    expect(operations.filter(op => !documented.includes(op))).toEqual([]);
    expect(documented.filter(op => !operations.includes(op))).toEqual([]);
  });
});
