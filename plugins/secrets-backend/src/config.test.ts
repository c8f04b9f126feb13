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
