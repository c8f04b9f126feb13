export { InlineErrorPanel } from './InlineErrorPanel';
