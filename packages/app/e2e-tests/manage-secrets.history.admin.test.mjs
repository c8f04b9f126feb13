// History, checks and rotation on the "Manage secrets" page, as the guest
// admin, against the real demo backend (after manage-secrets.admin.test.mjs
// on the same backend, so no version number is assumed). scripts/e2e.mjs
// gives this backend a rotation interval of one second for
// GOOGLE_SERVICE_ACCOUNT_JSON (overdue as soon as it is set) and of three
// days for OPENAI_API_KEY (due soon). PAGERDUTY_USER_API_KEY is the demo's
// secret with a check: the fake PagerDuty accepts "pd-demo-user-key" only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  ADMIN_URL,
  newRecordedPage,
  openRecordedBrowser,
  saveScreenshot,
  secretRow,
  signInAsGuest,
} from './helpers.mjs';

// Random per run: must never come back to the browser.
const canary = label =>
  `e2e-canary-${label}-${randomBytes(12).toString('hex')}`;
const OLD_KEY = canary('old-openai');
const NEW_KEY = canary('new-openai');
const OTHER_ADMINS_KEY = canary('other-admins-openai');
// No run of 8 characters in common with PagerDuty's message (a message
// that shares one with the value is withheld as quoting it).
const WRONG_PD_KEY = canary('wrong-pd');
const GOOD_PD_KEY = 'pd-demo-user-key';
const JSON_VALUE = JSON.stringify({
  type: 'service_account',
  private_key: canary('json'),
});
const typed = [OLD_KEY, NEW_KEY, OTHER_ADMINS_KEY, WRONG_PD_KEY, JSON_VALUE];

const sleep = ms => new Promise(done => setTimeout(done, ms));

