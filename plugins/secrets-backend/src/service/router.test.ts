import express from 'express';
import request from 'supertest';
import { mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { NotFoundError } from '@backstage/errors';
import { SECRET_VALUE_MAX_BYTES } from '@backstage-secrets/plugin-secrets-common';
import { SecretsConfig } from '../config';
import { createRouter, type RouterOptions } from './router';
import { CALLER_HEADERS } from '../__testUtils__/hostileHttp';
import { ADMIN, NON_ADMIN } from '../__testUtils__/testBackend';

/*
 * The router alone, with the services behind it replaced by mocks: what
 * reaches them (validated names, the caller's identity) and what the
 * caller gets back. `manager` mocks the shared-secret parts the routes and
 * the gate call (summaries, writes, reads, reader policy), `userManager`
 * the users' own values. Access and the end-to-end behaviour are tested
 * with a real backend (permissionMatrix.test.ts, plugin.test.ts).
 */

function setup(
  options: { permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY } = {},
) {
  const manager = {
    list: jest.fn(async () => []),
    set: jest.fn(async ({ name }: { name: string }) => ({
      name,
      version: 1,
    })),
    clear: jest.fn(async () => ({ existed: true })),
    readValue: jest.fn(async () => ({
      value: 'test-value',
      source: 'database',
    })),
    scopeOf: jest.fn((name: string) =>
      name === 'PERSONAL_KEY' ? 'user' : 'shared',
    ),
    assertMayRead: jest.fn(),
  };
  const userManager = {
    list: jest.fn(async () => []),
    set: jest.fn(async ({ name }: { name: string }) => ({ name, set: true })),
    clear: jest.fn(async () => ({ existed: false })),
    setGrant: jest.fn(async ({ name }: { name: string }) => ({ name })),
    readValue: jest.fn(async () => 'user-value'),
  };
  const rotation = { status: jest.fn(async () => ({ keys: [] })) };
  const auditor = mockServices.auditor.mock();
  return {
    manager,
    userManager,
    auditor,
    app: async () => {
      const services = {
        readers: manager,
        summaries: manager,
        reads: manager,
        writes: manager,
        history: {},
        valueCheck: {},
        userSecrets: userManager,
        reencryption: rotation,
      } as unknown as Omit<
        RouterOptions,
        'httpAuth' | 'auth' | 'permissions' | 'auditor' | 'config'
      >;
      const router = await createRouter({
        ...services,
        httpAuth: mockServices.httpAuth({ pluginId: 'secrets' }),
        auth: mockServices.auth({ pluginId: 'secrets' }),
        permissions: mockServices.permissions({
          result: options.permission ?? AuthorizeResult.ALLOW,
        }),
        auditor,
        config: new SecretsConfig(
          mockServices.rootConfig({ data: { permission: { enabled: true } } }),
        ),
      });
      return express().use(router).use(mockErrorHandler());
    },
  };
}

const { admin, plugin } = CALLER_HEADERS;

describe('createRouter', () => {
  it('hands the validated name, value and the user to the manager on PUT', async () => {
    const { app, manager } = setup();
    const res = await request(await app())
      .put('/secrets/OPENAI_API_KEY')
      .set('Authorization', admin)
      .send({ value: 'v', expectedVersion: 0 });
    expect(res.status).toBe(200);
    expect(manager.set).toHaveBeenCalledWith({
      name: 'OPENAI_API_KEY',
      value: 'v',
      expectedVersion: 0,
      actor: ADMIN,
    });
  });

  it('refuses an invalid body or name with 400 before the manager sees it', async () => {
    const { app, manager } = setup();
    const server = await app();
    const unknownKey = await request(server)
      .put('/secrets/OPENAI_API_KEY')
      .set('Authorization', admin)
      .send({ value: 'v', extra: true });
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.error.message).toMatch(/Unrecognized key/);
    const badName = await request(server)
      .delete('/secrets/lower_case')
      .set('Authorization', admin);
    expect(badName.status).toBe(400);
    expect(manager.set).not.toHaveBeenCalled();
    expect(manager.clear).not.toHaveBeenCalled();
  });

  it('answers body parser failures without quoting the body', async () => {
    const { app } = setup();
    const server = await app();
    const broken = await request(server)
      .put('/secrets/OPENAI_API_KEY')
      .set('Authorization', admin)
      .set('Content-Type', 'application/json')
      .send('{"value":"sk-quoted-');
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toBe(
      'The request body is not valid JSON.',
    );
    expect(broken.text).not.toContain('sk-quoted');
    const huge = await request(server)
      .put('/secrets/OPENAI_API_KEY')
      .set('Authorization', admin)
      .send({ value: 'x'.repeat(SECRET_VALUE_MAX_BYTES * 7) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.name).toBe('PayloadTooLargeError');
  });

  it('hands the validated name and the user to the manager on DELETE', async () => {
    const { app, manager } = setup();
    const res = await request(await app())
      .delete('/secrets/OPENAI_API_KEY')
      .set('Authorization', admin);
    expect(res.status).toBe(204);
    expect(manager.clear).toHaveBeenCalledWith(
      'OPENAI_API_KEY',
      ADMIN,
      undefined,
    );
  });

  it('serves a value to a plugin with no-store, and says unset with 404', async () => {
    const { app, manager } = setup();
    const server = await app();
    const res = await request(server)
      .get('/secrets/OPENAI_API_KEY/value')
      .set('Authorization', plugin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ value: 'test-value' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(manager.assertMayRead).toHaveBeenCalledWith(
      'OPENAI_API_KEY',
      'plugin:catalog',
    );
    expect(manager.readValue).toHaveBeenCalledWith({
      name: 'OPENAI_API_KEY',
      caller: 'plugin:catalog',
    });
    manager.readValue.mockRejectedValueOnce(new NotFoundError('not set'));
    const unset = await request(server)
      .get('/secrets/PAGERDUTY_TOKEN/value')
      .set('Authorization', plugin);
    expect(unset.status).toBe(404);
  });

  it('reads a user-scoped value only on behalf of the user, and marks the refusal of a plugin token', async () => {
    const { app, userManager } = setup();
    const server = await app();
    const own = await request(server)
      .get('/secrets/PERSONAL_KEY/value')
      .set('Authorization', plugin);
    expect(own.status).toBe(403);
    expect(own.headers['x-backstage-secrets-scope']).toBe('user');
    const forUser = await request(server)
      .get('/secrets/PERSONAL_KEY/value')
      .set('Authorization', CALLER_HEADERS.onBehalfOf);
    expect(forUser.body).toEqual({ value: 'user-value' });
    expect(userManager.readValue).toHaveBeenCalledWith({
      name: 'PERSONAL_KEY',
      userRef: NON_ADMIN,
      caller: 'plugin:catalog',
    });
  });

  it('gives users their own routes with their own identity', async () => {
    const { app, userManager } = setup({ permission: AuthorizeResult.DENY });
    const server = await app();
    const bob = CALLER_HEADERS.nonAdmin;
    expect(
      (await request(server).get('/user/secrets').set('Authorization', bob))
        .status,
    ).toBe(200);
    await request(server)
      .put('/user/secrets/PERSONAL_KEY/grants/catalog')
      .set('Authorization', bob)
      .send({ allowed: true });
    expect(userManager.setGrant).toHaveBeenCalledWith({
      name: 'PERSONAL_KEY',
      userRef: NON_ADMIN,
      pluginId: 'catalog',
      allowed: true,
    });
    const badPluginId = await request(server)
      .put('/user/secrets/PERSONAL_KEY/grants/Not%20A%20Plugin')
      .set('Authorization', bob)
      .send({ allowed: true });
    expect(badPluginId.status).toBe(400);
  });

  it('refuses the manage routes without manage-secrets, and audits the refusal', async () => {
    const { app, manager, auditor } = setup({
      permission: AuthorizeResult.DENY,
    });
    const res = await request(await app())
      .get('/secrets')
      .set('Authorization', admin);
    expect(res.status).toBe(403);
    expect(manager.list).not.toHaveBeenCalled();
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({ eventId: 'secrets-list' }),
    );
  });
});
