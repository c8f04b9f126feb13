import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckIcon from '@material-ui/icons/Check';
import RemoveCircleOutlineIcon from '@material-ui/icons/RemoveCircleOutline';
import Alert from '@material-ui/lab/Alert';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useState } from 'react';
import { userSecretsApiRef } from '../../api';
import { describeError } from '../../lib/errors';
import { RelativeTime } from '../RelativeTime';
import { SecretNameCell } from '../SecretsTable/SecretNameCell';
import { ClearUserSecretDialog } from './ClearUserSecretDialog';
import { UserSecretDialog } from './UserSecretDialog';

const useStyles = makeStyles(theme => ({
  section: {
    marginTop: theme.spacing(2),
  },
  actions: {
    display: 'flex',
    gap: theme.spacing(1),
    marginTop: theme.spacing(1),
  },
  plugin: {
    fontFamily: 'monospace',
  },
}));

/** `plugin:example-consumer` → `example-consumer`. */
export function pluginName(principal: string): string {
  return principal.replace(/^plugin:/, '');
}

/**
 * One per-user secret on "My secrets": why it is needed and where to get a
 * value, whether the user set one (set / replace / clear), which plugins
 * may use it (a switch each), and when which plugin last used it.
 */
export function UserSecretCard(props: {
  secret: UserSecretSummary;
  onChanged(secret: UserSecretSummary): void;
  onReload(): void;
}) {
  const { secret, onChanged, onReload } = props;
  const classes = useStyles();
  const api = useApi(userSecretsApiRef);
  const [dialog, setDialog] = useState<'set' | 'clear'>();
  const [busyPlugin, setBusyPlugin] = useState<string>();
  const [grantError, setGrantError] = useState<string>();

  const toggle = async (pluginId: string, allowed: boolean) => {
    setBusyPlugin(pluginId);
    setGrantError(undefined);
    try {
      onChanged(await api.setUserSecretGrant(secret.name, pluginId, allowed));
    } catch (error) {
      setGrantError(
        `${
          allowed ? 'Allowing' : 'Revoking'
        } ${pluginId} failed: ${describeError(error)}`,
      );
    } finally {
      setBusyPlugin(undefined);
    }
  };

  // A value stored under a name no installed plugin declares per user any
  // more: nothing can use it; the user can only clear it.
  const orphaned = secret.registered === false;

  return (
    <InfoCard>
      <div data-testid={`user-secret-${secret.name}`}>
        <SecretNameCell secret={secret} />
        {orphaned && (
          <Typography variant="body2" className={classes.section}>
            No installed plugin uses this value any more. Clear it, unless you
            expect the plugin that asked for it to come back.
          </Typography>
        )}

        <Box
          className={classes.section}
          display="flex"
          alignItems="center"
          style={{ gap: 8 }}
        >
          <Chip
            size="small"
            icon={secret.set ? <CheckIcon /> : <RemoveCircleOutlineIcon />}
            label={secret.set ? 'Your value is set' : 'No value yet'}
            color={secret.set ? 'default' : 'secondary'}
            variant={secret.set ? 'default' : 'outlined'}
          />
          {secret.set && secret.updatedAt && (
            <Typography variant="body2" color="textSecondary">
              v{secret.version}, saved <RelativeTime iso={secret.updatedAt} />
            </Typography>
          )}
        </Box>
        <div className={classes.actions}>
          {!orphaned && (
            <Button
              size="small"
              variant="outlined"
              color="primary"
              aria-label={`${secret.set ? 'Replace' : 'Add'} my ${secret.name}`}
              onClick={() => setDialog('set')}
            >
              {secret.set ? 'Replace' : 'Add'}
            </Button>
          )}
          {secret.set && (
            <Button
              size="small"
              variant="outlined"
              aria-label={`Clear my ${secret.name}`}
              onClick={() => setDialog('clear')}
            >
              Clear
            </Button>
          )}
        </div>

        {!orphaned && (
          <Typography variant="subtitle2" className={classes.section}>
            Plugins that may use your value
          </Typography>
        )}
        {grantError && (
          <Alert severity="error" role="alert">
            {grantError}
          </Alert>
        )}
        {!orphaned && secret.grants.length === 0 && (
          <Typography variant="body2" color="textSecondary">
            No plugin is declared as a reader of this secret.
          </Typography>
        )}
        {!orphaned && secret.grants.length > 0 && (
          <div>
            {secret.grants.map(grant => (
              <FormControlLabel
                key={grant.pluginId}
                control={
                  <Switch
                    color="primary"
                    checked={grant.allowed}
                    disabled={busyPlugin !== undefined}
                    onChange={(_event, checked) =>
                      toggle(grant.pluginId, checked)
                    }
                    inputProps={{
                      'aria-label': `Allow ${grant.pluginId} to use my ${secret.name}`,
                    }}
                  />
                }
                label={
                  <span>
                    <span className={classes.plugin}>{grant.pluginId}</span>{' '}
                    {grant.allowed ? '(allowed)' : '(not allowed)'}
                  </span>
                }
              />
            ))}
          </div>
        )}

        <Typography
          variant="body2"
          className={classes.section}
          data-testid="last-used"
        >
          {secret.lastUsedAt ? (
            <>
              Last used <RelativeTime iso={secret.lastUsedAt} />
              {secret.lastUsedBy && (
                <>
                  {' '}
                  by{' '}
                  <span className={classes.plugin}>
                    {pluginName(secret.lastUsedBy)}
                  </span>
                </>
              )}
            </>
          ) : (
            'Not used yet'
          )}
        </Typography>
      </div>

      {dialog === 'set' && (
        <UserSecretDialog
          secret={secret}
          onClose={() => setDialog(undefined)}
          onSaved={saved => {
            setDialog(undefined);
            onChanged(saved);
          }}
          onConflict={onReload}
        />
      )}
      {dialog === 'clear' && (
        <ClearUserSecretDialog
          secret={secret}
          onClose={() => setDialog(undefined)}
          onCleared={() => {
            setDialog(undefined);
            onReload();
          }}
        />
      )}
    </InfoCard>
  );
}
