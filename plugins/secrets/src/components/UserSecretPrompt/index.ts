export { UserSecretPrompt } from './UserSecretPrompt';
export type { UserSecretPromptProps } from './UserSecretPrompt';
