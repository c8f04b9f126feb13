/*
 * Start-up guards: what must hold before the plugin serves anything
 * (stored rows readable, no pin serving a key, no external token posing as
 * a plugin), and the warning about a database that does not persist.
 */
export {
  guardPins,
  guardStoredKeys,
  IN_MEMORY_WARNING,
  isInMemorySqlite,
  refuseCustomExternalTokenHandlers,
  refuseExternalSubjectsThatLookLikePlugins,
} from './startupGuards';
