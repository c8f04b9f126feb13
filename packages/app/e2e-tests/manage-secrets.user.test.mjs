// The "Manage secrets" page for someone without manage-secrets: the demo
// backend on E2E_USER_URL signs the guest in as user:default/bob.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  USER_URL,
  fetchAsGuest,
  openRecordedBrowser,
  saveScreenshot,
  signInAsGuest,
} from './helpers.mjs';

describe(
  'Manage secrets, without the permission',
  { concurrency: false },
  () => {
    let browser;
    let session;

    before(async () => {
      ({ browser, session } = await openRecordedBrowser());
    });

    after(async () => {
      await browser?.close();
    });

    test('sees no "Manage secrets" nav item', async () => {
      const { page } = session;
      await signInAsGuest(page, USER_URL);
      // The rest of the nav is there...
      await page.getByRole('link', { name: 'Catalog' }).first().waitFor();
      await page.getByRole('link', { name: 'Settings' }).first().waitFor();
      // ...but not the item: hidden, not disabled.
      assert.equal(
        await page.getByRole('link', { name: 'Manage secrets' }).count(),
        0,
      );
      assert.equal(await page.getByText('Manage secrets').count(), 0);
    });

    test('gets a clear message at /secrets, and no secret', async () => {
      const { page } = session;
      await page.goto(`${USER_URL}/secrets`);
      await page.getByText('You need the manage-secrets permission').waitFor();
      assert.equal(await page.getByText('OPENAI_API_KEY').count(), 0);
      await saveScreenshot(page, 'e2e-permission-denied.png');
      // The page did not even ask for the list.
      assert.deepEqual(
        session.requests.filter(r => r.url.includes('/api/secrets/')),
        [],
      );
    });

    test('the backend refuses the list to this user anyway', async () => {
      const { page } = session;
      // The app's own token for bob, used the way the page would use it.
      const { status } = await fetchAsGuest(page, '/api/secrets/secrets');
      assert.equal(status, 403);
    });
  },
);
