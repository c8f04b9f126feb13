import { isValidSecretName, SECRET_NAME_RULE } from './names';

/**
 * One part of a parsed secret template: literal text, or a placeholder
 * `{{ secrets.NAME }}` filled with the secret's value when the template is
 * used.
 *
 * @public
 */
export type SecretTemplatePart = { text: string } | { secret: string };

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * Parses a template such as `Token token={{ secrets.PAGERDUTY_API_TOKEN }}`
 * into literal text and secret placeholders. Spaces inside the braces are
 * optional. Throws an error that quotes the template (templates hold no
 * values) when a `{{ ... }}` is not a valid `secrets.NAME` placeholder or a
 * brace pair is left open.
 *
 * @public
 */
export function parseSecretTemplate(template: string): SecretTemplatePart[] {
  const parts: SecretTemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const inner = match[1].trim();
    const name = inner.startsWith('secrets.')
      ? inner.slice('secrets.'.length)
      : undefined;
    if (name === undefined || !isValidSecretName(name)) {
      throw new Error(
        `Invalid placeholder '${match[0]}' in '${template}': a placeholder is {{ secrets.NAME }}, where ${SECRET_NAME_RULE}.`,
      );
    }
    if (match.index > last) {
      parts.push({ text: template.slice(last, match.index) });
    }
    parts.push({ secret: name });
    last = match.index + match[0].length;
  }
  if (last < template.length) {
    parts.push({ text: template.slice(last) });
  }
  for (const part of parts) {
    if (
      'text' in part &&
      (part.text.includes('{{') || part.text.includes('}}'))
    ) {
      throw new Error(
        `Unbalanced braces in '${template}': a placeholder is {{ secrets.NAME }}.`,
      );
    }
  }
  return parts;
}

/**
 * The secret names a template refers to, each once, in order.
 *
 * @public
 */
export function secretTemplateNames(template: string): string[] {
  return [
    ...new Set(
      parseSecretTemplate(template).flatMap(part =>
        'secret' in part ? [part.secret] : [],
      ),
    ),
  ];
}
