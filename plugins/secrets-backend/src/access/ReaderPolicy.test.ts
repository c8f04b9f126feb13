import { ConfigReader } from '@backstage/config';
import { SecretsConfig } from '../config';
import { SecretsRegistry } from '../registry';
import { ReaderPolicy } from './ReaderPolicy';

/* Who may read a shared secret: readers from the definition or config. */

function setup(config: object = {}) {
  const registry = new SecretsRegistry();
  registry.register('ReaderPolicy.test.ts', [
    { name: 'NARROW', readers: ['catalog'] },
    { name: 'OPEN' },
    { name: 'PERSONAL', scope: 'user', readers: ['catalog'] },
  ]);
  registry.close();
  return new ReaderPolicy({
    registry,
    config: new SecretsConfig(new ConfigReader(config)),
  });
}

describe('ReaderPolicy', () => {
  it('takes readers from the configuration over the definition', () => {
    const readers = setup({
      secrets: { readers: { OPEN: ['scaffolder', 'scaffolder'] } },
    });
    expect(readers.readersOf('NARROW')).toEqual(['catalog']);
    expect(readers.readersOf('OPEN')).toEqual(['scaffolder']);
    expect(readers.readersOf('UNKNOWN')).toBeUndefined();
  });

  it('refuses callers outside the readers, naming them; lets unregistered names through to a 404', () => {
    const readers = setup();
    expect(() =>
      readers.assertMayRead('NARROW', 'plugin:catalog'),
    ).not.toThrow();
    expect(() =>
      readers.assertMayRead('OPEN', 'plugin:anything'),
    ).not.toThrow();
    expect(() => readers.assertMayRead('NARROW', 'plugin:scaffolder')).toThrow(
      'Plugin scaffolder may not read secret NARROW: only the plugin(s) catalog may read it. An operator can change that with secrets.readers.NARROW in app-config.yaml.',
    );
    expect(() => readers.assertMayRead('NARROW', 'external:ci-bot')).toThrow(
      /^The external caller external:ci-bot may not read secret NARROW/,
    );
    expect(() => readers.assertMayRead('UNKNOWN', 'plugin:x')).not.toThrow();
  });
});
