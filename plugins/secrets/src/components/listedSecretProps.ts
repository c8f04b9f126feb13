import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';

/**
 * What a dialog (or drawer) that writes one secret of the list is given.
 */
export type ListedSecretProps = {
  /**
   * The secret as last listed: it follows the list as it refreshes, and its
   * version is sent as the expected one.
   */
  secret: SecretSummary;
  onClose(): void;
  /** Someone else changed the secret; the list should be fetched again. */
  onConflict(): void;
};
