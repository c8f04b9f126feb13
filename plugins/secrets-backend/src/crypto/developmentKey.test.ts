import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { loadOrCreateDevelopmentKey } from './developmentKey';
import { generateEncryptionKey } from './keyFormat';

// writeFile can be made to lose the race to "another process" below.
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual('node:fs/promises');
  return { ...actual, writeFile: jest.fn(actual.writeFile) };
});
const realWriteFile = jest.requireActual('node:fs/promises').writeFile;

describe('loadOrCreateDevelopmentKey', () => {
  const logger = mockServices.logger.mock();

  async function tempFile(content?: string) {
    const file = join(
      await mkdtemp(join(tmpdir(), 'secrets-dev-key-')),
      'key.json',
    );
    if (content !== undefined) await writeFile(file, content);
    return file;
  }

  it('creates a key on first use and reads the same one afterwards', async () => {
    const file = await tempFile();
    const created = await loadOrCreateDevelopmentKey({ file, logger });
    expect(created.id).toBe('dev');
    expect(await loadOrCreateDevelopmentKey({ file, logger })).toEqual(created);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(created);
  });

  it('never quotes the file in its error, e.g. a bare key that is not JSON', async () => {
    const bareKey = generateEncryptionKey();
    const file = await tempFile(bareKey);
    const error = await loadOrCreateDevelopmentKey({ file, logger }).catch(
      e => e,
    );
    expect(error.message).toMatch(/it is not valid JSON\. Delete it/);
    // Not even a fragment: JSON.parse would quote the first characters.
    expect(error.message).not.toContain(bareKey.slice(0, 6));
  });

  it('explains a JSON file without id and secret', async () => {
    const file = await tempFile('{"key":"x"}');
    await expect(loadOrCreateDevelopmentKey({ file, logger })).rejects.toThrow(
      /does not hold \{ "id", "secret" \}/,
    );
  });

  it('reads the key another process created first with the same checks, never quoting it', async () => {
    const file = await tempFile();
    const theirKey = generateEncryptionKey();
    // Another process wins the race: between our read (no file) and our
    // write, it writes its file (here: not even JSON, a bare key).
    const spy = writeFile as unknown as jest.Mock;
    spy.mockImplementationOnce(async () => {
      await realWriteFile(file, theirKey);
      throw Object.assign(new Error('EEXIST: file already exists'), {
        code: 'EEXIST',
      });
    });
    try {
      const error = await loadOrCreateDevelopmentKey({ file, logger }).catch(
        e => e,
      );
      expect(error.message).toMatch(/it is not valid JSON/);
      expect(error.message).not.toContain(theirKey.slice(0, 6));

      // A well-formed file of theirs is used as it is.
      await writeFile(file, '');
      const fresh = await tempFile();
      const theirs = { id: 'dev', secret: theirKey };
      spy.mockImplementationOnce(async () => {
        await realWriteFile(fresh, JSON.stringify(theirs));
        throw Object.assign(new Error('EEXIST'), { code: 'EEXIST' });
      });
      expect(await loadOrCreateDevelopmentKey({ file: fresh, logger })).toEqual(
        theirs,
      );
    } finally {
      spy.mockImplementation(realWriteFile);
    }
  });
});
