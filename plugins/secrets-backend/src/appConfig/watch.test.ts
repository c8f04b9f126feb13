import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_KEY } from '../__testUtils__/testBackend';
import { loadAppConfigWithSecrets } from './loadAppConfig';

/*
 * `watch: true`: a changed file is read again (with the stored values of
 * the moment), and its references are checked again: a new reference at a
 * key that is not secret keeps the last good configuration.
 */

jest.setTimeout(60_000);

describe('the root config with app-config secrets, watching its files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-appcfg-watch-'));
  const file = path.join(dir, 'app-config.yaml');
  // Written beside and renamed into place: the watcher never reads a
  // half-written file (which it would refuse as YAML and stop watching).
  const write = (title: string) => {
    fs.writeFileSync(
      `${file}.next`,
      JSON.stringify({
        app: { title },
        backend: {
          database: {
            client: 'better-sqlite3',
            connection: { directory: dir },
          },
        },
        secrets: {
          encryption: { keys: [{ id: 'test', secret: TEST_KEY }] },
          definitions: [{ name: 'WATCHED_TOKEN', appConfig: true }],
        },
        proxy: {
          endpoints: {
            '/u': {
              target: 'http://127.0.0.1:9',
              headers: { Authorization: 'Bearer ${WATCHED_TOKEN}' },
            },
          },
        },
      }),
    );
    fs.renameSync(`${file}.next`, file);
  };

  /** Rewrites the file until `done` (the watcher may start after a first write). */
  async function rewriteUntil(title: string, done: () => boolean) {
    for (let i = 0; i < 100 && !done(); i++) {
      write(title);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }

  it('emits a changed file, and keeps the last good config when a new reference is refused', async () => {
    const warnings: string[] = [];
    jest.spyOn(console, 'log').mockImplementation(() => {});
    jest
      .spyOn(console, 'warn')
      .mockImplementation((message: string) => warnings.push(message));
    write('one');
    const config = await loadAppConfigWithSecrets({
      argv: ['node', 'backend', '--config', file],
      watch: true,
    });
    try {
      expect(config.getString('app.title')).toBe('one');
      await rewriteUntil('two', () => config.getString('app.title') === 'two');
      expect(config.getString('app.title')).toBe('two');

      await rewriteUntil('${WATCHED_TOKEN}', () => warnings.length > 0);
      expect(warnings.join('\n')).toMatch(
        /Could not read app-config again: app-config key app\.title references the stored secret WATCHED_TOKEN/,
      );
      expect(config.getString('app.title')).toBe('two');
    } finally {
      (config as unknown as { close(): void }).close();
      jest.restoreAllMocks();
    }
  });
});
