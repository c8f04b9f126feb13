/*
 * docs/plugin-authors.md, followed literally: every TypeScript block in it
 * is a file (`<!-- file: PATH -->` before the block). This suite writes them
 * into .docs-test/ of this package, type-checks them together with the
 * repository's compiler options, runs the guide's own test files as part of
 * this suite, and runs the guide's module and plugin against the real
 * secrets backend. A block that cannot be compiled here must say why
 * (`<!-- not-compiled: reason -->`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { BackendFeature } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import request from 'supertest';
import * as ts from 'typescript';
import { useFakeClock } from './__testUtils__/clock';
import { ADMIN, startSecretsBackend } from './__testUtils__/testBackend';

jest.setTimeout(180_000);

const REPO_ROOT = resolve(__dirname, '../../..');
const GUIDE = join(REPO_ROOT, 'docs/plugin-authors.md');
const OUT = resolve(__dirname, '../.docs-test');

interface Block {
  file?: string;
  notCompiled?: string;
  body: string;
}

function readBlocks(): Block[] {
  const text = readFileSync(GUIDE, 'utf8');
  const blocks: Block[] = [];
  const pattern =
    /(?:<!-- (file|not-compiled): ([^>]*?) -->\s*\n)?```ts\n([\s\S]*?)```/g;
  for (const match of text.matchAll(pattern)) {
    const [, kind, value, body] = match;
    if (!kind) {
      throw new Error(
        `docs/plugin-authors.md has a ts block without <!-- file: --> or <!-- not-compiled: -->:\n${body}`,
      );
    }
    blocks.push(
      kind === 'file' ? { file: value, body } : { notCompiled: value, body },
    );
  }
  return blocks;
}

/** Where a guide file is written; its test files get another suffix so jest does not collect them twice. */
function outputPath(file: string): string {
  return join(OUT, file.replace(/\.test\.ts$/, '.guide-test.ts'));
}

// Written at collection time, so that the guide's test files can register
// their describe blocks in this suite below.
const blocks = readBlocks();
const files = blocks.filter(b => b.file) as Array<
  Required<Pick<Block, 'file'>> & Block
>;
rmSync(OUT, { recursive: true, force: true });
for (const block of files) {
  const path = outputPath(block.file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, block.body);
}
// Section 5 keeps the module in the plugin's package as src/secretsModule.ts,
// "the file of section 1": the same file, under that name.
const moduleBlock = files.find(
  b => b.file === 'plugins/acme-backend-module-secrets/src/module.ts',
)!;
writeFileSync(
  join(OUT, 'plugins/acme-backend/src/secretsModule.ts'),
  moduleBlock.body,
);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('docs/plugin-authors.md', () => {
  it('has the blocks this suite expects, and few that are not compiled', () => {
    expect(files.map(b => b.file)).toEqual(
      expect.arrayContaining([
        'plugins/acme-backend-module-secrets/src/module.ts',
        'plugins/acme-backend-module-secrets/src/module.test.ts',
        'plugins/acme-backend/src/router.ts',
        'plugins/acme-backend/src/plugin.ts',
        'plugins/acme-backend/src/plugin.test.ts',
        'plugins/acme-backend/src/featureLoader.ts',
      ]),
    );
    expect(blocks.filter(b => b.notCompiled)).toHaveLength(1);
  });

  it('type-checks every TypeScript block', () => {
    const configPath = join(REPO_ROOT, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(
      config.config,
      ts.sys,
      REPO_ROOT,
    );
    const program = ts.createProgram({
      rootNames: [
        ...files.map(b => outputPath(b.file)),
        join(OUT, 'plugins/acme-backend/src/secretsModule.ts'),
      ],
      options: {
        ...parsed.options,
        noEmit: true,
        incremental: false,
        composite: false,
        types: ['jest', 'node'],
      },
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter(d => d.file?.fileName.startsWith(OUT) ?? true);
    const messages = diagnostics.map(d => {
      const where = d.file
        ? `${d.file.fileName.slice(OUT.length + 1)}:${
            d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1
          }`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(messages).toEqual([]);
  });

  describe('the module and the route against the real secrets backend', () => {
    let acme: Server;
    const seen: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      // A stand-in for the Acme API.
      acme = createServer((req, res) => {
        seen.push(req.headers);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ incidents: [{ id: 1 }] }));
      });
      await new Promise<void>(done => acme.listen(0, '127.0.0.1', done));
    });
    afterAll(() => new Promise(done => acme.close(done)));

    it('declares the secret, 404s while unset, and uses the value per request once set', async () => {
      const load = (file: string) =>
        require(outputPath(file)).default as BackendFeature;
      const module = load('plugins/acme-backend-module-secrets/src/index.ts');
      const plugin = load('plugins/acme-backend/src/index.ts');
      const { port } = acme.address() as AddressInfo;
      const { backend, server } = await startSecretsBackend({
        definitions: [],
        features: [module, plugin],
        config: { acme: { baseUrl: `http://127.0.0.1:${port}` } },
      });
      try {
        const admin = mockCredentials.user.header(ADMIN);
        const listed = await request(server)
          .get('/api/secrets/secrets')
          .set('Authorization', admin);
        expect(listed.body.items.map((i: { name: string }) => i.name)).toEqual([
          'ACME_API_KEY',
        ]);

        const unset = await request(server)
          .get('/api/acme/incidents')
          .set('Authorization', admin);
        expect(unset.status).toBe(404);
        expect(unset.body.error.message).toMatch(
          /Secret ACME_API_KEY is not set/,
        );

        const put = await request(server)
          .put('/api/secrets/secrets/ACME_API_KEY')
          .set('Authorization', admin)
          .send({ value: 'docs-test-key' });
        expect(put.status).toBe(200);
        // The guide's freshness rule: the plugin's client reuses an answer
        // (here: "unset") for at most 500 ms. The clock says when that has
        // passed, not a sleep (the change event may drop it even sooner).
        useFakeClock();
        jest.advanceTimersByTime(600);
        const set = await request(server)
          .get('/api/acme/incidents')
          .set('Authorization', admin);
        jest.useRealTimers();
        expect(set.status).toBe(200);
        expect(set.body).toEqual({ incidents: [{ id: 1 }] });
        expect(seen.at(-1)?.authorization).toBe('Bearer docs-test-key');
      } finally {
        jest.useRealTimers();
        await backend.stop();
      }
    });
  });
});

// The guide's own test files, run as they are written.
for (const block of files.filter(b => b.file.endsWith('.test.ts'))) {
  require(outputPath(block.file));
}
