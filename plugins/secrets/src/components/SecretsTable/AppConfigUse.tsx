import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';

const useStyles = makeStyles(theme => ({
  keys: {
    listStyle: 'none',
    margin: 0,
    padding: 0,
    fontFamily: 'monospace',
    fontSize: theme.typography.caption.fontSize,
    overflowWrap: 'anywhere',
    maxWidth: 260,
  },
  restart: {
    marginTop: theme.spacing(0.5),
  },
}));

/** Whether a newer version is stored than the one the backend loaded at start-up. */
export function needsRestart(secret: SecretSummary): boolean {
  const loaded = secret.appConfig?.loadedVersion;
  return (
    secret.appConfig !== undefined &&
    secret.version !== undefined &&
    secret.source === 'database' &&
    (loaded === undefined || secret.version > loaded)
  );
}

/** The words the table's search matches for a secret used in app-config. */
export function appConfigText(secret: SecretSummary): string[] {
  if (!secret.appConfig) return [];
  return [
    'app-config',
    ...secret.appConfig.paths,
    ...(needsRestart(secret) ? ['Restart to apply'] : []),
  ];
}

/**
 * A secret that app-config references (`appConfig: true`): the keys that use
 * it (config is readable by every backend plugin), and "Restart to apply"
 * when a newer version is stored than the running backend loaded at
 * start-up: most plugins read their credentials only then.
 */
export function AppConfigUse(props: { secret: SecretSummary }) {
  const { secret } = props;
  const classes = useStyles();
  if (!secret.appConfig) return null;
  const loaded = secret.appConfig.loadedVersion;
  return (
    <div>
      <Typography variant="body2">Used in app-config</Typography>
      <ul
        className={classes.keys}
        aria-label={`App-config keys that use ${secret.name}`}
      >
        {secret.appConfig.paths.map(key => (
          <li key={key}>{key}</li>
        ))}
      </ul>
      <Typography variant="caption" component="div" color="textSecondary">
        Readable by every backend plugin through config.
      </Typography>
      {needsRestart(secret) && (
        <Chip
          size="small"
          color="secondary"
          className={classes.restart}
          label="Restart to apply"
          title={
            loaded === undefined
              ? `v${secret.version} is stored; the running backend started without a value. Live consumers (the proxy) use it already; plugins that read config at start-up need a restart.`
              : `v${secret.version} is stored; the running backend loaded v${loaded} at start-up. Live consumers (the proxy) use it already; plugins that read config at start-up need a restart.`
          }
        />
      )}
    </div>
  );
}
