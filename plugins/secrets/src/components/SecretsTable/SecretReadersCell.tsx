import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { AppConfigUse, appConfigText } from './AppConfigUse';

const useStyles = makeStyles(theme => ({
  list: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    listStyle: 'none',
    margin: 0,
    padding: 0,
  },
  chip: {
    fontFamily: 'monospace',
  },
  hint: {
    marginTop: theme.spacing(0.5),
    maxWidth: 220,
    overflowWrap: 'anywhere',
  },
  code: {
    fontFamily: 'monospace',
  },
}));

/** The words the table's search matches in the readers column. */
export function readersText(secret: SecretSummary): string[] {
  if (!secret.registered) {
    return [];
  }
  if (secret.appConfig) {
    return appConfigText(secret);
  }
  if (!secret.readers) {
    return ['Any backend plugin'];
  }
  return secret.readers.length > 0 ? secret.readers : ['No backend plugin'];
}

/**
 * The backend plugins that may read the secret's value: their ids, or "Any
 * backend plugin" with how to narrow it. Nothing for an orphan: no
 * definition, no readers.
 */
export function SecretReadersCell(props: { secret: SecretSummary }) {
  const { secret } = props;
  const classes = useStyles();

  if (!secret.registered) {
    return null;
  }

  if (secret.appConfig) {
    return <AppConfigUse secret={secret} />;
  }

  if (!secret.readers) {
    return (
      <div>
        <Typography variant="body2">Any backend plugin</Typography>
        <Typography
          variant="caption"
          component="div"
          color="textSecondary"
          className={classes.hint}
        >
          To narrow it, set <span className={classes.code}>readers</span> in the
          definition or{' '}
          <span className={classes.code}>secrets.readers.{secret.name}</span> in
          app-config.
        </Typography>
      </div>
    );
  }

  if (secret.readers.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No backend plugin
      </Typography>
    );
  }

  return (
    <ul className={classes.list} aria-label={`Readers of ${secret.name}`}>
      {secret.readers.map(pluginId => (
        <li key={pluginId}>
          <Chip
            size="small"
            variant="outlined"
            className={classes.chip}
            label={pluginId}
            title={`The ${pluginId} backend plugin may read this secret`}
          />
        </li>
      ))}
    </ul>
  );
}
