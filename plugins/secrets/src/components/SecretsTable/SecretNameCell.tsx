import { Link, MarkdownContent } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { Fragment } from 'react';

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

/** The name, its format, the markdown description and where to get a value. */
export function SecretNameCell(props: {
  secret: Pick<
    SecretSummary,
    'name' | 'description' | 'obtainUrl' | 'obtainLabel' | 'format'
  >;
}) {
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
