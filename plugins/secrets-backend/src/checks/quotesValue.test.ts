import { quotesValue, valueForms } from './quotesValue';

const VALUE = 'sk-unit-0123456789abcdef';

describe('quotesValue', () => {
  it.each([
    ['the whole value', `bad key ${VALUE}`, true],
    ['a run of 8 characters', 'keys start with sk-unit-…', true],
    ['a run of 8, in another case', 'key SK-UNIT-0… refused', true],
    ['a run of 7 only', 'keys look like sk-unit', false],
    ['the value URL-encoded', 'GET /v1?key=sk-unit-0123', true],
    ['nothing of it', 'Unauthorized (401): check the key', false],
  ])('%s → %p', (_what, message, expected) => {
    expect(quotesValue(message, VALUE)).toBe(expected);
  });

  it('finds the value URL-encoded when encoding changes it', () => {
    const value = 'a+b/c=d&e?f#g';
    const message = `refused: token=${encodeURIComponent(value)}`;
    expect(message).not.toContain(value.slice(0, 7));
    expect(quotesValue(message, value)).toBe(true);
  });

  it('finds the value in base64, alone or in a Basic user:value header, at every alignment', () => {
    const value = 'ghp_0123456789abcdefghij';
    const basic = (user: string) =>
      Buffer.from(`${user}:${value}`).toString('base64');
    for (const message of [
      `bad credentials ${Buffer.from(value).toString('base64')}`,
      `Authorization: Basic ${basic('bot')}`,
      `Authorization: Basic ${basic('ci')}`,
      `Authorization: Basic ${basic('me')}`.replace('Basic ', 'basic '),
      `Authorization: Basic ${basic('x')}`,
    ]) {
      expect(message).not.toContain(value.slice(0, 8));
      expect(quotesValue(message, value)).toBe(true);
    }
  });

  it('uses half the length of a short value as its run', () => {
    // abc123: runs of 3.
    expect(quotesValue('token a…123 refused', 'abc123')).toBe(true);
    expect(quotesValue('token ab… refused', 'abc123')).toBe(false);
  });

  it('lists the forms without what surrounds the value', () => {
    const forms = valueForms('hello-world-secret');
    expect(forms).toContain('hello-world-secret');
    for (const prefix of ['', 'u:', 'us:', 'use:']) {
      const encoded = Buffer.from(`${prefix}hello-world-secret`).toString(
        'base64',
      );
      expect(forms.some(form => encoded.includes(form))).toBe(true);
    }
  });
});
