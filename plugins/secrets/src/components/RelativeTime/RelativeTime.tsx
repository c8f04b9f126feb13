import Tooltip from '@material-ui/core/Tooltip';
import { formatExactTime, formatRelativeTime } from '../../lib/relativeTime';

/** "3 hours ago", with the exact time on hover. */
export function RelativeTime(props: { iso: string }) {
  const { iso } = props;
  return (
    <Tooltip title={formatExactTime(iso)}>
      <time dateTime={iso}>{formatRelativeTime(iso)}</time>
    </Tooltip>
  );
}