describe(
  'History, checks and rotation, as an admin',
  { concurrency: false },
  () => {
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

    // Each test starts from a freshly loaded page: one that failed with a
    // drawer or dialog open does not hide the table from the next.
    beforeEach(async () => {
      await page.goto(`${ADMIN_URL}/secrets`);
      await secretRow(page, 'OPENAI_API_KEY').waitFor();
    });

    /** Sets or replaces a value through the dialog, as an admin would. */
    async function save(name, value) {
      const row = secretRow(page, name);
      await row
        .getByRole('button', { name: new RegExp(`^(Set|Replace) ${name}$`) })
        .click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(`New value of ${name}`).fill(value);
      await dialog.getByRole('button', { name: 'Save', exact: true }).click();
      return dialog;
    }

    /** The version the row shows now, e.g. 4 for "v4". */
    async function shownVersion(name) {
      const text = await secretRow(page, name)
        .getByText(/^v\d+$/)
        .innerText();
      return Number(text.slice(1));
    }

    test('restores an earlier version from the history drawer', async () => {
      const name = 'OPENAI_API_KEY';
      const row = secretRow(page, name);
      await (await save(name, OLD_KEY)).waitFor({ state: 'detached' });
      const old = await shownVersion(name);
      await (await save(name, NEW_KEY)).waitFor({ state: 'detached' });
      await row.getByText(`v${old + 1}`, { exact: true }).waitFor();

      await row.getByRole('button', { name: `History of ${name}` }).click();
      const drawer = page.getByRole('dialog', { name: `History of ${name}` });
      const versions = drawer.getByRole('list', {
        name: `Versions of ${name}`,
      });
      const current = versions.getByRole('listitem', { name: `v${old + 1}` });
      await current.getByText('Current', { exact: true }).waitFor();
      const earlier = versions.getByRole('listitem', { name: `v${old}` });
      // Who wrote it: the guest, by name from the catalog.
      await earlier
        .getByRole('link', { name: 'Grace Guest' })
        .first()
        .waitFor();

      await earlier
        .getByRole('button', { name: `Restore v${old} of ${name}` })
        .click();
      const confirm = page.getByRole('dialog', {
        name: `Restore v${old} of ${name}?`,
      });
      await confirm.getByText(`stays in the history`).waitFor();
      await confirm
        .getByRole('button', { name: `Restore v${old}`, exact: true })
        .click();
      await confirm.waitFor({ state: 'detached' });

      // A new version, marked as restored; the history kept the others.
      const restored = versions.getByRole('listitem', { name: `v${old + 2}` });
      await restored.getByText(`restored from v${old}`).waitFor();
      await restored.getByText('Current', { exact: true }).waitFor();
      await versions.getByRole('listitem', { name: `v${old + 1}` }).waitFor();

      await saveScreenshot(page, 'e2e-history-drawer.png');
      await drawer.getByRole('button', { name: 'Close history' }).click();
      await drawer.waitFor({ state: 'detached' });
      // (The table is hidden from roles while the drawer is open.)
      await row.getByText(`v${old + 2}`, { exact: true }).waitFor();

      // Rotated every 3 days on this backend: due soon at once.
      await row.getByText('Due soon', { exact: true }).waitFor();
      await row.getByText(/^Rotate by /).waitFor();
    });

    test('a restore after someone else changed the secret restores nothing and says so', async () => {
      const name = 'OPENAI_API_KEY';
      const row = secretRow(page, name);
      const seen = await shownVersion(name);
      assert.ok(seen >= 2, 'the previous test left at least two versions');
      await row.getByRole('button', { name: `History of ${name}` }).click();
      const drawer = page.getByRole('dialog', { name: `History of ${name}` });
      const versions = drawer.getByRole('list', {
        name: `Versions of ${name}`,
      });
      const target = seen - 1;
      await versions
        .getByRole('listitem', { name: `v${target}` })
        .getByRole('button', { name: `Restore v${target} of ${name}` })
        .click();
      const confirm = page.getByRole('dialog', {
        name: `Restore v${target} of ${name}?`,
      });
      await confirm.waitFor();

      // Meanwhile another admin saves a value, in a browser of their own.
      const other = await newRecordedPage(browser);
      try {
        await signInAsGuest(other.page, ADMIN_URL);
        await other.page.goto(`${ADMIN_URL}/secrets`);
        await secretRow(other.page, name)
          .getByRole('button', { name: `Replace ${name}` })
          .click();
        const dialog = other.page.getByRole('dialog');
        await dialog.getByLabel(`New value of ${name}`).fill(OTHER_ADMINS_KEY);
        await dialog.getByRole('button', { name: 'Save', exact: true }).click();
        await dialog.waitFor({ state: 'detached' });
      } finally {
        await other.context.close();
      }

      await confirm
        .getByRole('button', { name: `Restore v${target}`, exact: true })
        .click();
      const alert = confirm.getByRole('alert');
      await alert.getByText(`Someone else changed ${name} meanwhile`).waitFor();
      await alert.getByText(/Nothing was restored/).waitFor();
      const restores = session.requests.filter(
        r => r.method === 'POST' && /\/restore$/.test(r.url),
      );
      assert.deepEqual(JSON.parse(restores.at(-1).body), {
        expectedVersion: seen,
      });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });

      // The drawer now shows the other admin's version as the current one,
      // and nothing was written on top of it.
      const theirs = versions.getByRole('listitem', { name: `v${seen + 1}` });
      await theirs.getByText('Current', { exact: true }).waitFor();
      assert.equal(
        await versions.getByRole('listitem', { name: `v${seen + 2}` }).count(),
        0,
      );
      await drawer.getByRole('button', { name: 'Close history' }).click();
      await row.getByText(`v${seen + 1}`, { exact: true }).waitFor();
    });

    test('a clear with every earlier version leaves nothing to restore', async () => {
      const name = 'OPENAI_API_KEY';
      const row = secretRow(page, name);
      const last = await shownVersion(name);
      await row.getByRole('button', { name: `Clear ${name}` }).click();
      const dialog = page.getByRole('dialog');
      await dialog
        .getByRole('checkbox', { name: 'Also delete every earlier version' })
        .check();
      await dialog
        .getByRole('button', { name: `Clear ${name} and its history` })
        .click();
      await dialog.waitFor({ state: 'detached' });
      await page
        .getByText(`Cleared ${name} and deleted its history.`)
        .waitFor();

      await row.getByRole('button', { name: `History of ${name}` }).click();
      const drawer = page.getByRole('dialog', { name: `History of ${name}` });
      await drawer.getByText(`No stored versions of ${name}.`).waitFor();
      await drawer.getByRole('button', { name: 'Close history' }).click();
      await drawer.waitFor({ state: 'detached' });

      // Versions keep counting: nothing purged comes back under its number.
      await (await save(name, NEW_KEY)).waitFor({ state: 'detached' });
      await row.getByText(`v${last + 1}`, { exact: true }).waitFor();
      const deletes = session.requests.filter(r => r.method === 'DELETE');
      // The page sent the version it showed: a newer write would not be purged.
      assert.ok(
        deletes
          .at(-1)
          .url.endsWith(`/secrets/${name}?purge=true&expectedVersion=${last}`),
      );
    });

    test('after a clear, the history can be deleted from the drawer', async () => {
      const name = 'OPENAI_API_KEY';
      const row = secretRow(page, name);
      await row.getByRole('button', { name: `Clear ${name}` }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('button', { name: `Clear ${name}` }).click();
      await dialog.waitFor({ state: 'detached' });
      await row.getByRole('button', { name: `Set ${name}` }).waitFor();

      await row.getByRole('button', { name: `History of ${name}` }).click();
      const drawer = page.getByRole('dialog', { name: `History of ${name}` });
      await drawer.getByRole('listitem').first().waitFor();
      await drawer
        .getByRole('button', { name: `Delete the history of ${name}` })
        .click();
      const confirm = page.getByRole('dialog', {
        name: `Delete the history of ${name}?`,
      });
      await confirm
        .getByRole('button', { name: 'Delete every version' })
        .click();
      await confirm.waitFor({ state: 'detached' });
      await drawer.getByText(`No stored versions of ${name}.`).waitFor();
      await drawer.getByRole('button', { name: 'Close history' }).click();
      await drawer.waitFor({ state: 'detached' });
    });

    test("a failed check shows the provider's message, on save and on Test", async () => {
      const name = 'PAGERDUTY_USER_API_KEY';
      const row = secretRow(page, name);
      const dialog = await save(name, WRONG_PD_KEY);

      // Refused by the provider: its message, nothing saved, value kept.
      const alert = dialog.getByRole('alert');
      await alert.getByText(`The check of ${name} failed`).waitFor();
      assert.match(
        await alert.innerText(),
        /PagerDuty refused the key \(HTTP 401\)/,
      );
      assert.equal(
        await dialog.getByLabel(`New value of ${name}`).inputValue(),
        WRONG_PD_KEY,
      );
      const puts = session.requests.filter(
        r => r.method === 'PUT' && r.url.endsWith(`/secrets/${name}`),
      );
      assert.equal(puts.length, 1);
      assert.equal(JSON.parse(puts[0].body).skipValidation, undefined);

      // Saved anyway, deliberately.
      await dialog.getByRole('button', { name: 'Save without check' }).click();
      await dialog.waitFor({ state: 'detached' });
      await row.getByText('Set', { exact: true }).waitFor();

      // Test: the stored value fails, with the provider's message.
      await row.getByRole('button', { name: `Test ${name}` }).click();
      const check = row.getByRole('group', { name: `Last check of ${name}` });
      await check.getByText('Check failed', { exact: true }).waitFor();
      await check.getByText(/PagerDuty refused the key \(HTTP 401\)/).waitFor();
      await saveScreenshot(page, 'e2e-check-failed.png', { fullPage: true });

      // The right key passes the check on save, and on Test.
      await (await save(name, GOOD_PD_KEY)).waitFor({ state: 'detached' });
      await row.getByRole('button', { name: `Test ${name}` }).click();
      await check.getByText('Check passed', { exact: true }).waitFor();
    });

    test('an overdue badge once the rotation date has passed', async () => {
      const name = 'GOOGLE_SERVICE_ACCOUNT_JSON';
      const row = secretRow(page, name);
      await (await save(name, JSON_VALUE)).waitFor({ state: 'detached' });
      // The interval is one second: reload until the list says so.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        await page.reload();
        await row.waitFor();
        if ((await row.getByText('Overdue', { exact: true }).count()) > 0) {
          break;
        }
        await sleep(500);
      }
      await row.getByText('Overdue', { exact: true }).waitFor();
      await row.getByText(/^Rotate by /).waitFor();

      // The search finds it by its badge (OPENAI_API_KEY is only due soon).
      await page.getByPlaceholder('Search secrets').fill('overdue');
      await secretRow(page, 'OPENAI_API_KEY').waitFor({ state: 'detached' });
      await row.waitFor();
      await page.getByPlaceholder('Search secrets').fill('');
    });

    test('values only ever leave in a PUT, and never come back', async () => {
      const responses = await session.settled();
      assert.ok(
        responses.some(r => /\/versions$/.test(r.url)),
        'the history responses were recorded',
      );
      assert.ok(
        responses.some(r => /\/check$/.test(r.url)),
        'the check responses were recorded',
      );
      for (const response of responses) {
        for (const value of [...typed, GOOD_PD_KEY]) {
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
      for (const request of session.requests) {
        const carries = [...typed, GOOD_PD_KEY].filter(value =>
          `${request.url} ${request.body ?? ''}`.includes(
            JSON.stringify(value).slice(1, -1),
          ),
        );
        if (carries.length > 0) {
          assert.equal(request.method, 'PUT', `a value left in ${request.url}`);
          assert.deepEqual(carries, [JSON.parse(request.body).value]);
        }
      }
      assert.deepEqual(
        session.requests.filter(r => /\/value(\?|$)/.test(r.url)),
        [],
      );
    });
  },
);
