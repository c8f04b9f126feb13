import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { generateEncryptionKey } from './keyFormat';

/**
 * Development only: reads the encryption key from a local file, creating it
 * with a fresh random key on first start, so `yarn start` needs no manual
 * step. The file must stay out of version control (.gitignore covers it).
 */
export async function loadOrCreateDevelopmentKey(options: {
  file: string;
  logger: LoggerService;
}): Promise<{ id: string; secret: string }> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      'secrets.encryption.developmentKeyFile is refused when NODE_ENV is production: configure secrets.encryption.keys explicitly.',
    );
  }
  const path = resolve(options.file);
  const unusable = (reason: string) =>
    new Error(
      `Cannot read the development encryption key file ${path}: ${reason}. Delete it to generate a new one (values stored under the old key are then lost).`,
    );
  /** The key in the file, or undefined when there is no file yet. */
  const readKeyFile = async (): Promise<
    { id: string; secret: string } | undefined
  > => {
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch (error: any) {
      if (error?.code === 'ENOENT') return undefined;
      // fs messages name the path and the cause, never the content.
      throw unusable(String(error?.message ?? error));
    }
    let stored: any;
    try {
      stored = JSON.parse(content);
    } catch {
      // JSON.parse messages quote part of the input: here, the key.
      throw unusable('it is not valid JSON');
    }
    if (typeof stored?.id === 'string' && typeof stored?.secret === 'string') {
      return { id: stored.id, secret: stored.secret };
    }
    throw unusable('it does not hold { "id", "secret" }');
  };

  const existing = await readKeyFile();
  if (existing) {
    options.logger.info(
      `Using the development encryption key for secrets in ${path} (local use only; keep it out of version control).`,
    );
    return existing;
  }
  const key = { id: 'dev', secret: generateEncryptionKey() };
  await mkdir(dirname(path), { recursive: true });
  // 'wx': never overwrite a key another process just wrote.
  const written = await writeFile(path, `${JSON.stringify(key, null, 2)}\n`, {
    mode: 0o600,
    flag: 'wx',
  }).then(
    () => true,
    error => {
      if (error?.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (written) {
    options.logger.warn(
      `Generated a development encryption key for secrets in ${path}. It is for local use only: keep it out of version control, and configure secrets.encryption.keys in production.`,
    );
    return key;
  }
  // Another process created the file first: use its key, read with the
  // same checks (an error never quotes the file's content).
  const theirs = await readKeyFile();
  if (!theirs) throw unusable('it disappeared while being created');
  options.logger.info(
    `Using the development encryption key for secrets in ${path}, which another process just created.`,
  );
  return theirs;
}
