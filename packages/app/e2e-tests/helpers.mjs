// Shared pieces of the browser tests: Debian's Chromium driven by
// playwright-core, guest sign-in, and a log of every response the page got.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// playwright-core is a devDependency of the repository root.
const require = createRequire(
  new URL('../../../package.json', import.meta.url),
);
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/** The backend (serving the built app) that signs the guest in as an admin. */
export const ADMIN_URL = process.env.E2E_ADMIN_URL ?? 'http://localhost:7007';
/** The backend that signs the guest in as user:default/bob (no permission). */
export const USER_URL = process.env.E2E_USER_URL ?? 'http://localhost:7017';
/**
 * The backend with PERF_SECRETS synthetic secrets, half of them set by the
 * PERF_USERS catalog users (the guest is an admin again): used by
 * manage-secrets.perf.test.mjs and by the render case of `yarn bench`.
 */
export const PERF_URL = process.env.E2E_PERF_URL ?? 'http://localhost:7027';
export const PERF_SECRETS = 1000;
export const PERF_USERS = Array.from({ length: 50 }, (_, index) => {
  const name = `perf-user-${String(index).padStart(2, '0')}`;
  return {
    name,
    ref: `user:default/${name}`,
    displayName: `Perf User ${name.slice(-2)}`,
  };
});
/**
 * The page's summary line on that backend: the demo registers four more
 * shared secrets (the example module's three and the checked
 * PAGERDUTY_USER_API_KEY), none of them set.
 */
export const PERF_SUMMARY = `${PERF_SECRETS / 2} of ${
  PERF_SECRETS + 4
} secrets set`;
/** Where screenshots for a person to look at go (never into docs/). */
export const RESULTS_DIR = process.env.E2E_RESULTS_DIR ?? 'test-results';

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh browser context and page, with every response body the page
 * receives kept in `responses` (to prove what never reached the browser).
 */
export async function newRecordedPage(browser) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const responses = [];
  const requests = [];
  const pending = new Set();
  page.on('request', request => {
    requests.push({
      method: request.method(),
      url: request.url(),
      // What the page sent: to prove a value only leaves in its PUT.
      body: request.postData() ?? undefined,
    });
  });
  page.on('response', response => {
    const read = response
      .body()
      .then(body => {
        responses.push({
          url: response.url(),
          status: response.status(),
          body: body.toString('utf8'),
        });
      })
      // Redirects and aborted requests have no body.
      .catch(() => {})
      .finally(() => pending.delete(read));
    pending.add(read);
  });
  return {
    context,
    page,
    requests,
    responses,
    /** Waits for the bodies of responses received so far to be read. */
    async settled() {
      while (pending.size > 0) {
        await Promise.all([...pending]);
      }
      return responses;
    },
  };
}

/** Signs in with the guest provider of the demo app's sign-in page. */
export async function signInAsGuest(page, baseUrl) {
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'Enter' }).click();
  // The sidebar appears once signed in.
  await page.getByRole('link', { name: 'Catalog' }).first().waitFor();
}

/**
 * The table row of a secret, by its exact name (OPENAI_API_KEY must not
 * also match PERSONAL_OPENAI_API_KEY).
 */
export function secretRow(page, name) {
  return page.getByRole('row').filter({
    has: page
      .getByTestId('secret-name')
      .filter({ hasText: new RegExp(`^${name}$`) }),
  });
}

/** A browser with one recorded page (see newRecordedPage), for a suite. */
export async function openRecordedBrowser() {
  const browser = await launchBrowser();
  const session = await newRecordedPage(browser);
  return { browser, session, page: session.page };
}

/** A full-page screenshot into the test results, for a person to look at. */
export async function saveScreenshot(page, fileName, options = {}) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: join(RESULTS_DIR, fileName), ...options });
}

/**
 * Calls a backend path from the page with the signed-in guest's own token,
 * the way the app does (with `json` as the request body, if given):
 * `{ status, body }` (body: parsed JSON, or null).
 */
export function fetchAsGuest(page, path, { method = 'GET', json } = {}) {
  return page.evaluate(
    async ([target, init]) => {
      const refresh = await fetch('/api/auth/guest/refresh', {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
        credentials: 'include',
      });
      const { backstageIdentity } = await refresh.json();
      const response = await fetch(target, {
        method: init.method,
        headers: {
          authorization: `Bearer ${backstageIdentity.token}`,
          ...(init.body && { 'content-type': 'application/json' }),
        },
        body: init.body,
      });
      const text = await response.text();
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
      return { status: response.status, body };
    },
    [path, { method, body: json && JSON.stringify(json) }],
  );
}

/**
 * Waits until the catalog of `baseUrl` holds every PERF_USERS entity (it
 * reads its locations a few seconds after start).
 */
export async function waitForPerfUsers(baseUrl) {
  const deadline = Date.now() + 120_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const refresh = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      const { backstageIdentity } = await refresh.json();
      const response = await fetch(`${baseUrl}/api/catalog/entities/by-refs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${backstageIdentity.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          entityRefs: PERF_USERS.map(user => user.ref),
          fields: ['metadata.name'],
        }),
      });
      const found = (await response.json()).items.filter(Boolean).length;
      if (found === PERF_USERS.length) {
        return;
      }
      last = `${found} of ${PERF_USERS.length} users in the catalog`;
    } catch (error) {
      last = String(error);
    }
    await new Promise(done => setTimeout(done, 500));
  }
  throw new Error(`The perf users never appeared in the catalog: ${last}`);
}

/**
 * A full load of the catalog page (so the app's caches, e.g. the entity
 * presentation cache, are empty), then a click on the sidebar's "Manage
 * secrets" link: a client-side navigation. `beforeClick` runs on the loaded
 * page just before the click.
 */
export async function openFromSidebar(page, baseUrl, beforeClick) {
  await page.goto(`${baseUrl}/`);
  const navItem = page.getByRole('link', { name: 'Manage secrets' });
  await navItem.waitFor();
  await page.waitForLoadState('networkidle');
  await beforeClick?.();
  await navItem.click();
}

/**
 * The page lists missing secrets first, 20 per page: shows `rows` rows per
 * page, then sorts by status until set secrets come first. `beforeSort`
 * runs just before the first click on the Status column.
 */
export async function showSetSecretsFirst(page, rows, beforeSort) {
  await page
    .locator('tfoot')
    .getByRole('button', { name: /Rows per page/ })
    .click();
  await page.getByRole('option', { name: String(rows) }).click();
  await page
    .locator('tbody tr')
    .nth(rows - 1)
    .waitFor();
  await beforeSort?.();
  const statusHeader = page
    .getByRole('columnheader', { name: 'Status' })
    .getByRole('button');
  for (let click = 0; click < 2; click++) {
    await statusHeader.click();
    const notSetFirst = await page
      .locator('tbody tr')
      .first()
      .getByText('Not set', { exact: true })
      .count();
    if (notSetFirst === 0) {
      return;
    }
  }
}
