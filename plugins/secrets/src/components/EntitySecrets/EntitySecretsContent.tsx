import {
  EmptyState,
  InfoCard,
  MarkdownContent,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { EntitySecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { useCallback, useEffect, useState } from 'react';
import { entitySecretsApiRef } from '../../api';
import { ConfirmClearDialog } from '../ConfirmClearDialog';
import { PersonRef } from '../PersonRef';
import { RelativeTime } from '../RelativeTime';
import { ValueDialog } from '../ValueDialog';

const SOURCE_LABELS: Record<EntitySecretSummary['source'], string> = {
  entity: 'Set here',
  default: 'Default',
  unset: 'Not set',
};

/**
 * The "Secrets" tab of a catalog entity, for both frontend systems: the
 * entity-scoped secrets of its kind, where a read for this entity gets its
 * value now (set here, the default, or unset), who set it and when it was
 * last used; Set / Replace / Clear for those allowed to manage the
 * entity's secrets (its owners). Values are never received.
 *
 * @public
 */
export function EntitySecretsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(entitySecretsApiRef);
  const [items, setItems] = useState<EntitySecretSummary[]>();
  const [error, setError] = useState<Error>();
  const [attempt, setAttempt] = useState(0);
  const [editing, setEditing] = useState<EntitySecretSummary>();
  const [clearing, setClearing] = useState<EntitySecretSummary>();

  useEffect(() => {
    let cancelled = false;
    api.listEntitySecrets(entityRef).then(
      response => {
        if (!cancelled) {
          setItems(response.items);
          setError(undefined);
        }
      },
      e => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [api, entityRef, attempt]);

  const reload = useCallback(() => setAttempt(n => n + 1), []);

  if (error) return <ResponseErrorPanel error={error} />;
  if (!items) return <Progress />;
  if (items.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No secrets for this entity"
        description="No installed plugin declares a secret with one value per entity of this kind."
      />
    );
  }
  const canManageAny = items.some(item => item.canManage);

  return (
    <InfoCard title="Secrets">
      {!canManageAny && (
        <Typography variant="body2" color="textSecondary" paragraph>
          Only the owners of {entityRef} can set or clear its secrets.
        </Typography>
      )}
      <Table size="small" aria-label={`Secrets of ${entityRef}`}>
        <TableHead>
          <TableRow>
            <TableCell>Secret</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Set by</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map(item => (
            <TableRow
              key={item.name}
              data-testid={`entity-secret-${item.name}`}
            >
              <TableCell>
                <Typography variant="subtitle2">{item.name}</Typography>
                {item.description && (
                  <MarkdownContent content={item.description} />
                )}
                {item.obtainUrl && (
                  <a href={item.obtainUrl} target="_blank" rel="noreferrer">
                    {item.obtainLabel ?? `Where to get ${item.name}`}
                  </a>
                )}
              </TableCell>
              <TableCell>
                <Chip
                  size="small"
                  label={SOURCE_LABELS[item.source]}
                  color={item.source === 'unset' ? 'secondary' : 'default'}
                  variant={item.source === 'entity' ? 'default' : 'outlined'}
                />
              </TableCell>
              <TableCell>
                {item.updatedBy && item.source === 'entity' ? (
                  <>
                    <PersonRef entityRef={item.updatedBy} />
                    {item.updatedAt && (
                      <Box>
                        <RelativeTime iso={item.updatedAt} />
                      </Box>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </TableCell>
              <TableCell>
                {item.lastUsedAt ? (
                  <>
                    <RelativeTime iso={item.lastUsedAt} />
                    {item.lastUsedBy && <Box>{item.lastUsedBy}</Box>}
                  </>
                ) : (
                  'Not used yet'
                )}
              </TableCell>
              <TableCell align="right">
                {item.canManage && (
                  <>
                    <Button size="small" onClick={() => setEditing(item)}>
                      {item.source === 'entity' ? 'Replace' : 'Set'}
                    </Button>
                    {item.source === 'entity' && (
                      <Button size="small" onClick={() => setClearing(item)}>
                        Clear
                      </Button>
                    )}
                  </>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {editing && (
        <ValueDialog
          titleId="entity-secret-dialog-title"
          title={
            <>
              {editing.source === 'entity' ? 'Replace' : 'Set'} {editing.name}{' '}
              of {entityRef}
            </>
          }
          note="Once saved, the value cannot be shown again, not even to you: only the plugins that read it for this entity use it."
          name={editing.name}
          format={editing.format}
          save={value =>
            api.setEntitySecret(entityRef, editing.name, {
              value,
              expectedVersion:
                editing.source === 'entity' ? editing.version ?? 0 : 0,
            })
          }
          onSaved={() => {
            setEditing(undefined);
            reload();
          }}
          onConflict={reload}
          onClose={() => setEditing(undefined)}
          renderFailure={message => (
            <>
              {editing.name} was not saved: {message}
            </>
          )}
        />
      )}
      {clearing && (
        <ConfirmClearDialog
          titleId="clear-entity-secret-dialog-title"
          title={
            <>
              Clear {clearing.name} of {entityRef}?
            </>
          }
          confirmLabel={<>Clear {clearing.name}</>}
          clear={() => api.clearEntitySecret(entityRef, clearing.name)}
          onCleared={() => {
            setClearing(undefined);
            reload();
          }}
          onClose={() => setClearing(undefined)}
          renderFailure={message => (
            <>
              {clearing.name} was not cleared: {message}
            </>
          )}
        >
          This deletes the entity's own value; plugins then read the default, if
          an admin set one.
        </ConfirmClearDialog>
      )}
    </InfoCard>
  );
}
