import Typography from '@material-ui/core/Typography';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { countSecrets } from '../../lib/status';

const plural = (count: number, one: string, many: string) =>
  `${count} ${count === 1 ? one : many}`;

/** "2 of 3 secrets set, 1 missing", plus pins, unreadable values, orphans. */
export function SecretsSummaryLine(props: { secrets: SecretSummary[] }) {
  const counts = countSecrets(props.secrets);
  const parts = [
    `${counts.set} of ${plural(counts.registered, 'secret', 'secrets')} set`,
    `${counts.missing} missing`,
  ];
  if (counts.pinned > 0) {
    parts.push(`${counts.pinned} pinned outside the database`);
  }
  if (counts.unreadable > 0) {
    parts.push(`${counts.unreadable} unreadable`);
  }
  if (counts.orphaned > 0) {
    parts.push(`${counts.orphaned} orphaned`);
  }
  if (counts.perUser > 0) {
    parts.push(
      `${plural(counts.perUser, 'per-user secret', 'per-user secrets')}`,
    );
  }
  if (counts.perEntity > 0) {
    parts.push(
      `${plural(counts.perEntity, 'per-entity secret', 'per-entity secrets')}`,
    );
  }
  return (
    <Typography
      variant="body1"
      color={counts.missing > 0 ? 'error' : 'textPrimary'}
      role="status"
      gutterBottom
    >
      {parts.join(', ')}
    </Typography>
  );
}
