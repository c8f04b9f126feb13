import { InputError, NotFoundError } from '@backstage/errors';
import type {
  CheckSecretResponse,
  SecretSource,
} from '@backstage-secrets/plugin-secrets-common';
import type { SecretsRegistry } from '../registry';
import type { SecretChecks } from './SecretChecks';

/** Where an admin sets a value, for the message about an unset one. */
const MANAGE_PAGE_HINT =
  'An admin can set it on the "Manage secrets" page (/secrets) of Backstage';

/**
 * "Test" on the page and the check-secret action: runs a secret's check
 * (its definition's validate) on the value a read would get now, and
 * records the outcome. A failed check is an answer (ok: false), not an
 * error: the check ran. Not a use of the secret (last-used is untouched).
 */
export class CurrentValueCheck {
  constructor(
    private readonly options: {
      registry: SecretsRegistry;
      checks: Pick<SecretChecks, 'run' | 'record'>;
      /** the value a read gets now (values/), without recording a use */
      currentValue: (name: string) => Promise<
        | {
            value: string;
            source: Exclude<SecretSource, 'unset'>;
            version?: number;
          }
        | undefined
      >;
    },
  ) {}

  async check(name: string): Promise<CheckSecretResponse> {
    const { registry, checks, currentValue } = this.options;
    const definition = registry.get(name);
    if (!definition) {
      throw new NotFoundError(
        `Secret ${name} is not registered: no installed plugin declares it, so there is nothing to check.`,
      );
    }
    if (!definition.validate) {
      throw new InputError(
        `Secret ${name} cannot be checked: the plugin that registers it (${definition.registeredBy}) gives no validate function.`,
      );
    }
    const current = await currentValue(name);
    if (!current) {
      throw new NotFoundError(
        `Secret ${name} is not set, so there is no value to check. ${MANAGE_PAGE_HINT}.`,
      );
    }
    const outcome = await checks.run(name, definition.validate, current.value);
    const checkedAt = new Date().toISOString();
    await checks.record({
      name,
      checkedAt,
      ok: outcome.ok,
      source: current.source,
      version: current.version,
    });
    return {
      ok: outcome.ok,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
      checkedAt,
    };
  }
}
