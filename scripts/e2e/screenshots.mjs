// The pictures of docs/images/, by `node scripts/e2e.mjs --screenshots` on
// its admin and user backends: each put in the state its picture shows
// (values stored through the REST API as the guest). Not a test.
import { join } from 'node:path';
import * as e2e from '../../packages/app/e2e-tests/helpers.mjs';

/** Calls the backend as the signed-in guest; fails unless it succeeds. */
async function call(page, method, path, json) {
  const { status } = await e2e.fetchAsGuest(page, path, { method, json });
  if (status >= 300) throw new Error(`${method} ${path}: ${status}`);
}

export async function takeScreenshots({ adminUrl, userUrl, outDir }) {
  const browser = await e2e.launchBrowser();
  const newPage = async baseUrl => {
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page.setDefaultTimeout(30_000);
    await e2e.signInAsGuest(page, baseUrl);
    return page;
  };
  const shot = (page, file) => page.screenshot({ path: join(outDir, file) });
  try {
    // Manage secrets, as the guest admin: GOOGLE_SERVICE_ACCOUNT_JSON overdue
    // (rotated every second on this backend), OPENAI_API_KEY due soon, v3.
    const page = await newPage(adminUrl);
    const put = (name, value) =>
      call(page, 'PUT', `/api/secrets/secrets/${name}`, { value });
    await put('GOOGLE_SERVICE_ACCOUNT_JSON', '{"type":"service_account"}');
    for (const v of [1, 2, 3]) await put('OPENAI_API_KEY', `screenshot-${v}`);
    await page.goto(`${adminUrl}/secrets`);
    const row = e2e.secretRow(page, 'OPENAI_API_KEY');
    await row.getByText('Due soon', { exact: true }).waitFor();
    await e2e
      .secretRow(page, 'GOOGLE_SERVICE_ACCOUNT_JSON')
      .getByText('Overdue', { exact: true })
      .waitFor();
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'manage-secrets.png');

    // Its history drawer: two more versions, then v4 restored (v6).
    for (const v of [4, 5]) await put('OPENAI_API_KEY', `screenshot-${v}`);
    await page.reload();
    await row
      .getByRole('button', { name: 'History of OPENAI_API_KEY' })
      .click();
    await page
      .getByRole('button', { name: 'Restore v4 of OPENAI_API_KEY' })
      .click();
    await page
      .getByRole('dialog', { name: 'Restore v4 of OPENAI_API_KEY?' })
      .getByRole('button', { name: 'Restore v4', exact: true })
      .click();
    await page.getByText('restored from v4').waitFor();
    const drawer = page.getByRole('dialog', {
      name: 'History of OPENAI_API_KEY',
    });
    await drawer.getByRole('link', { name: 'Grace Guest' }).first().waitFor();
    await shot(page, 'manage-secrets-history.png');

    // My secrets, as bob: his own value, the example consumer allowed and
    // having used it on his behalf.
    const bob = await newPage(userUrl);
    const mine = '/api/secrets/user/secrets/PERSONAL_OPENAI_API_KEY';
    await call(bob, 'PUT', mine, { value: 'screenshot-bob' });
    await call(bob, 'PUT', `${mine}/grants/example-consumer`, {
      allowed: true,
    });
    await call(bob, 'GET', '/api/example-consumer/personal-status');
    await bob.goto(`${userUrl}/settings/secrets`);
    await bob.getByTestId('last-used').getByText('example-consumer').waitFor();
    await shot(bob, 'my-secrets.png');
  } finally {
    await browser.close();
  }
}
