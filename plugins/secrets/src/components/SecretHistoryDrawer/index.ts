export {
  SecretHistoryDrawer,
  type SecretHistoryDrawerProps,
} from './SecretHistoryDrawer';
