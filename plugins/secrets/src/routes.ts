import { createRouteRef } from '@backstage/core-plugin-api';

/**
 * The "Manage secrets" page. One route ref serves both frontend systems:
 * core-plugin-api route refs are also valid in the new frontend system.
 * Exported as `secretsRouteRef`.
 *
 * @public
 */
export const rootRouteRef = createRouteRef({ id: 'secrets' });
