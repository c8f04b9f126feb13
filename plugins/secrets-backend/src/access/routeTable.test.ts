import { spec } from '../schema';
import { ROUTES, routeOf } from './routeTable';

/*
 * The access table (routeTable.ts) and the API's contract
 * (src/schema/openapi.yaml, read here through the spec generated from it,
 * which CI checks fresh) name the same routes: a route added to one and not
 * the other fails here, before it can be served unchecked or refused
 * unexpectedly.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every operation of openapi.yaml, with a path as a request sends it. */
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  Object.keys(item)
    .filter(key => METHODS.includes(key))
    .map(method => ({
      operation: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      request: path.replace(/\{(\w+)\}/g, (_, param) => `sample-${param}`),
    })),
);

describe('the access route table', () => {
  it('has a row for every operation of openapi.yaml', () => {
    expect(operations.length).toBeGreaterThan(0);
    const withoutRow = operations
      .filter(({ method, request }) => !routeOf(method, request))
      .map(({ operation }) => operation);
    expect(withoutRow).toEqual([]);
  });

  it('has no row without its operation in openapi.yaml, and one row per operation', () => {
    const rowsByOperation = ROUTES.map(row => ({
      row: `${row.method} ${row.path}`,
      operations: operations
        .filter(op => op.method === row.method && row.path.test(op.request))
        .map(({ operation }) => operation),
    }));
    expect(
      rowsByOperation.filter(({ operations: matched }) => matched.length !== 1),
    ).toEqual([]);
  });

  it('reads the name (and the second parameter) where openapi.yaml puts them', () => {
    for (const { method, path, request } of operations) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map(m => m[1]);
      const found = routeOf(method, request);
      // Entity routes: the entity's kind, namespace and name, then the
      // secret's name.
      const entityRoute = path.startsWith('/entities/');
      expect({
        path,
        name: found?.name,
        second: found?.pluginId,
        entity: found?.entity,
      }).toEqual({
        path,
        name: entityRoute
          ? params[3] && `sample-${params[3]}`
          : params[0] && `sample-${params[0]}`,
        second: entityRoute ? undefined : params[1] && `sample-${params[1]}`,
        entity: entityRoute
          ? 'sample-kind:sample-namespace/sample-name'
          : undefined,
      });
    }
  });
});
