// The "Manage secrets" page as an admin (the guest of the demo app is
// user:default/guest, "Grace Guest", a member of group:default/admins),
// against the real demo backend.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_URL,
  newRecordedPage,
  openRecordedBrowser,
  saveScreenshot,
  secretRow,
  signInAsGuest,
} from './helpers.mjs';

// Values that must never come back to the browser. Random per run, so that
// a match cannot be a coincidence with static content.
const canary = label =>
  `e2e-canary-${label}-${randomBytes(12).toString('hex')}`;
const FIRST = canary('first');
const SECOND = canary('second');
const THIRD = canary('third');
const JSON_VALUE = JSON.stringify({
  type: 'service_account',
  private_key: canary('json'),
});
const typed = [FIRST, SECOND, THIRD, JSON_VALUE];

describe('Manage secrets, as an admin', { concurrency: false }, () => {
  let browser;
  let session;
  let page;

  before(async () => {
    ({ browser, session, page } = await openRecordedBrowser());
  });

  after(async () => {
    await browser?.close();
  });

  test('signs in and sees the "Manage secrets" nav item', async () => {
    await signInAsGuest(page, ADMIN_URL);
    const item = page.getByRole('link', { name: 'Manage secrets' });
    await item.waitFor();
    await item.click();
    await page.waitForURL(/\/secrets$/);
    await secretRow(page, 'OPENAI_API_KEY').waitFor();
    // The example module's three shared secrets and the checked one
    // (PAGERDUTY_USER_API_KEY), the missing ones first.
    const summary = page.getByRole('status');
    assert.match(await summary.innerText(), /of 4 secrets set/);
  });

  test('shows who may read each secret', async () => {
    // The example module limits OPENAI_API_KEY to the example consumer.
    const readers = secretRow(page, 'OPENAI_API_KEY').getByRole('list', {
      name: 'Readers of OPENAI_API_KEY',
    });
    assert.deepEqual(await readers.getByRole('listitem').allInnerTexts(), [
      'example-consumer',
    ]);
    // The other two are open, with a hint on how to narrow them.
    const open = secretRow(page, 'PAGERDUTY_API_TOKEN');
    await open.getByText('Any backend plugin', { exact: true }).waitFor();
    await open.getByText('secrets.readers.PAGERDUTY_API_TOKEN').waitFor();
  });

  test("sets a secret: marked set, with the admin's display name and a version", async () => {
    const row = secretRow(page, 'OPENAI_API_KEY');
    await row.getByRole('link', { name: /^Get an OpenAI API key/ }).waitFor();
    await row.getByRole('button', { name: 'Set OPENAI_API_KEY' }).click();

    const dialog = page.getByRole('dialog');
    await dialog.getByText('cannot be shown again').waitFor();
    const input = dialog.getByLabel('New value of OPENAI_API_KEY');
    assert.equal(await input.getAttribute('type'), 'password');
    await input.fill(FIRST);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    await row.getByText('v1', { exact: true }).waitFor();
    await row.getByText('Set', { exact: true }).waitFor();
    // The person, resolved through the catalog and linked to their page.
    const person = row.getByRole('link', { name: 'Grace Guest' });
    await person.waitFor();
    assert.equal(
      await person.getAttribute('href'),
      '/catalog/default/user/guest',
    );
  });

  test('replaces it: the version goes up', async () => {
    const row = secretRow(page, 'OPENAI_API_KEY');
    await row.getByRole('button', { name: 'Replace OPENAI_API_KEY' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText(/The current value \(v1\) cannot be shown/)
      .waitFor();
    await dialog.getByLabel('New value of OPENAI_API_KEY').fill(SECOND);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('v2', { exact: true }).waitFor();
  });

  test('a JSON secret is checked before it is sent', async () => {
    const row = secretRow(page, 'GOOGLE_SERVICE_ACCOUNT_JSON');
    await row
      .getByRole('button', { name: 'Set GOOGLE_SERVICE_ACCOUNT_JSON' })
      .click();
    const dialog = page.getByRole('dialog');
    const input = dialog.getByLabel('New value of GOOGLE_SERVICE_ACCOUNT_JSON');
    const putsBefore = countPuts();
    await input.fill(JSON_VALUE.slice(0, -2));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText(/this is not valid JSON/).waitFor();
    assert.equal(countPuts(), putsBefore, 'invalid JSON must not be sent');

    await input.fill(JSON_VALUE);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('v1', { exact: true }).waitFor();
  });

  test('two admins at once: the second one gets a clear conflict and keeps the input', async () => {
    // A second admin, in their own browser session.
    const other = await newRecordedPage(browser);
    try {
      await signInAsGuest(other.page, ADMIN_URL);
      await other.page.goto(`${ADMIN_URL}/secrets`);
      const theirRow = secretRow(other.page, 'OPENAI_API_KEY');
      await theirRow.getByText('v2', { exact: true }).waitFor();
      await theirRow
        .getByRole('button', { name: 'Replace OPENAI_API_KEY' })
        .click();
      const theirDialog = other.page.getByRole('dialog');
      await theirDialog.getByLabel('New value of OPENAI_API_KEY').fill(THIRD);

      // Meanwhile the first admin replaces it (v2 -> v3).
      const row = secretRow(page, 'OPENAI_API_KEY');
      await row.getByRole('button', { name: 'Replace OPENAI_API_KEY' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('New value of OPENAI_API_KEY').fill(FIRST);
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });
      await row.getByText('v3', { exact: true }).waitFor();

      // The second admin saves on top of v2: refused, explained, input kept.
      await theirDialog.getByRole('button', { name: 'Save' }).click();
      const alert = theirDialog.getByRole('alert');
      await alert
        .getByText('Someone else changed OPENAI_API_KEY while you were editing')
        .waitFor();
      assert.match(await alert.innerText(), /version 3/);
      assert.equal(
        await theirDialog
          .getByLabel('New value of OPENAI_API_KEY')
          .inputValue(),
        THIRD,
      );
      await theirDialog.getByRole('button', { name: 'Cancel' }).click();
      await other.settled();
      assertNoCanary(other.responses);
      await saveScreenshot(page, 'e2e-manage-secrets.png', { fullPage: true });
    } finally {
      await other.context.close();
    }
  });

  test('clears it, after a confirmation that names the secret', async () => {
    const row = secretRow(page, 'OPENAI_API_KEY');
    await row.getByRole('button', { name: 'Clear OPENAI_API_KEY' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByRole('heading', { name: 'Clear OPENAI_API_KEY?' })
      .waitFor();
    await dialog.getByRole('button', { name: 'Clear OPENAI_API_KEY' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText('Not set', { exact: true }).waitFor();
    assert.equal(await row.getByText('v3', { exact: true }).count(), 0);
  });

  test('no value typed ever appears in a response the browser received', async () => {
    const responses = await session.settled();
    // The log is real: it holds the app, the list and the PUT answers.
    assert.ok(
      responses.some(r => r.url.endsWith('/api/secrets/secrets')),
      'the list responses were recorded',
    );
    assert.ok(
      responses.filter(r => /\/api\/secrets\/secrets\/[A-Z_]+$/.test(r.url))
        .length >= 4,
      'the set/clear responses were recorded',
    );
    assertNoCanary(responses);
    // And the page never asked for a value.
    assert.deepEqual(
      session.requests.filter(r => /\/value(\?|$)/.test(r.url)),
      [],
    );
  });

  function countPuts() {
    return session.requests.filter(
      r => r.method === 'PUT' && r.url.includes('/api/secrets/'),
    ).length;
  }
});

function assertNoCanary(responses) {
  for (const response of responses) {
    for (const value of typed) {
      // JSON-escaped too: a value could come back inside a JSON string.
      const escaped = JSON.stringify(value).slice(1, -1);
      assert.ok(
        !response.body.includes(value) && !response.body.includes(escaped),
        `a typed value came back in ${response.url}`,
      );
    }
    assert.ok(
      !response.body.includes('e2e-canary-'),
      `a canary came back in ${response.url}`,
    );
  }
}
