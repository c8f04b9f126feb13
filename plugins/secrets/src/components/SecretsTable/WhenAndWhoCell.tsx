import Typography from '@material-ui/core/Typography';
import { PrincipalText } from '../PersonRef';
import { RelativeTime } from '../RelativeTime';

/** When something happened and who did it, e.g. "3 days ago by Alice". */
export function WhenAndWhoCell(props: {
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
