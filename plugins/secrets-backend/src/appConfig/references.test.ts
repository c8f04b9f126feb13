import { locateReferences, referenceMarker } from './references';

/*
 * Where a stored secret may be substituted, by the config schema of this
 * workspace (the demo backend's dependencies include the stock proxy).
 */

jest.setTimeout(60_000);

const at = (data: object) => [{ context: 'test', data: data as any }];
const ref = referenceMarker('TOKEN');

describe('locateReferences', () => {
  it('finds nothing, without loading the schema, when nothing references a secret', async () => {
    expect(await locateReferences(at({ app: { title: 'x' } }))).toEqual(
      new Map(),
    );
  });

  it('reports the keys of references at secret keys', async () => {
    const paths = await locateReferences(
      at({
        proxy: {
          endpoints: {
            '/a': {
              target: 'http://x',
              headers: { Authorization: `Bearer ${ref}` },
            },
            '/b': { target: 'http://x', headers: { 'X-Api-Key': ref } },
          },
        },
      }),
    );
    expect(paths).toEqual(
      new Map([
        [
          'TOKEN',
          [
            'proxy.endpoints./a.headers.Authorization',
            'proxy.endpoints./b.headers.X-Api-Key',
          ],
        ],
      ]),
    );
  });

  it.each([
    [
      { app: { title: ref } },
      /app\.title references the stored secret TOKEN.*does not mark app\.title as @visibility secret/,
    ],
    [
      { secrets: { encryption: { keys: [{ id: 'k', secret: ref }] } } },
      /secrets\.encryption\.keys\[0\]\.secret references the stored secret TOKEN.*cannot come from the store/,
    ],
    [
      { backend: { database: { connection: { password: ref } } } },
      /backend\.database\.connection\.password references the stored secret TOKEN.*cannot come from the store/,
    ],
  ])('refuses a reference at %j', async (data, message) => {
    await expect(locateReferences(at(data))).rejects.toThrow(message);
  });
});
