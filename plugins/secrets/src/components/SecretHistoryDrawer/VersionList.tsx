import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import type { SecretVersion } from '@backstage-secrets/plugin-secrets-common';
import { PrincipalText } from '../PersonRef';
import { RelativeTime } from '../RelativeTime';

const useStyles = makeStyles(theme => ({
  title: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontFamily: 'monospace',
  },
  item: {
    // Room for the Restore button.
    paddingRight: theme.spacing(14),
  },
}));

/**
 * The stored versions of a secret, newest first: who wrote each and when,
 * which one is current, which were restored from which, and a Restore
 * button on the others when `onRestore` is given.
 */
export function VersionList(props: {
  name: string;
  versions: SecretVersion[];
  /** The version reads get now, if any. */
  current?: number;
  onRestore?(version: number): void;
}) {
  const { name, versions, current, onRestore } = props;
  const classes = useStyles();
  return (
    <List aria-label={`Versions of ${name}`}>
      {versions.map(entry => {
        const restorable = !!onRestore && entry.version !== current;
        const label = { 'aria-label': `v${entry.version}` };
        return (
          <ListItem
            key={entry.version}
            divider
            className={classes.item}
            // With a secondary action, the <li> is the container around it.
            {...(restorable ? { ContainerProps: label } : label)}
          >
            <ListItemText
              disableTypography
              primary={
                <div className={classes.title}>
                  <strong>v{entry.version}</strong>
                  {entry.version === current && (
                    <Chip size="small" color="primary" label="Current" />
                  )}
                  {entry.restoredFrom !== undefined && (
                    <Chip
                      size="small"
                      variant="outlined"
                      label={`restored from v${entry.restoredFrom}`}
                    />
                  )}
                </div>
              }
              secondary={
                <div>
                  <RelativeTime iso={entry.createdAt} /> by{' '}
                  <PrincipalText principal={entry.createdBy} />
                </div>
              }
            />
            {restorable && (
              <ListItemSecondaryAction>
                <Button
                  size="small"
                  variant="outlined"
                  aria-label={`Restore v${entry.version} of ${name}`}
                  onClick={() => onRestore(entry.version)}
                >
                  Restore
                </Button>
              </ListItemSecondaryAction>
            )}
          </ListItem>
        );
      })}
    </List>
  );
}
