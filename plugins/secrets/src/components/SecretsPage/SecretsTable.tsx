import {
  Link,
  MarkdownContent,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import { useApiHolder } from '@backstage/core-plugin-api';
import {
  entityPresentationApiRef,
  entityPresentationSnapshot,
  type EntityPresentationApi,
} from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { Fragment, useMemo } from 'react';
import {
  canClear,
  canSet,
  isPinned,
  secretStatus,
  sortSecrets,
  STATUS_LABELS,
} from '../../lib/status';
import { PrincipalText } from '../PersonRef';
import { RelativeTime } from '../RelativeTime';
import { SecretStatusCell } from './SecretStatusCell';

const useStyles = makeStyles(theme => ({
  name: {
    fontFamily: 'monospace',
    fontWeight: theme.typography.fontWeightBold as number,
  },
  description: {
    maxWidth: 480,
    ...theme.typography.body2,
    '& p': {
      margin: theme.spacing(0.5, 0),
    },
  },
  actions: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: theme.spacing(1),
    '& button': {
      whiteSpace: 'nowrap',
    },
  },
}));

/** Only web links: an `obtainUrl` is declared by a plugin, not by us. */
function isWebUrl(url: string | undefined): url is string {
  return !!url && /^https?:\/\//i.test(url);
}

// Long names such as GOOGLE_SERVICE_ACCOUNT_JSON may wrap after an
// underscore, never in the middle of a word.
function breakableName(name: string) {
  return name.split('_').map((part, index, parts) => (
    <Fragment key={index}>
      {part}
      {index < parts.length - 1 && (
        <>
          _<wbr />
        </>
      )}
    </Fragment>
  ));
}

function hasStoredValue(secret: SecretSummary): boolean {
  return secret.source === 'database' || secret.version !== undefined;
}

function SecretNameCell(props: { secret: SecretSummary }) {
  const { secret } = props;
  const classes = useStyles();
  return (
    <div>
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <Typography
          variant="subtitle2"
          component="div"
          className={classes.name}
          data-testid="secret-name"
        >
          {breakableName(secret.name)}
        </Typography>
        {secret.format === 'json' && (
          <Chip size="small" variant="outlined" label="JSON" />
        )}
      </Box>
      {secret.description && (
        <MarkdownContent
          className={classes.description}
          content={secret.description}
          linkTarget="_blank"
        />
      )}
      {isWebUrl(secret.obtainUrl) && (
        <Typography variant="body2">
          <Link to={secret.obtainUrl} target="_blank" rel="noopener noreferrer">
            {secret.obtainLabel ?? `Where to get ${secret.name}`}
          </Link>
        </Typography>
      )}
    </div>
  );
}

function WhenAndWho(props: {
  at?: string;
  by?: string;
  /** The plugin that acted on behalf of `by`, if any. */
  via?: string;
  never: string;
}) {
  if (!props.at) {
    return (
      <Typography variant="body2" color="textSecondary">
        {props.never}
      </Typography>
    );
  }
  return (
    <Typography variant="body2" component="div">
      <RelativeTime iso={props.at} />
      {props.by && (
        <div>
          by <PrincipalText principal={props.by} />
          {props.via && <> via {props.via}</>}
        </div>
      )}
    </Typography>
  );
}

// The table's search also matches people by the display names the catalog
// already gave us (a synchronous, cached snapshot: no extra requests).
function personText(
  ref: string | undefined,
  presentationApi: EntityPresentationApi | undefined,
): string[] {
  if (!ref) {
    return [];
  }
  try {
    const snapshot = entityPresentationSnapshot(
      ref,
      undefined,
      presentationApi,
    );
    return [ref, snapshot.primaryTitle];
  } catch {
    return [ref];
  }
}

function matches(term: string, texts: Array<string | undefined>): boolean {
  const needle = term.trim().toLocaleLowerCase();
  return texts.some(text => text?.toLocaleLowerCase().includes(needle));
}

export type SecretsTableProps = {
  secrets: SecretSummary[];
  onSet(secret: SecretSummary): void;
  onClear(secret: SecretSummary): void;
};

/** Every secret, the ones without a value first, with a search box. */
export function SecretsTable(props: SecretsTableProps) {
  const { secrets, onSet, onClear } = props;
  const classes = useStyles();
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
          ]),
        customSort: (a, b) =>
          STATUS_LABELS[secretStatus(a)].localeCompare(
            STATUS_LABELS[secretStatus(b)],
          ),
        render: row => <SecretStatusCell secret={row} />,
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
          <WhenAndWho
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
        render: row => (
          <WhenAndWho
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
          <div className={classes.actions}>
            {canSet(row) && (
              <Button
                size="small"
                variant="outlined"
                color="primary"
                aria-label={`${hasStoredValue(row) ? 'Replace' : 'Set'} ${
                  row.name
                }`}
                onClick={() => onSet(row)}
              >
                {hasStoredValue(row) ? 'Replace' : 'Set'}
              </Button>
            )}
            {canClear(row) && (
              <Button
                size="small"
                variant="outlined"
                aria-label={`Clear ${row.name}`}
                onClick={() => onClear(row)}
              >
                Clear
              </Button>
            )}
            {isPinned(row) && (
              <Typography variant="caption" color="textSecondary">
                Not editable here
              </Typography>
            )}
          </div>
        ),
      },
    ],
    [classes, onSet, onClear, presentationApi],
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
