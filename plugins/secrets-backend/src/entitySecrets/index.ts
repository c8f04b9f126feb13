/*
 * Entity-owned secrets (`scope: 'entity'`): one value per catalog entity,
 * set by whoever may `secrets.entity.manage` the entity, with the shared
 * value of the same name as the default; the store of those values and
 * the reads of backend plugins for an entity.
 */
export { deleteOrphanedEntitySecrets } from './entitySecretOrphans';
export { type EntityName, kindOf, normalizeEntityRef } from './entityRefs';
export { entitySecretKey, EntitySecretsManager } from './EntitySecretsManager';
export {
  type EntityLastUsedRecord,
  type StoredEntitySecret,
  EntitySecretsStore,
} from './EntitySecretsStore';
