// "My secrets" and the prompt, as a user without manage-secrets: the demo
// backend on E2E_USER_URL signs the guest in as user:default/bob. Bob sets
// his own PERSONAL_OPENAI_API_KEY, allows the example consumer, sees it used
// on the demo's "Personal OpenAI key" page (the example consumer backend
// reads it on his behalf), revokes it and sees the read refused; then the
// prompt's "Allow" and "Add and allow". No typed value ever comes back.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  USER_URL,
  fetchAsGuest,
  openRecordedBrowser,
  saveScreenshot,
  signInAsGuest,
} from './helpers.mjs';

const NAME = 'PERSONAL_OPENAI_API_KEY';
const canary = label =>
  `e2e-canary-${label}-${randomBytes(12).toString('hex')}`;
const FIRST = canary('bob-first');
const SECOND = canary('bob-second');
const typed = [FIRST, SECOND];

describe('My secrets, as bob', { concurrency: false }, () => {
  let browser;
  let session;
  let page;

  before(async () => {
    ({ browser, session, page } = await openRecordedBrowser());
  });

  after(async () => {
    await browser?.close();
  });

  const card = () => page.getByTestId(`user-secret-${NAME}`);
  const allowSwitch = () =>
    card().getByRole('checkbox', {
      name: `Allow example-consumer to use my ${NAME}`,
    });
  const status = () => page.getByTestId('personal-status');

  /** Asks the example consumer again until its answer matches. */
  async function askUntil(pattern) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const text = await status().innerText();
      if (pattern.test(text)) {
        return text;
      }
      if (Date.now() > deadline) {
        assert.fail(`the example consumer answered "${text}", not ${pattern}`);
      }
      await page.waitForTimeout(500);
      await page.getByRole('button', { name: 'Ask again' }).click();
    }
  }

  test('finds "My secrets" in Settings, with the secret not set', async () => {
    await signInAsGuest(page, USER_URL);
    await page.goto(`${USER_URL}/settings/secrets`);
    await page.getByText('My secrets', { exact: true }).first().waitFor();
    await card().getByText('No value yet').waitFor();
    await card()
      .getByRole('link', { name: /Create your OpenAI API key/ })
      .waitFor();
    assert.equal(await allowSwitch().isChecked(), false);
  });

  test('sets his value in a masked field, and allows the example consumer', async () => {
    await card()
      .getByRole('button', { name: `Add my ${NAME}` })
      .click();
    const dialog = page.getByRole('dialog');
    const input = dialog.getByLabel(`New value of ${NAME}`);
    assert.equal(await input.getAttribute('type'), 'password');
    await input.fill(FIRST);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await card().getByText('Your value is set').waitFor();

    await allowSwitch().click();
    await card().getByText('(allowed)').waitFor();
    assert.equal(await allowSwitch().isChecked(), true);
  });

  test('the example consumer uses it, and My secrets shows it was used', async () => {
    await page.getByRole('link', { name: 'Personal OpenAI key' }).click();
    await page.waitForURL(/\/example-consumer$/);
    await page.getByText(`example-consumer is using your ${NAME}.`).waitFor();
    await askUntil(/used your key/);

    await page.goto(`${USER_URL}/settings/secrets`);
    const lastUsed = card().getByTestId('last-used');
    await lastUsed.getByText('example-consumer').waitFor();
    assert.match(
      await lastUsed.innerText(),
      /^Last used .* by example-consumer$/,
    );

    await saveScreenshot(page, 'e2e-my-secrets.png', { fullPage: true });
  });

  test('after a revoke, the example consumer is refused', async () => {
    await allowSwitch().click();
    await card().getByText('(not allowed)').waitFor();

    await page.goto(`${USER_URL}/example-consumer`);
    const text = await askUntil(/^Refused:/);
    assert.match(text, /not allowed example-consumer/);
    // And the backend route says so with a 403 and no value.
    const answer = await fetchAsGuest(
      page,
      '/api/example-consumer/personal-status',
    );
    assert.equal(answer.status, 403);
    assert.equal(answer.body.configured, false);
  });

  test('the prompt allows it again in one click', async () => {
    await page.getByRole('button', { name: 'Allow example-consumer' }).click();
    await page.getByText(`example-consumer is using your ${NAME}.`).waitFor();
    await askUntil(/used your key/);
  });

  test('after a clear, the prompt asks for a value and adds and allows it', async () => {
    await page.goto(`${USER_URL}/settings/secrets`);
    await card()
      .getByRole('button', { name: `Clear my ${NAME}` })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: `Clear my ${NAME}` }).click();
    await dialog.waitFor({ state: 'detached' });
    await card().getByText('No value yet').waitFor();
    // Revoke too, so that "Add and allow" has both steps to do.
    await allowSwitch().click();
    await card().getByText('(not allowed)').waitFor();

    await page.goto(`${USER_URL}/example-consumer`);
    await page.getByText(`Your ${NAME} is needed`).waitFor();
    const input = page.getByLabel(`New value of ${NAME}`);
    assert.equal(await input.getAttribute('type'), 'password');
    await input.fill(SECOND);
    await page.getByRole('button', { name: 'Add and allow' }).click();
    await page.getByText(`example-consumer is using your ${NAME}.`).waitFor();
    await askUntil(/used your key/);
    await saveScreenshot(page, 'e2e-personal-key-page.png', { fullPage: true });
  });

  test('no value typed ever appears in a response the browser received', async () => {
    const responses = await session.settled();
    assert.ok(
      responses.some(r => r.url.endsWith('/api/secrets/user/secrets')),
      'the list responses were recorded',
    );
    assert.ok(
      responses.filter(r => r.url.endsWith(`/api/secrets/user/secrets/${NAME}`))
        .length >= 1,
      'the set responses were recorded',
    );
    assert.ok(
      responses.some(r =>
        r.url.includes('/api/example-consumer/personal-status'),
      ),
      'the example consumer answers were recorded',
    );
    for (const response of responses) {
      for (const value of typed) {
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
    // And nothing asked for a value.
    assert.deepEqual(
      session.requests.filter(r => /\/value(\?|$)/.test(r.url)),
      [],
    );
  });
});
