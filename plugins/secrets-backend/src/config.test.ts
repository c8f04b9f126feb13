import { ConfigReader } from '@backstage/config';
import { requirePositiveDuration, SecretsConfig } from './config';

/*
 * The readers of config.ts whose rules are not covered where their value
 * is used (the keyring, the rotation policy and the registry test theirs).
 */

const recipients = (data: object) =>
  new SecretsConfig(new ConfigReader(data)).reminderRecipients();

describe('requirePositiveDuration', () => {
  it.each([
    [{ days: 0 }],
    [{}],
    [{ days: -1 }],
    [{ fortnights: 2 }],
    ['P90D'],
    [null],
    [{ days: Number.NaN }],
  ])('refuses %p', duration => {
    expect(() => requirePositiveDuration(duration, 'rotateEvery')).toThrow(
      /rotateEvery must be a positive duration/,
    );
  });
});

describe('SecretsConfig reminderRecipients', () => {
  it('defaults to the admins group', () => {
    expect(recipients({})).toEqual(['group:default/admins']);
  });

  it('reads secrets.reminders.recipients', () => {
    expect(
      recipients({
        secrets: {
          reminders: {
            recipients: ['group:default/platform', 'user:default/alice'],
          },
        },
      }),
    ).toEqual(['group:default/platform', 'user:default/alice']);
  });

  it('refuses what is not an entity ref', () => {
    expect(() =>
      recipients({ secrets: { reminders: { recipients: ['admins team'] } } }),
    ).toThrow(/not entity refs: 'admins team'/);
    expect(() =>
      recipients({ secrets: { reminders: { recipients: [] } } }),
    ).toThrow(/non-empty list/);
  });
});

describe('SecretsConfig appConfig', () => {
  const of = (data: object) => new SecretsConfig(new ConfigReader(data));

  it('lists the names declared with appConfig: true only', () => {
    expect(
      of({
        secrets: {
          definitions: [
            { name: 'A', appConfig: true },
            { name: 'B' },
            { name: 'C', appConfig: false },
          ],
        },
      }).appConfigSecretNames(),
    ).toEqual(['A']);
    expect(of({}).appConfigSecretNames()).toEqual([]);
  });

  it('refuses appConfig that is not a boolean', () => {
    expect(() =>
      of({
        secrets: { definitions: [{ name: 'A', appConfig: 'maybe' }] },
      }).appConfigSecretNames(),
    ).toThrow(/Invalid app-config secrets.definitions\[0\]/);
  });

  it('reads the reload interval, 10 s by default, and refuses a zero one', () => {
    expect(of({}).appConfigReloadIntervalMs()).toBe(10_000);
    expect(
      of({
        secrets: { appConfig: { reloadInterval: { seconds: 2 } } },
      }).appConfigReloadIntervalMs(),
    ).toBe(2_000);
    expect(() =>
      of({
        secrets: { appConfig: { reloadInterval: { seconds: 0 } } },
      }).appConfigReloadIntervalMs(),
    ).toThrow(/secrets.appConfig.reloadInterval/);
  });
});

describe('SecretsConfig key provider settings', () => {
  const read = (encryption: object) =>
    new SecretsConfig(new ConfigReader({ secrets: { encryption } }));

  it('defaults to the local provider and a 5-minute data key cache', () => {
    expect(read({}).encryptionProvider()).toBe('local');
    expect(read({}).dataKeyCacheTtlMs()).toBe(300_000);
  });

  it('reads the provider and the cache TTL as a duration or ISO 8601', () => {
    expect(read({ provider: 'aws-kms' }).encryptionProvider()).toBe('aws-kms');
    expect(read({ dataKeyCacheTtl: { seconds: 30 } }).dataKeyCacheTtlMs()).toBe(
      30_000,
    );
    expect(read({ dataKeyCacheTtl: 'PT1M' }).dataKeyCacheTtlMs()).toBe(60_000);
  });

  it('refuses a zero TTL, naming the key', () => {
    expect(() =>
      read({ dataKeyCacheTtl: { minutes: 0 } }).dataKeyCacheTtlMs(),
    ).toThrow(/secrets.encryption.dataKeyCacheTtl must be a positive duration/);
  });
});
