import request from 'supertest';
import { createHash } from 'node:crypto';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  ADMIN,
  onBehalfOfAwareAuth,
  startSecretsBackend,
} from './__testUtils__/testBackend';

/*
 * The value route answers without a fingerprint of the value in a header:
 * express's default ETag is a hash of the body (`{"value":...}`), and
 * anything that logs response headers would store it. Nothing on the route
 * may be cached either.
 */

jest.setTimeout(60_000);

const SHARED_VALUE = 'sk-header-canary-shared-3f9a';
const USER_VALUE = 'sk-header-canary-user-77c1';
const USER = 'user:default/carol';

const pluginHeader = (pluginId: string) =>
  mockCredentials.service.header({
    onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
    targetPluginId: 'secrets',
  });
const onBehalfOf = (userRef: string, pluginId: string) =>
  `Bearer ${mockCredentials.user.token(userRef, {
    actor: { subject: `plugin:${pluginId}` },
  })}`;

/** Every form a fingerprint of the value could take in a header. */
function fingerprints(value: string): string[] {
  const body = JSON.stringify({ value });
  return [
    createHash('sha1').update(body).digest('base64').slice(0, 27),
    createHash('sha1').update(body).digest('hex'),
    createHash('sha256').update(body).digest('base64').slice(0, 27),
    value,
  ];
}

describe('the value route', () => {
  it('answers shared and per-user values with no-store and without an ETag', async () => {
    const { server } = await startSecretsBackend({
      definitions: [
        { name: 'SHARED_KEY' },
        { name: 'OWN_KEY', scope: 'user', readers: ['consumer'] },
      ],
      features: [onBehalfOfAwareAuth],
    });
    expect(
      (
        await request(server)
          .put('/api/secrets/secrets/SHARED_KEY')
          .set('Authorization', mockCredentials.user.header(ADMIN))
          .send({ value: SHARED_VALUE })
      ).status,
    ).toBe(200);
    const user = mockCredentials.user.header(USER);
    await request(server)
      .put('/api/secrets/user/secrets/OWN_KEY')
      .set('Authorization', user)
      .send({ value: USER_VALUE })
      .expect(200);
    await request(server)
      .put('/api/secrets/user/secrets/OWN_KEY/grants/consumer')
      .set('Authorization', user)
      .send({ allowed: true })
      .expect(200);

    const shared = await request(server)
      .get('/api/secrets/secrets/SHARED_KEY/value')
      .set('Authorization', pluginHeader('consumer'));
    const own = await request(server)
      .get('/api/secrets/secrets/OWN_KEY/value')
      .set('Authorization', onBehalfOf(USER, 'consumer'));
    const refused = await request(server)
      .get('/api/secrets/secrets/SHARED_KEY/value')
      .set('Authorization', mockCredentials.user.header(ADMIN));

    expect([shared.status, own.status, refused.status]).toEqual([
      200, 200, 403,
    ]);
    expect([shared.headers.etag, own.headers.etag]).toEqual([
      undefined,
      undefined,
    ]);
    for (const [res, value] of [
      [shared, SHARED_VALUE],
      [own, USER_VALUE],
      // An error body holds no value (Backstage's error handler may tag it).
      [refused, SHARED_VALUE],
    ] as const) {
      expect(res.headers['cache-control']).toBe('no-store');
      const headers = JSON.stringify(res.headers);
      for (const fingerprint of fingerprints(value)) {
        expect(headers).not.toContain(fingerprint);
      }
    }
    expect(shared.body).toEqual({ value: SHARED_VALUE });
    expect(shared.headers['content-type']).toMatch(/^application\/json/);
    expect(own.body).toEqual({ value: USER_VALUE });
  });
});
