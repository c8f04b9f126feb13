import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  defaultEntityPresentation,
  EntityRefLink,
  useEntityPresentation,
} from '@backstage/plugin-catalog-react';
import { Fragment } from 'react';

function normalizeRef(entityRef: string): string | undefined {
  try {
    return stringifyEntityRef(parseEntityRef(entityRef));
  } catch {
    return undefined;
  }
}

/**
 * A person (or group) named by an entity ref such as `user:default/alice`:
 * their display name from the catalog, linked to their catalog page.
 *
 * @remarks
 *
 * The name comes from the catalog's entity presentation API, which batches
 * the lookups of every row on the page into a few catalog requests and
 * caches them; this component never calls the catalog itself.
 *
 * When the catalog does not know the entity (a deleted user, a service
 * principal), the presentation is only derived from the ref itself; then the
 * raw ref is shown, unlinked, so that nobody is shown under a guessed name or
 * sent to a page that does not exist.
 */
export function PersonRef(props: { entityRef: string }) {
  const normalized = normalizeRef(props.entityRef);
  if (!normalized) {
    return <span>{props.entityRef}</span>;
  }
  return <KnownRef entityRef={normalized} />;
}

function KnownRef(props: { entityRef: string }) {
  const { entityRef } = props;
  const presentation = useEntityPresentation(entityRef);
  const fromRefAlone = defaultEntityPresentation(entityRef).primaryTitle;
  if (presentation.primaryTitle === fromRefAlone) {
    return <span title={entityRef}>{entityRef}</span>;
  }
  return <EntityRefLink entityRef={entityRef} hideIcon />;
}

// user:default/alice, group:default/admins, User:Alice (kinds that are
// people or teams). Anything else (plugin:catalog, service ids) is text.
const PERSON_REF = /\b(?:user|group):(?:[\w.-]+\/)?[\w.@-]+/gi;

/**
 * A principal as the backend reports it, e.g. `user:default/bob`,
 * `plugin:catalog` or `plugin:catalog on behalf of user:default/bob`: shown as
 * given, with every user or group ref in it replaced by the person's name.
 */
export function PrincipalText(props: { principal: string }) {
  const { principal } = props;
  const parts: Array<{ text: string; isRef: boolean }> = [];
  let last = 0;
  for (const match of principal.matchAll(PERSON_REF)) {
    const start = match.index ?? 0;
    if (start > last) {
      parts.push({ text: principal.slice(last, start), isRef: false });
    }
    parts.push({ text: match[0], isRef: true });
    last = start + match[0].length;
  }
  if (last < principal.length) {
    parts.push({ text: principal.slice(last), isRef: false });
  }
  return (
    <>
      {parts.map((part, index) => (
        <Fragment key={index}>
          {part.isRef ? <PersonRef entityRef={part.text} /> : part.text}
        </Fragment>
      ))}
    </>
  );
}
