import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  registerMswTestHooks,
} from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { setupServer } from 'msw/node';
import secretsPlugin, {
  secretsApi,
  secretsPage,
  secretsPermissionDeniedPage,
  userSecretsApi,
  userSecretsSettingsPage,
} from './alpha';
import { secretsApiRef, userSecretsApiRef } from './api';
import { rootRouteRef } from './routes';
import { FakeSecretsBackend } from './__testUtils__/fakeSecretsBackend';
import { fixtures, userFixtures } from './__testUtils__/fixtures';
import { FakeUserSecretsBackend } from './__testUtils__/fakeUserSecretsBackend';
import { renderWithApis } from './__testUtils__/renderSecretsView';

const server = setupServer();
registerMswTestHooks(server);

// The app evaluates `if` predicates against the permission backend when it
// starts; the test utilities cannot (yet) run that asynchronous step, so
// these tests check the declarations, and the browser tests check the
// behaviour in a real app (nav item for admins only, message for others).
describe('new frontend system plugin', () => {
  it('is the secrets plugin with its API and both pages', () => {
    expect(secretsPlugin.pluginId).toBe('secrets');
    expect(secretsPlugin.getExtension('page:secrets')).toMatchObject({
      kind: 'page',
      name: undefined,
      namespace: 'secrets',
    });
    expect(
      secretsPlugin.getExtension('page:secrets/permission-denied'),
    ).toMatchObject({ kind: 'page', name: 'permission-denied' });
    expect(secretsPlugin.getExtension('api:secrets')).toMatchObject({
      kind: 'api',
    });
  });

  it('provides the page, titled, with an icon, for holders of manage-secrets only', async () => {
    const tester = createExtensionTester(secretsPage);
    expect(tester.query(secretsPage).node.spec.if).toEqual({
      permissions: { $contains: 'manage-secrets' },
    });
    expect(tester.get(coreExtensionData.routePath)).toBe('/secrets');
    expect(tester.get(coreExtensionData.title)).toBe('Manage secrets');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
    // A route ref + title + icon is what makes the app show a nav item.
    expect(tester.get(coreExtensionData.routeRef)).toBe(rootRouteRef);

    new FakeSecretsBackend([fixtures.missing]).install(server);
    await renderWithApis(tester.reactElement());
    expect(await screen.findByText('PAGERDUTY_API_TOKEN')).toBeInTheDocument();
  });

  it('gives everyone else the same path without a nav item', async () => {
    const tester = createExtensionTester(secretsPermissionDeniedPage);
    expect(tester.query(secretsPermissionDeniedPage).node.spec.if).toEqual({
      $not: { permissions: { $contains: 'manage-secrets' } },
    });
    expect(tester.get(coreExtensionData.routePath)).toBe('/secrets');
    // No route ref: never a nav item.
    expect(tester.get(coreExtensionData.routeRef)).toBeUndefined();
  });

  it('provides the SecretsClient for the secrets API', () => {
    const tester = createExtensionTester(secretsApi);
    const factory = tester.get(ApiBlueprint.dataRefs.factory);
    expect(factory.api).toBe(secretsApiRef);
    expect(Object.keys(factory.deps).sort()).toEqual([
      'discoveryApi',
      'fetchApi',
    ]);
  });

  it('provides the UserSecretsClient for the user secrets API', () => {
    expect(
      secretsPlugin.getExtension('api:secrets/user-secrets'),
    ).toMatchObject({ kind: 'api' });
    const tester = createExtensionTester(userSecretsApi);
    const factory = tester.get(ApiBlueprint.dataRefs.factory);
    expect(factory.api).toBe(userSecretsApiRef);
  });

  it('adds "My secrets" to the user settings page at /settings/secrets, for everyone', async () => {
    const extension = secretsPlugin.getExtension(
      'sub-page:secrets/user-secrets',
    );
    expect(extension).toMatchObject({
      kind: 'sub-page',
      attachTo: { id: 'page:user-settings', input: 'pages' },
    });
    const tester = createExtensionTester(userSecretsSettingsPage);
    // No permission condition: every signed-in user has own secrets.
    expect(tester.query(userSecretsSettingsPage).node.spec.if).toBeUndefined();
    expect(tester.get(coreExtensionData.routePath)).toBe('secrets');
    expect(tester.get(coreExtensionData.title)).toBe('My secrets');

    new FakeUserSecretsBackend([userFixtures.unset]).install(server);
    await renderWithApis(tester.reactElement());
    expect(
      await screen.findByText('PERSONAL_OPENAI_API_KEY'),
    ).toBeInTheDocument();
  });
});
