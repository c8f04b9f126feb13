import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';

/**
 * What the page says about a secret, derived from its summary.
 *
 * - `missing`: registered, no value anywhere (reads fail)
 * - `set`: the value is stored in the database
 * - `config` / `environment`: pinned; reads get the value from app-config or
 *   an environment variable, and the page cannot change it
 * - `error`: stored but unusable, e.g. it cannot be decrypted
 * - `orphaned`: stored, but no plugin registers the name any more
 * - `perUser`: a per-user secret (`scope: 'user'`); each user sets their
 *   own value, admins neither see nor set it
 */
export type SecretStatus =
  | 'missing'
  | 'set'
  | 'config'
  | 'environment'
  | 'error'
  | 'orphaned'
  | 'perUser';

export function secretStatus(secret: SecretSummary): SecretStatus {
  if (!secret.registered) {
    return 'orphaned';
  }
  if (secret.scope === 'user') {
    return 'perUser';
  }
  // A pin wins over a broken stored row: reads never look at the row.
  if (secret.source === 'config') {
    return 'config';
  }
  if (secret.source === 'environment') {
    return 'environment';
  }
  if (secret.error) {
    return 'error';
  }
  return secret.source === 'database' ? 'set' : 'missing';
}

export const STATUS_LABELS: Record<SecretStatus, string> = {
  missing: 'Not set',
  set: 'Set',
  config: 'Pinned by configuration',
  environment: 'Pinned by environment variable',
  error: 'Unreadable',
  orphaned: 'Orphaned',
  perUser: 'Per user',
};

/** Pinned values come from outside the database; the page cannot edit them. */
export function isPinned(secret: SecretSummary): boolean {
  const status = secretStatus(secret);
  return status === 'config' || status === 'environment';
}

/** Set / Replace is offered for registered secrets that are not pinned. */
export function canSet(secret: SecretSummary): boolean {
  return (
    secret.registered && !isPinned(secret) && secretStatus(secret) !== 'perUser'
  );
}

/** Clear is offered when there is a stored value and no pin. */
export function canClear(secret: SecretSummary): boolean {
  // Per-user values belong to their users: admins cannot clear them.
  if (isPinned(secret) || secretStatus(secret) === 'perUser') {
    return false;
  }
  return secret.source === 'database' || secret.version !== undefined;
}

// Missing values first: they are what an admin comes to this page to fix.
const STATUS_ORDER: Record<SecretStatus, number> = {
  missing: 0,
  error: 1,
  set: 2,
  config: 2,
  environment: 2,
  orphaned: 3,
  perUser: 2,
};

/** Not set first, then unreadable, then the rest; by name within each. */
export function sortSecrets(secrets: SecretSummary[]): SecretSummary[] {
  return [...secrets].sort((a, b) => {
    const byStatus =
      STATUS_ORDER[secretStatus(a)] - STATUS_ORDER[secretStatus(b)];
    return byStatus !== 0 ? byStatus : a.name.localeCompare(b.name);
  });
}

export type SecretsSummaryCounts = {
  registered: number;
  set: number;
  missing: number;
  pinned: number;
  unreadable: number;
  orphaned: number;
  /** per-user secrets: neither set nor missing, each user sets their own */
  perUser: number;
  /** per-entity secrets: neither set nor missing, each entity's owners set its own (the value here is a default) */
  perEntity: number;
};

export function countSecrets(secrets: SecretSummary[]): SecretsSummaryCounts {
  const counts: SecretsSummaryCounts = {
    registered: 0,
    set: 0,
    missing: 0,
    pinned: 0,
    unreadable: 0,
    orphaned: 0,
    perUser: 0,
    perEntity: 0,
  };
  for (const secret of secrets) {
    const status = secretStatus(secret);
    if (status === 'orphaned') {
      counts.orphaned += 1;
      continue;
    }
    if (secret.scope === 'entity' && status !== 'error') {
      counts.perEntity += 1;
      continue;
    }
    if (status === 'perUser') {
      counts.perUser += 1;
      continue;
    }
    counts.registered += 1;
    if (status === 'missing') {
      counts.missing += 1;
    } else if (status === 'error') {
      counts.unreadable += 1;
    } else {
      counts.set += 1;
      if (status !== 'set') {
        counts.pinned += 1;
      }
    }
  }
  return counts;
}
