// The screenshots the docs show (docs/images/*.png), made on demand by
// `node scripts/e2e.mjs --screenshots`, which starts the "admin" and "user"
// demo backends and calls this. Not a test: it puts each demo backend in the
// state a picture shows (values stored through the REST API as the signed-in
// guest) and takes the picture.
import { join } from 'node:path';
import {
  launchBrowser,
  secretRow,
  signInAsGuest,
} from '../../packages/app/e2e-tests/helpers.mjs';

/** Calls `path` of the backend from the page, with the guest's own token. */
const call = (page, method, path, body) =>
  page.evaluate(
    async ([m, p, b]) => {
      const refresh = await fetch('/api/auth/guest/refresh', {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      const { token } = (await refresh.json()).backstageIdentity;
      const response = await fetch(p, {
        method: m,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        body: b && JSON.stringify(b),
      });
      if (!response.ok) throw new Error(`${m} ${p}: ${response.status}`);
    },
    [method, path, body],
  );

export async function takeScreenshots({ adminUrl, userUrl, outDir }) {
  const browser = await launchBrowser();
  const newPage = async baseUrl => {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signInAsGuest(page, baseUrl);
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
    const row = secretRow(page, 'OPENAI_API_KEY');
    await row.getByText('Due soon', { exact: true }).waitFor();
    await secretRow(page, 'GOOGLE_SERVICE_ACCOUNT_JSON')
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
    const name = 'PERSONAL_OPENAI_API_KEY';
    await call(bob, 'PUT', `/api/secrets/user/secrets/${name}`, {
      value: 'screenshot-bob',
    });
    await call(
      bob,
      'PUT',
      `/api/secrets/user/secrets/${name}/grants/example-consumer`,
      { allowed: true },
    );
    await call(bob, 'GET', '/api/example-consumer/personal-status');
    await bob.goto(`${userUrl}/settings/secrets`);
    await bob.getByTestId('last-used').getByText('example-consumer').waitFor();
    await shot(bob, 'my-secrets.png');
  } finally {
    await browser.close();
  }
}
