import {
  entityPresentationSnapshot,
  type EntityPresentationApi,
} from '@backstage/plugin-catalog-react';

// The table's search also matches people by the display names the catalog
// already gave us (a synchronous, cached snapshot: no extra requests).
export function personText(
  ref: string | undefined,
  presentationApi: EntityPresentationApi | undefined,
): string[] {
  if (!ref) {
    return [];
  }
  try {
    const snapshot = entityPresentationSnapshot(
      ref,
      undefined,
      presentationApi,
    );
    return [ref, snapshot.primaryTitle];
  } catch {
    return [ref];
  }
}

/** Whether any of the texts contains the search term, ignoring case. */
export function matches(
  term: string,
  texts: Array<string | undefined>,
): boolean {
  const needle = term.trim().toLocaleLowerCase();
  return texts.some(text => text?.toLocaleLowerCase().includes(needle));
}
