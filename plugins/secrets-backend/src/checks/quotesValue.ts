/**
 * Whether a provider's message gives the value away, whole or in pieces.
 * Defence in depth: a definition's message must never contain the value,
 * but a provider's error text is often passed on as it is, and providers
 * quote keys partly ("Incorrect API key provided: sk-abc1…"), in another
 * case, URL-encoded, or as the base64 of a Basic `user:value` header.
 *
 * A message that shares a run of min(8, ⌈length / 2⌉) characters with the
 * value, or with one of those forms of it, compared case-insensitively,
 * counts as quoting it.
 */
export function quotesValue(message: string, value: string): boolean {
  if (value === '') return false;
  const run = Math.min(8, Math.ceil(value.length / 2));
  const text = message.toLowerCase();
  for (const form of valueForms(value)) {
    const lower = form.toLowerCase();
    for (let at = 0; at + run <= lower.length; at++) {
      if (text.includes(lower.slice(at, at + run))) return true;
    }
  }
  return false;
}

/**
 * The value as sent, URL-encoded, and base64 (standard and URL-safe) at
 * each of the three alignments it can have inside a longer string such as
 * `user:value`: only the groups made of the value's own bytes, so a match
 * does not depend on what comes before or after it.
 */
export function valueForms(value: string): string[] {
  const forms = new Set<string>([value, encodeURIComponent(value)]);
  const bytes = Buffer.from(value, 'utf8');
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(
      'base64',
    );
    // The first group mixes in the bytes before the value (unless aligned),
    // the last one the bytes after it (or padding).
    const own = encoded.slice(offset === 0 ? 0 : 4, encoded.length - 4);
    if (own.length > 0) {
      forms.add(own);
      forms.add(own.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}
