import { EmptyState, LinkButton } from '@backstage/core-components';

/**
 * Where plugin authors learn to declare the secrets their plugin needs (the
 * README of the node library with the extension point).
 */
export const PLUGIN_AUTHOR_DOCS_URL =
  'https://www.npmjs.com/package/@backstage-secrets/plugin-secrets-node';

/** The list is empty: no installed backend plugin declares a secret. */
export function NoSecrets() {
  return (
    <EmptyState
      missing="content"
      title="No secrets registered yet"
      description="No plugin has registered a secret yet. A secret appears here as soon as a backend plugin declares it through the secrets extension point; then you can set its value on this page."
      action={
        <LinkButton
          variant="outlined"
          color="primary"
          to={PLUGIN_AUTHOR_DOCS_URL}
        >
          How plugins register secrets
        </LinkButton>
      }
    />
  );
}
