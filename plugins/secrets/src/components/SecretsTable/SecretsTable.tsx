import { Table, type TableColumn } from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import { entityPresentationApiRef } from '@backstage/plugin-catalog-react';
import type {
  CheckSecretResponse,
  SecretSummary,
} from '@backstage-secrets/plugin-secrets-common';
import { useMemo } from 'react';
import { secretStatus, sortSecrets, STATUS_LABELS } from '../../lib/status';
import { matches, personText } from './search';
import { SecretActionsCell, type SecretActions } from './SecretActionsCell';
import { SecretNameCell } from './SecretNameCell';
import { healthText, SecretHealthCell } from './SecretHealthCell';
import { readersText, SecretReadersCell } from './SecretReadersCell';
import { SecretStatusCell, userValueCountText } from './SecretStatusCell';
import { WhenAndWhoCell } from './WhenAndWhoCell';

export type SecretsTableProps = {
  secrets: SecretSummary[];
  actions: SecretActions;
  /** The answers of checks run from this page, by secret name. */
  checkResults?: Record<string, CheckSecretResponse>;
  /** The names of the secrets being checked now. */
  testing?: ReadonlySet<string>;
};

const NO_RESULTS: Record<string, CheckSecretResponse> = {};
const NOTHING_TESTING: ReadonlySet<string> = new Set();

/** Every secret, the ones without a value first, with a search box. */
export function SecretsTable(props: SecretsTableProps) {
  const { secrets, actions } = props;
  const checkResults = props.checkResults ?? NO_RESULTS;
  const testing = props.testing ?? NOTHING_TESTING;
  const presentationApi = useApiHolder().get(entityPresentationApiRef);

  // material-table writes its own bookkeeping into row objects; give it
  // copies so the summaries we hold stay as the backend sent them.
  const rows = useMemo(
    () => sortSecrets(secrets).map(secret => ({ ...secret })),
    [secrets],
  );

  const columns = useMemo<TableColumn<SecretSummary>[]>(
    () => [
      {
        title: 'Secret',
        field: 'name',
        width: '32%',
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(term, [row.name, row.description, row.obtainLabel]),
        render: row => <SecretNameCell secret={row} />,
      },
      {
        title: 'Status',
        field: 'source',
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(term, [
            STATUS_LABELS[secretStatus(row)],
            row.pinnedBy,
            row.error,
            row.scope === 'user'
              ? userValueCountText(row.userValueCount)
              : undefined,
          ]),
        customSort: (a, b) =>
          STATUS_LABELS[secretStatus(a)].localeCompare(
            STATUS_LABELS[secretStatus(b)],
          ),
        render: row => <SecretStatusCell secret={row} />,
      },
      {
        title: 'Readers',
        field: 'readers',
        sorting: false,
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(term, readersText(row)),
        render: row => <SecretReadersCell secret={row} />,
      },
      {
        title: 'Health',
        sorting: false,
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(term, healthText(row, checkResults[row.name])),
        render: row => (
          <SecretHealthCell
            secret={row}
            checkResult={checkResults[row.name]}
            testing={testing.has(row.name)}
          />
        ),
      },
      {
        title: 'Version',
        field: 'version',
        width: '8%',
        searchable: false,
        render: row => (row.version === undefined ? '—' : `v${row.version}`),
      },
      {
        title: 'Last updated',
        field: 'updatedAt',
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(
            term,
            personText(row.updatedBy ?? row.createdBy, presentationApi),
          ),
        render: row => (
          <WhenAndWhoCell
            at={row.updatedAt ?? row.createdAt}
            by={row.updatedBy ?? row.createdBy}
            never="—"
          />
        ),
      },
      {
        title: 'Last used',
        field: 'lastUsedAt',
        customFilterAndSearch: (term: string, row: SecretSummary) =>
          matches(term, [
            ...personText(row.lastUsedBy, presentationApi),
            row.lastUsedVia,
          ]),
        render: row =>
          row.scope === 'user' ? (
            '—'
          ) : (
            <WhenAndWhoCell
              at={row.lastUsedAt}
              by={row.lastUsedBy}
              via={row.lastUsedVia}
              never="Not used yet"
            />
          ),
      },
      {
        title: 'Actions',
        width: '10%',
        sorting: false,
        searchable: false,
        render: row => (
          <SecretActionsCell
            secret={row}
            actions={actions}
            testing={testing.has(row.name)}
          />
        ),
      },
    ],
    [actions, checkResults, testing, presentationApi],
  );

  return (
    <Table<SecretSummary>
      title="Secrets"
      columns={columns}
      data={rows}
      options={{
        search: true,
        paging: rows.length > 20,
        pageSize: 20,
        pageSizeOptions: [20, 50, 100],
        padding: 'dense',
        draggable: false,
        emptyRowsWhenPaging: false,
      }}
      localization={{
        toolbar: { searchPlaceholder: 'Search secrets' },
        body: { emptyDataSourceMessage: 'No secret matches the search.' },
      }}
    />
  );
}
