import { useCallback, useEffect, useState } from 'react';
import { Content, InfoCard, Progress } from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import Button from '@material-ui/core/Button';

interface OnCall {
  user: { summary: string };
  escalation_policy: { summary: string };
  escalation_level: number;
}

type State =
  | { kind: 'loading' }
  | { kind: 'loaded'; source: string; oncalls: OnCall[] }
  | { kind: 'failed'; status: number; message: string };

/** The on-call list, fetched through `/api/proxy/pagerduty-demo`. */
export function PagerDutyDemoPage() {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const [state, setState] = useState<State>({ kind: 'loading' });

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    try {
      const base = await discoveryApi.getBaseUrl('proxy');
      const response = await fetchApi.fetch(`${base}/pagerduty-demo/oncalls`);
      const body = await response.json().catch(() => undefined);
      if (!response.ok) {
        setState({
          kind: 'failed',
          status: response.status,
          message: body?.error?.message ?? response.statusText,
        });
        return;
      }
      setState({ kind: 'loaded', source: body.source, oncalls: body.oncalls });
    } catch (error) {
      setState({ kind: 'failed', status: 0, message: String(error) });
    }
  }, [discoveryApi, fetchApi]);

  useEffect(() => {
    load();
  }, [load]);

  return (
    <Content>
      <InfoCard
        title="On call, through /api/proxy/pagerduty-demo"
        subheader="The proxy adds the PagerDuty token from the Manage secrets page to each request."
        action={<Button onClick={load}>Reload</Button>}
      >
        {state.kind === 'loading' && <Progress />}
        {state.kind === 'failed' && (
          <div role="alert" aria-label="Proxy error">
            {state.status ? `Error ${state.status}: ` : ''}
            {state.message}
          </div>
        )}
        {state.kind === 'loaded' && (
          <ul aria-label="On call">
            {state.oncalls.map(oncall => (
              <li key={`${oncall.escalation_level}-${oncall.user.summary}`}>
                {oncall.user.summary} (level {oncall.escalation_level},{' '}
                {oncall.escalation_policy.summary})
              </li>
            ))}
          </ul>
        )}
        {state.kind === 'loaded' && <p>Answered by the {state.source}.</p>}
      </InfoCard>
    </Content>
  );
}
