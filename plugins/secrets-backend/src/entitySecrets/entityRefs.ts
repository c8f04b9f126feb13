import { InputError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** A catalog entity as the entity routes and reads name it. */
export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * The one spelling of an entity ref the store keys rows by: lower case, as
 * the catalog compares refs (`Component:Default/Payments` and
 * `component:default/payments` are the same entity).
 */
export function normalizeEntityRef(ref: string | EntityName): string {
  let parsed: EntityName;
  try {
    parsed =
      typeof ref === 'string'
        ? parseEntityRef(ref, { defaultNamespace: 'default' })
        : ref;
  } catch {
    throw new InputError(
      `'${String(ref).slice(
        0,
        300,
      )}' is not an entity ref; use kind:namespace/name, e.g. component:default/payments.`,
    );
  }
  if (!parsed.kind || !parsed.namespace || !parsed.name) {
    throw new InputError(
      'An entity ref needs a kind, a namespace and a name, e.g. component:default/payments.',
    );
  }
  return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
}

/** The kind of a normalized entity ref. */
export function kindOf(entityRef: string): string {
  return entityRef.slice(0, entityRef.indexOf(':'));
}
