import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  secretsExtensionPoint,
  type SecretDefinition,
} from '@backstage-secrets/plugin-secrets-node';

/**
 * The configuration key that turns the synthetic secrets on. Demo and
 * performance tests only; unset (the default) registers nothing:
 *
 * ```yaml
 * demo:
 *   syntheticSecrets:
 *     # Registers PERF_SECRET_0000 … PERF_SECRET_0999 (at most 10,000).
 *     count: 1000
 * ```
 *
 * The browser performance test (packages/app/e2e-tests/
 * manage-secrets.perf.test.mjs, started by scripts/e2e.mjs) sets it on its
 * own backend instance only.
 */
export const SYNTHETIC_SECRETS_COUNT_KEY = 'demo.syntheticSecrets.count';

const MAX_COUNT = 10_000;

/** The name of synthetic secret number `index`: PERF_SECRET_0000, … */
export function syntheticSecretName(index: number): string {
  return `PERF_SECRET_${String(index).padStart(4, '0')}`;
}

/**
 * The definitions of `count` synthetic secrets. Exported for the seed script
 * of the performance test (packages/app/e2e-tests/seedPerfSecrets.ts), so that the
 * stored rows and the registered names cannot drift apart.
 */
export function syntheticSecretDefinitions(count: number): SecretDefinition[] {
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new Error(
      `${SYNTHETIC_SECRETS_COUNT_KEY} must be a whole number from 0 to ${MAX_COUNT}, not ${count}.`,
    );
  }
  return Array.from({ length: count }, (_, index) => ({
    name: syntheticSecretName(index),
    description: `Synthetic secret number ${index}, registered by the **synthetic-secrets** demo module for performance tests.`,
    // Every tenth one is a JSON secret, like a service account key.
    ...(index % 10 === 9 ? { format: 'json' as const } : {}),
  }));
}

/**
 * A demo-only module of the `secrets` plugin: registers
 * `demo.syntheticSecrets.count` extra secrets, to see how the "Manage
 * secrets" page and the API behave with many of them. Does nothing unless
 * that key is set, so the normal demo is unchanged.
 */
export const secretsModuleSyntheticSecrets = createBackendModule({
  pluginId: 'secrets',
  moduleId: 'synthetic-secrets',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        secrets: secretsExtensionPoint,
      },
      async init({ config, logger, secrets }) {
        const count = config.getOptionalNumber(SYNTHETIC_SECRETS_COUNT_KEY);
        if (count === undefined || count === 0) {
          return;
        }
        secrets.registerSecrets(...syntheticSecretDefinitions(count));
        logger.warn(
          `Registered ${count} synthetic secrets (${syntheticSecretName(
            0,
          )} …) because ${SYNTHETIC_SECRETS_COUNT_KEY} is set; this is for demos and performance tests only.`,
        );
      },
    });
  },
});
