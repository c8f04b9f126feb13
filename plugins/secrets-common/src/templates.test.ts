import { parseSecretTemplate, secretTemplateNames } from './templates';

describe('secret templates', () => {
  it('splits text and placeholders, with or without spaces', () => {
    expect(
      parseSecretTemplate('Token token={{ secrets.PAGERDUTY_API_TOKEN }}'),
    ).toEqual([{ text: 'Token token=' }, { secret: 'PAGERDUTY_API_TOKEN' }]);
    expect(parseSecretTemplate('{{secrets.A}}:{{  secrets.B  }}!')).toEqual([
      { secret: 'A' },
      { text: ':' },
      { secret: 'B' },
      { text: '!' },
    ]);
    expect(parseSecretTemplate('no placeholder')).toEqual([
      { text: 'no placeholder' },
    ]);
  });

  it('lists each referenced name once', () => {
    expect(
      secretTemplateNames('{{ secrets.A }} {{ secrets.B }} {{ secrets.A }}'),
    ).toEqual(['A', 'B']);
  });

  it.each([
    ['{{ secret.A }}', /Invalid placeholder '\{\{ secret.A \}\}'/],
    ['{{ secrets.lower }}', /Invalid placeholder/],
    ['{{ env.HOME }}', /Invalid placeholder/],
    ['Bearer {{ secrets.A', /Unbalanced braces/],
    ['Bearer secrets.A }}', /Unbalanced braces/],
  ])('refuses %p', (template, message) => {
    expect(() => parseSecretTemplate(template)).toThrow(message);
  });
});
