// A frontend page that calls a third-party API through the proxy
// (/pagerduty-demo, the demo's stand-in for the PagerDuty plugin) gets the
// upstream's answer once the admin has set the token on the "Manage
// secrets" page, with no restart. The upstream is the demo backend's fake
// PagerDuty (scripts/e2e.mjs starts it one port above the backend).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_URL,
  openRecordedBrowser,
  saveScreenshot,
  secretRow,
  signInAsGuest,
} from './helpers.mjs';

// Random per run: must never come back to the browser.
const TOKEN = `e2e-canary-pagerduty-${randomBytes(12).toString('hex')}`;

describe('A proxy endpoint with a stored secret in its header', () => {
  let browser;
  let session;
  let page;

  before(async () => {
    ({ browser, session, page } = await openRecordedBrowser());
    await signInAsGuest(page, ADMIN_URL);
  });

  after(async () => {
    await browser?.close();
  });

  test("the page shows the proxy's 503: the token is not set", async () => {
    await page.goto(`${ADMIN_URL}/pagerduty-demo`);
    const alert = page.getByRole('alert', { name: 'Proxy error' });
    await alert.waitFor();
    assert.match(
      await alert.innerText(),
      /^Error 503: Proxy endpoint \/pagerduty-demo is unavailable: secret PAGERDUTY_API_TOKEN has no value\. An admin sets it on the "Manage secrets" page/,
    );
  });

  test('the admin sets the token on the Manage secrets page', async () => {
    await page.goto(`${ADMIN_URL}/secrets`);
    const row = secretRow(page, 'PAGERDUTY_API_TOKEN');
    await row.getByRole('button', { name: 'Set PAGERDUTY_API_TOKEN' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New value of PAGERDUTY_API_TOKEN').fill(TOKEN);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('v1', { exact: true }).waitFor();
  });

  test("the page now shows the upstream's answer", async () => {
    await page.goto(`${ADMIN_URL}/pagerduty-demo`);
    const list = page.getByRole('list', { name: 'On call' });
    // The proxy's secrets client may reuse "unset" for up to 500 ms: reload
    // until the answer comes (no assertion on the speed here; the backend
    // tests measure the bound).
    const deadline = Date.now() + 20_000;
    while (!(await list.isVisible())) {
      assert.ok(Date.now() < deadline, 'the on-call list never appeared');
      await page.waitForTimeout(300);
      if (await page.getByRole('alert', { name: 'Proxy error' }).isVisible()) {
        await page.getByRole('button', { name: 'Reload' }).click();
      }
    }
    assert.deepEqual(await list.getByRole('listitem').allInnerTexts(), [
      'Grace Guest (level 1, Platform on-call)',
      'Bob Builder (level 2, Platform on-call)',
    ]);
    await page.getByText('Answered by the demo fake PagerDuty.').waitFor();
    await saveScreenshot(page, 'e2e-proxy-secrets.png', { fullPage: true });
  });

  test('the token never appears in a response the browser received', async () => {
    const responses = await session.settled();
    const proxied = responses.filter(r =>
      r.url.includes('/api/proxy/pagerduty-demo/'),
    );
    assert.ok(
      proxied.some(r => r.status === 503) &&
        proxied.some(r => r.status === 200),
      'both the 503 and the upstream answer were recorded',
    );
    assert.deepEqual(
      responses.filter(r => r.body.includes(TOKEN)).map(r => r.url),
      [],
    );
  });
});
