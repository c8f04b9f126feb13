import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import HelpOutlineIcon from '@material-ui/icons/HelpOutline';
import type { SecretSummary } from '@backstage-secrets/plugin-secrets-common';
import { unusedText } from '../../lib/attention';

const useStyles = makeStyles(theme => ({
  flag: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    maxWidth: 260,
  },
  icon: {
    fontSize: theme.typography.body2.fontSize,
  },
}));

/**
 * "Unused: not used for 97 days — still needed?" for secrets the backend
 * flags as unused (no read for `secrets.unusedAfter`).
 */
export function UnusedFlag(props: { secret: SecretSummary }) {
  const classes = useStyles();
  const text = unusedText(props.secret);
  if (!text) {
    return null;
  }
  return (
    <Typography
      variant="caption"
      component="div"
      color="textSecondary"
      className={classes.flag}
    >
      <HelpOutlineIcon className={classes.icon} aria-hidden />
      <span>
        <strong>Unused</strong>: {text}
      </span>
    </Typography>
  );
}
