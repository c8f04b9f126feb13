import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  secretNotRegisteredMessage,
  secretNotSetMessage,
  SECRET_NOT_REGISTERED_REASON,
  SECRET_REASON_HEADER,
} from '@backstage-secrets/plugin-secrets-common';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import { LogCapture } from './__testUtils__/capturingLogger';
import { startSecretsBackend } from './__testUtils__/testBackend';
import { IN_MEMORY_WARNING } from './startup';

jest.setTimeout(60_000);

/** What someone else's app gets: defaults that do not lose data silently. */
describe('secrets backend in a freshly created app', () => {
  const dirs: string[] = [];
  const clients: Knex[] = [];
  afterAll(async () => {
    await Promise.all(clients.map(k => k.destroy()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  function tempDir() {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-defaults-'));
    dirs.push(dir);
    return dir;
  }

  const warnings = (logs: LogCapture) =>
    logs.lines
      .map(line => JSON.parse(line))
      .filter(line => line.level === 'warn')
      .map(line => line.message as string);

  it('warns once, plainly, when its database is in-memory SQLite', async () => {
    const logs = new LogCapture();
    const { backend } = await startSecretsBackend({ logs }); // in-memory
    const matching = warnings(logs).filter(m => m === IN_MEMORY_WARNING);
    expect(matching).toHaveLength(1);
    expect(IN_MEMORY_WARNING).toMatch(
      /stored secrets will be lost at restart; configure backend\.database/,
    );
    await backend.stop();
  });

  it('does not warn when the SQLite database is a file', async () => {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: join(tempDir(), 'secrets.sqlite') },
      useNullAsDefault: true,
    });
    clients.push(knex);
    const logs = new LogCapture();
    const { backend } = await startSecretsBackend({ knex, logs });
    expect(warnings(logs)).not.toContain(IN_MEMORY_WARNING);
    await backend.stop();
  });

  it('names both key options and the generate command when no key is configured', async () => {
    const failure = startSecretsBackend({
      config: { secrets: { encryption: { keys: [] } } },
    });
    await expect(failure).rejects.toThrow(/secrets\.encryption\.keys/);
    const message = await failure.catch((e: Error) => e.message);
    expect(message).toContain('secrets.encryption.developmentKeyFile');
    expect(message).toContain(
      'npx @backstage-secrets/plugin-secrets-backend generate-key',
    );
    expect(message).not.toContain('SECRETS_ENCRYPTION_KEY');
  });

  it('logs where the development key file is, when generated and when reused', async () => {
    const file = join(tempDir(), '.data', 'secrets-dev-key.json');
    const config = {
      secrets: { encryption: { keys: [], developmentKeyFile: file } },
    };
    for (const expected of [
      /Generated a development encryption key/,
      /Using the development encryption key/,
    ]) {
      const logs = new LogCapture();
      const { backend } = await startSecretsBackend({ config, logs });
      const line = logs.lines.find(l => expected.test(l));
      expect(line).toContain(file);
      await backend.stop();
    }
  });

  it('answers reads with the messages the test mock uses, and marks unregistered names', async () => {
    const { backend, server } = await startSecretsBackend({});
    const plugin = mockCredentials.service.header({
      onBehalfOf: mockCredentials.service('plugin:catalog'),
      targetPluginId: 'secrets',
    });
    const unset = await request(server)
      .get('/api/secrets/secrets/PAGERDUTY_TOKEN/value')
      .set('Authorization', plugin);
    expect(unset.status).toBe(404);
    expect(unset.body.error.message).toBe(
      secretNotSetMessage('PAGERDUTY_TOKEN'),
    );
    expect(unset.headers[SECRET_REASON_HEADER]).toBeUndefined();

    const unregistered = await request(server)
      .get('/api/secrets/secrets/NOT_REGISTERED/value')
      .set('Authorization', plugin);
    expect(unregistered.status).toBe(404);
    expect(unregistered.body.error).toMatchObject({
      name: 'NotFoundError',
      message: secretNotRegisteredMessage('NOT_REGISTERED'),
    });
    expect(unregistered.headers[SECRET_REASON_HEADER]).toBe(
      SECRET_NOT_REGISTERED_REASON,
    );
    await backend.stop();
  });
});
