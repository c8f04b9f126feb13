import type {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';

/**
 * How long the plugin's own service token is reused. Backstage plugin
 * tokens are valid for an hour; signing a fresh one costs about as much as
 * the rest of a read, so a minute of reuse removes it from the hot path
 * while staying far inside the token's lifetime.
 */
const OWN_TOKEN_REUSE_MS = 60_000;

/** The tokens a client presents to the `secrets` backend plugin. */
export class SecretsPluginTokens {
  readonly #auth: AuthService;
  #own: { token: Promise<string>; expiresAt: number } | undefined;

  constructor(auth: AuthService) {
    this.#auth = auth;
  }

  /**
   * The plugin's own token, reused for a minute; concurrent callers share
   * one signing, and a failed one is not reused.
   */
  own(): Promise<string> {
    const now = Date.now();
    if (!this.#own || this.#own.expiresAt <= now) {
      const token = this.#auth
        .getOwnServiceCredentials()
        .then(credentials =>
          this.#auth.getPluginRequestToken({
            onBehalfOf: credentials,
            targetPluginId: 'secrets',
          }),
        )
        .then(result => result.token);
      const entry = { token, expiresAt: now + OWN_TOKEN_REUSE_MS };
      this.#own = entry;
      token.catch(() => {
        if (this.#own === entry) this.#own = undefined;
      });
    }
    return this.#own.token;
  }

  /** A token on behalf of a user, for that user's own value; never reused. */
  async onBehalfOf(user: BackstageCredentials): Promise<string> {
    const { token } = await this.#auth.getPluginRequestToken({
      onBehalfOf: user,
      targetPluginId: 'secrets',
    });
    return token;
  }
}
