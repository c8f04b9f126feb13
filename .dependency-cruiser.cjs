/*
 * The structure rules of the repository, checked by scripts/test.sh:
 *
 *   yarn depcruise --config .dependency-cruiser.cjs --output-type err \
 *     plugins packages/app/src packages/backend/src
 *
 * - no-circular: no import circle in any package (type-only imports count:
 *   a circle of types is still a circle a reader has to untangle);
 * - capability-public-face: secrets-backend's src/ is one folder per
 *   capability (access/, values/, history/, ...), and each folder's index.ts
 *   is its only public face. A file may reach into its own folder, and into
 *   another folder only through that folder's index.ts; the files of src/
 *   itself (plugin.ts, config.ts, the integration tests) likewise.
 *   __testUtils__/ (the shared test helpers) may reach anywhere, and is
 *   imported file by file (it is no capability and has no index).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import circle: the files on it cannot be read, tested or moved one at a time. Move what both sides need into a file of its own, or pass it in.',
      from: { path: '^(plugins/[^/]+/|packages/[^/]+/src/)' },
      to: { circular: true },
    },
    {
      name: 'capability-public-face',
      severity: 'error',
      comment:
        "A deep import into another capability folder of secrets-backend: import from the folder itself ('../<folder>', its index.ts), and export there what other folders need.",
      from: {
        path: '^plugins/secrets-backend/src/([^/]+)/',
        pathNot: '__testUtils__',
      },
      to: {
        path: '^plugins/secrets-backend/src/[^/]+/',
        pathNot: [
          '^plugins/secrets-backend/src/$1/',
          '^plugins/secrets-backend/src/[^/]+/index\\.ts$',
          '^plugins/secrets-backend/src/__testUtils__/',
        ],
      },
    },
    {
      name: 'capability-public-face-from-root',
      severity: 'error',
      comment:
        "A deep import from src/ itself (plugin.ts, config.ts, the integration tests) into a capability folder of secrets-backend: import from the folder ('./<folder>', its index.ts).",
      from: { path: '^plugins/secrets-backend/src/[^/]+$' },
      to: {
        path: '^plugins/secrets-backend/src/[^/]+/',
        pathNot: [
          '^plugins/secrets-backend/src/[^/]+/index\\.ts$',
          '^plugins/secrets-backend/src/__testUtils__/',
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|dist-types)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // The folders' index.ts files are what other folders import.
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.json'],
    },
  },
};
