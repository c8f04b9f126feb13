import { makeStyles } from '@material-ui/core/styles';
import type { ReactNode } from 'react';

const useStyles = makeStyles(theme => ({
  line: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
  },
}));

/**
 * A chip and the small text beside it, on one line that wraps in a narrow
 * column (the health column's check and rotation lines).
 */
export function ChipLine(props: { children: ReactNode }) {
  const classes = useStyles();
  return <div className={classes.line}>{props.children}</div>;
}
