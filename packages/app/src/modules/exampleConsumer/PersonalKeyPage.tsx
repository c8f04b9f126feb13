import { Content, Header, InfoCard, Page } from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import { UserSecretPrompt } from '@backstage-secrets/plugin-secrets';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useCallback, useEffect, useState } from 'react';

type Status =
  | { state: 'checking' }
  | { state: 'configured' }
  | { state: 'missing' }
  | { state: 'refused'; message: string }
  | { state: 'failed'; message: string };

/**
 * The demo of a plugin page that needs the user's own key: the prompt from
 * the secrets plugin, and what the example consumer backend answers when it
 * reads the key on the user's behalf (whether it got one, never the value).
 */
export function PersonalKeyPage() {
  const discoveryApi = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  const [status, setStatus] = useState<Status>({ state: 'checking' });

  const check = useCallback(async () => {
    setStatus({ state: 'checking' });
    try {
      const baseUrl = await discoveryApi.getBaseUrl('example-consumer');
      const response = await fetch(`${baseUrl}/personal-status`);
      const body = await response.json();
      if (response.status === 403) {
        setStatus({ state: 'refused', message: body.message });
      } else if (!response.ok) {
        setStatus({
          state: 'failed',
          message: body?.error?.message ?? response.statusText,
        });
      } else {
        setStatus({ state: body.configured ? 'configured' : 'missing' });
      }
    } catch (error) {
      setStatus({ state: 'failed', message: String(error) });
    }
  }, [discoveryApi, fetch]);

  useEffect(() => {
    check();
  }, [check]);

  return (
    <Page themeId="tool">
      <Header
        title="Personal OpenAI key"
        subtitle="A demo plugin that calls OpenAI with your own key"
      />
      <Content>
        <Grid container spacing={3} direction="column">
          <Grid item>
            <UserSecretPrompt
              name="PERSONAL_OPENAI_API_KEY"
              pluginId="example-consumer"
              onReady={check}
            />
          </Grid>
          <Grid item>
            <InfoCard title="What the example consumer backend sees">
              <Typography
                variant="body1"
                data-testid="personal-status"
                gutterBottom
              >
                {status.state === 'checking' && 'Checking…'}
                {status.state === 'configured' &&
                  'The example consumer used your key for this request.'}
                {status.state === 'missing' &&
                  'The example consumer found no key of yours.'}
                {status.state === 'refused' && `Refused: ${status.message}`}
                {status.state === 'failed' && `Failed: ${status.message}`}
              </Typography>
              <Button variant="outlined" onClick={check}>
                Ask again
              </Button>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
