import { ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';

/**
 * A failed request, said above the content it concerns (which may still be
 * on screen, e.g. a list that could not be refreshed).
 */
export function InlineErrorPanel(props: { title: string; error: Error }) {
  return (
    <Box mb={2}>
      <ResponseErrorPanel title={props.title} error={props.error} />
    </Box>
  );
}
