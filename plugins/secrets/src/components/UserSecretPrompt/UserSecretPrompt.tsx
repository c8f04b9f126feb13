import { InfoCard, Link, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import type { UserSecretSummary } from '@backstage-secrets/plugin-secrets-common';
import type { FormEvent } from 'react';
import { userSecretsApiRef } from '../../api';
import { useSubmission } from '../../hooks/useSubmission';
import { isAllowed, useUserSecret } from '../../hooks/useUserSecret';
import { useValueInput } from '../../hooks/useValueInput';
import { describeError } from '../../lib/errors';
import { SecretNameCell } from '../SecretsTable/SecretNameCell';
import { SecretValueField } from '../SecretValueField';
import { SubmitButton } from '../SubmitButton';

const useStyles = makeStyles(theme => ({
  form: {
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(2),
    marginTop: theme.spacing(2),
  },
  plugin: {
    fontFamily: 'monospace',
  },
}));

/**
 * Props of {@link UserSecretPrompt}.
 *
 * @public
 */
export type UserSecretPromptProps = {
  /** The per-user secret, e.g. `PERSONAL_OPENAI_API_KEY`. */
  name: string;
  /** The backend plugin that needs the value; "Add and allow" allows it. */
  pluginId: string;
  /** Render nothing (instead of a short "using your key" note) once the value is set and allowed. */
  hideWhenReady?: boolean;
  /** Where "My secrets" lives; `/settings/secrets` by default. */
  settingsPath?: string;
  /** Called after the user added a value or allowed the plugin. */
  onReady?(secret: UserSecretSummary): void;
};

/**
 * Asks the signed-in user for their own value of a per-user secret, for one
 * plugin: the definition's description and where to get a value, a masked
 * field and **Add and allow**, which stores the value and allows `pluginId`
 * in one step. When a value is set but the plugin is not allowed, it offers
 * just **Allow**. Once both hold, it shows a short "using your key" note
 * with a link to "My secrets" (or nothing, with `hideWhenReady`).
 *
 * @remarks
 *
 * The typed value lives only in this component's state and the body of the
 * `PUT` request; the browser never receives a value back. Needs the secrets
 * plugin installed in the app (it provides the `userSecretsApiRef`).
 *
 * @public
 */
export function UserSecretPrompt(props: UserSecretPromptProps) {
  const { name, pluginId, hideWhenReady, onReady } = props;
  const settingsPath = props.settingsPath ?? '/settings/secrets';
  const classes = useStyles();
  const api = useApi(userSecretsApiRef);
  const { loading, error, secret, ready, retry, update } = useUserSecret(name, {
    pluginId,
  });
  const input = useValueInput();
  const { busy: saving, failure, submit } = useSubmission();

  if (loading && !secret) {
    return <Progress />;
  }
  if (error) {
    return (
      <Alert severity="error">
        Could not check your {name}: {describeError(error)}
      </Alert>
    );
  }
  if (!secret) {
    return (
      <Alert severity="warning">
        No plugin registers a per-user secret named {name}.
      </Alert>
    );
  }

  const myPluginLink = <span className={classes.plugin}>{pluginId}</span>;

  if (ready) {
    if (hideWhenReady) {
      return null;
    }
    return (
      <Typography variant="body2" color="textSecondary" role="status">
        {myPluginLink} is using your {name}.{' '}
        <Link to={settingsPath}>Manage it in My secrets</Link>
      </Typography>
    );
  }

  const allowed = isAllowed(secret, pluginId);
  const grantIfNeeded = async (current: UserSecretSummary) =>
    isAllowed(current, pluginId)
      ? current
      : api.setUserSecretGrant(name, pluginId, true);

  const run = (step: () => Promise<UserSecretSummary>) =>
    submit(
      async () => {
        const done = await step();
        input.reset();
        update(done);
        onReady?.(done);
      },
      // Set meanwhile (e.g. in another tab): show the current state.
      { onConflict: retry },
    );

  const addAndAllow = (event: FormEvent) => {
    event.preventDefault();
    if (!input.validate(secret.format)) {
      return;
    }
    run(async () => {
      const saved = await api.setUserSecret(name, {
        value: input.value,
        expectedVersion: 0,
      });
      return grantIfNeeded(saved);
    });
  };

  return (
    <InfoCard title={`Your ${name} is needed`}>
      <SecretNameCell secret={secret} />
      {failure?.message && (
        <Alert severity="error" role="alert" style={{ marginTop: 16 }}>
          {failure.message}
        </Alert>
      )}
      {secret.set ? (
        <div className={classes.form}>
          <Typography variant="body2">
            You have set your {name}, but {myPluginLink} is not allowed to use
            it.
          </Typography>
          <div>
            <Button
              color="primary"
              variant="contained"
              disabled={saving}
              onClick={() => run(() => grantIfNeeded(secret))}
            >
              Allow {pluginId}
            </Button>
          </div>
        </div>
      ) : (
        <form
          className={classes.form}
          onSubmit={addAndAllow}
          noValidate
          autoComplete="off"
        >
          <Typography variant="body2">
            Stored encrypted for you only and never shown again.{' '}
            {allowed ? (
              <>{myPluginLink} may use it, for your requests only.</>
            ) : (
              <>
                <strong>Add and allow</strong> also allows {myPluginLink} to use
                it, for your requests only.
              </>
            )}{' '}
            You can revoke that or clear the value in{' '}
            <Link to={settingsPath}>My secrets</Link>.
          </Typography>
          <SecretValueField
            name={name}
            format={secret.format}
            label={`Your ${name}`}
            {...input.field}
            disabled={saving}
          />
          <div>
            <SubmitButton busy={saving} disabled={input.value.length === 0}>
              {allowed ? 'Add' : 'Add and allow'}
            </SubmitButton>
          </div>
        </form>
      )}
    </InfoCard>
  );
}
