import type {
  SecretFormat,
  SecretScope,
} from '@backstage-secrets/plugin-secrets-common';
import type { HumanDuration } from '@backstage/types';

/**
 * The outcome of a {@link SecretDefinition.validate} check. The message is
 * shown to admins: it must never contain the value.
 *
 * @public
 */
export type SecretValidationResult =
  | { ok: true }
  | { ok: false; message: string };

/**
 * A secret that a plugin needs, declared at start-up through
 * {@link secretsExtensionPoint}.
 *
 * @public
 */
export interface SecretDefinition {
  /**
   * The secret's name, e.g. `OPENAI_API_KEY`: an upper-case letter followed
   * by at most 127 upper-case letters, digits or underscores.
   */
  name: string;
  /** What the secret is for, in markdown; shown on the "Manage secrets" page. */
  description?: string;
  /** Where an admin obtains a value, e.g. the provider's API key page. */
  obtainUrl?: string;
  /** The text of the obtain link, e.g. "Get an OpenAI API key". */
  obtainLabel?: string;
  /** `json` values are validated as JSON when set. Default `text`. */
  format?: SecretFormat;
  /**
   * The ids of the backend plugins that may read the value, e.g.
   * `['catalog', 'my-plugin']`. Absent: any backend plugin may read it (the
   * "Manage secrets" page says so, with a hint to narrow it). Operators can
   * set or narrow the list with `secrets.readers.<NAME>` in app-config,
   * which wins over this one. A plugin outside the list is refused (403),
   * and its `getSecret` rejects rather than answering `undefined`.
   */
  readers?: string[];
  /**
   * `shared` (default): one value for the installation, set by admins.
   * `user`: one value per user, which each user sets on their "My secrets"
   * page (`/settings/secrets`) and allows reader plugins to use; a plugin
   * reads it with `getSecret(name, { onBehalfOf: credentials })`, passing
   * the credentials of the user whose request it serves. A user-scoped
   * secret must name its `readers`; pins do not apply to it.
   * `entity`: one value per catalog entity of `entityKinds`, set by whoever
   * is allowed `secrets.entity.manage` on the entity (its owners), plus an
   * optional default that admins set on "Manage secrets"; a plugin reads it
   * with `getSecret(name, { entityRef })`. `readers` as for shared secrets.
   */
  scope?: SecretScope;
  /**
   * For `scope: 'entity'`: the kinds of catalog entity that have a value of
   * their own, e.g. `['Component', 'System']`. Default `['Component']`.
   */
  entityKinds?: string[];
  /**
   * Checks a value with its provider before it is saved (e.g. calls the
   * provider's "who am I" endpoint). `PUT` runs it unless the body says
   * `skipValidation: true`, and a failure answers 422 with the message and
   * stores nothing; `POST /secrets/:name/check` runs it on the stored value
   * ("Test" on the page). Time-boxed by `secrets.validation.timeout`
   * (default 10 s): honour the signal. Shared secrets only.
   */
  validate?(
    value: string,
    options: { signal: AbortSignal },
  ): Promise<SecretValidationResult>;
  /**
   * How often the value should be replaced. The page shows "rotate by" and
   * an overdue badge, and admins are notified when it is due within 7 days
   * and when it is overdue. Operators can set or override it with
   * `secrets.rotation.<NAME>`.
   */
  rotateEvery?: HumanDuration;
}
