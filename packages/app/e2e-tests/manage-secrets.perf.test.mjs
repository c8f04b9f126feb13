// The "Manage secrets" page with 1,000 secrets, half of them set by 50
// different people, against the "perf" demo backend of scripts/e2e.mjs
// (demo.syntheticSecrets.count: 1000 plus the demo's four secrets, 50
// catalog users perf-user-00 … perf-user-49, values seeded as those users by
// packages/app/e2e-tests/seedPerfSecrets.ts). The guest is the admin Grace Guest.
//
// Correctness at that size, not speed: how fast the page renders is case 8
// of `yarn bench` (docs/benchmarks.md), which drives the same page.
//
// Every run starts with a full load of the catalog page (empty caches) and
// then clicks the sidebar's "Manage secrets" link. Every request the page
// makes is recorded: from that click on, the page must make one list
// request and only a handful of catalog requests (the entity presentation
// API batches the lookups of the people shown), not one per row or person.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  PERF_SECRETS,
  PERF_SUMMARY,
  PERF_URL,
  PERF_USERS,
  launchBrowser,
  openFromSidebar,
  saveScreenshot,
  showSetSecretsFirst,
  signInAsGuest,
  waitForPerfUsers,
} from './helpers.mjs';

const REGISTERED = PERF_SECRETS + 4;
const MAX_CATALOG_REQUESTS = 10;
const RUNS = 2;
const ROWS_PER_PAGE = 100;

/** The page's requests since `first`, the catalog ones in detail. */
function requestsSince(recorded, first) {
  const requests = recorded.slice(first);
  const pathOf = r => new URL(r.url).pathname;
  const catalogRequests = requests
    .filter(r => pathOf(r).startsWith('/api/catalog/'))
    .map(r => {
      let refs;
      try {
        refs = JSON.parse(r.postData ?? '').entityRefs?.length;
      } catch {
        refs = undefined;
      }
      return { method: r.method, path: pathOf(r), refs };
    });
  return {
    secretsRequests: requests.filter(r => pathOf(r).startsWith('/api/secrets/'))
      .length,
    catalogRequests,
  };
}

const describeCatalogRequests = requests =>
  requests
    .map(r => `${r.method} ${r.path}${r.refs ? ` (${r.refs} refs)` : ''}`)
    .join(', ') || 'none';

describe(
  `Manage secrets with ${PERF_SECRETS} secrets and ${PERF_USERS.length} updaters`,
  { concurrency: false },
  () => {
    let browser;
    let page;
    const recorded = [];

    before(async () => {
      await waitForPerfUsers(PERF_URL);
      browser = await launchBrowser();
      const context = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('request', request => {
        recorded.push({
          method: request.method(),
          url: request.url(),
          postData: request.postData() ?? undefined,
        });
      });
      await signInAsGuest(page, PERF_URL);
    });

    after(async () => {
      await browser?.close();
    });

    test(`shows all ${REGISTERED} secrets from one list request`, async t => {
      for (let run = 0; run < RUNS; run++) {
        // From the click on: the catalog page's own requests do not count.
        let first;
        await openFromSidebar(page, PERF_URL, () => {
          first = recorded.length;
        });
        // The summary line counts every secret; the first page of rows.
        const status = page.getByRole('status');
        await status.filter({ hasText: PERF_SUMMARY }).waitFor();
        assert.match(await status.innerText(), new RegExp(`^${PERF_SUMMARY}`));
        await page.locator('tbody tr').nth(19).waitFor();
        const { secretsRequests, catalogRequests } = requestsSince(
          recorded,
          first,
        );
        t.diagnostic(
          `run ${run + 1}: catalog: ${describeCatalogRequests(
            catalogRequests,
          )}`,
        );
        // Every secret's metadata in one list request, and nothing else.
        assert.equal(secretsRequests, 1);
        assert.ok(catalogRequests.length <= MAX_CATALOG_REQUESTS);
      }
    });

    test(`names the ${PERF_USERS.length} updaters with a handful of batched catalog requests`, async t => {
      for (let run = 0; run < RUNS; run++) {
        // From the click on: the catalog page's own requests do not count.
        let first;
        await openFromSidebar(page, PERF_URL, () => {
          first = recorded.length;
        });
        await showSetSecretsFirst(page, ROWS_PER_PAGE);
        // Every row of the page names its updater.
        const named = page.locator('tbody a', { hasText: /^Perf User \d\d$/ });
        await named.nth(ROWS_PER_PAGE - 1).waitFor();
        // Anything the page still sends about these rows counts too.
        await page.waitForTimeout(500);
        const { secretsRequests, catalogRequests } = requestsSince(
          recorded,
          first,
        );
        t.diagnostic(
          `run ${run + 1}: ${
            catalogRequests.length
          } catalog requests from the sidebar click on: ${describeCatalogRequests(
            catalogRequests,
          )}`,
        );
        assert.ok(
          catalogRequests.length <= MAX_CATALOG_REQUESTS,
          `${catalogRequests.length} catalog requests; expected at most ${MAX_CATALOG_REQUESTS}, not one per row or person`,
        );
        // The names did come from those requests: every updater was asked for.
        const refs = catalogRequests.reduce((n, r) => n + (r.refs ?? 0), 0);
        assert.ok(
          refs >= PERF_USERS.length,
          `the catalog requests asked for ${refs} refs; expected all ${PERF_USERS.length} updaters`,
        );
        assert.equal(secretsRequests, 1);
      }
    });

    test('the people column shows display names, linked to the catalog', async () => {
      // The page as the last run left it: 100 set secrets on screen.
      const rows = page.locator('tbody tr');
      assert.equal(await rows.count(), ROWS_PER_PAGE);
      const links = page.locator('tbody a', { hasText: /^Perf User \d\d$/ });
      assert.equal(await links.count(), ROWS_PER_PAGE);
      const names = new Set(await links.allInnerTexts());
      assert.deepEqual(
        [...names].sort(),
        PERF_USERS.map(user => user.displayName).sort(),
      );
      const first = PERF_USERS[0];
      assert.equal(
        await page
          .locator('tbody a', { hasText: first.displayName })
          .first()
          .getAttribute('href'),
        `/catalog/default/user/${first.name}`,
      );
      // No raw entity ref left anywhere in the table.
      assert.doesNotMatch(
        await page.locator('tbody').innerText(),
        /user:default\//,
      );
      await saveScreenshot(page, 'e2e-perf-people.png');
    });
  },
);
