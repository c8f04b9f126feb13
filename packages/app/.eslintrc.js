const base = require('@backstage/cli/config/eslint-factory')(__dirname);

module.exports = {
  ...base,
  overrides: [
    ...(base.overrides ?? []),
    {
      // The browser tests are Node.js programs (node:test + playwright-core)
      // run by scripts/e2e.mjs, not app code: Node built-ins are fine there,
      // and playwright-core is a devDependency of the repository root. The
      // perf test's seed stores values through the backend's own code.
      files: ['e2e-tests/**'],
      rules: {
        'no-restricted-imports': 'off',
        '@backstage/no-undeclared-imports': 'off',
        '@backstage/no-relative-monorepo-imports': 'off',
        'no-console': 'off',
      },
    },
  ],
};
