// The "Manage secrets" page with 1,000 secrets, half of them set by 50
// different people, against the "perf" demo backend of scripts/e2e.mjs
// (demo.syntheticSecrets.count: 1000 plus the three example secrets, 50
// catalog users perf-user-00 … perf-user-49, values seeded as those users by
// scripts/e2e/seedPerfSecrets.ts). The guest is the admin Grace Guest.
//
// Every run starts with a full load of the catalog page (so the app's
// caches, e.g. the entity presentation cache, are empty, as for someone who
// opens the app and then goes to the page) and then clicks the sidebar's
// "Manage secrets" link: a client-side navigation. Times are taken in the
// page's own clock (performance.now()): a capturing click listener starts
// the stopwatch, a MutationObserver stops it when the DOM shows what is
// awaited, and one more frame counts as painted. The first run (warm-up)
// also downloads and compiles the page's bundles; it is not asserted.
//
// - render (5 runs): from the click until the summary line ("500 of 1003
//   secrets set, …") and the first page of rows are painted. It includes
//   the permission check and the list request (every secret's metadata).
//   Asserted: the median is under 1 s (a median, because other work on the
//   machine can slow a single run).
//
// - people (2 runs): the page lists missing secrets first, 20 per page, so
//   its first screen names nobody. These runs then show 100 rows per page
//   and sort by status, so that 100 set secrets (all 50 updaters) are on
//   screen, and time from that click until every row names its updater by
//   display name (printed, not asserted). Every request the page makes is
//   recorded; the ones to /api/catalog/ from the sidebar click until the
//   names are shown must be a handful (the entity presentation API batches
//   the lookups), not one per row or person.
//
// The numbers are printed and written to test-results/e2e-perf.json.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  PERF_URL,
  RESULTS_DIR,
  launchBrowser,
  signInAsGuest,
} from './helpers.mjs';

const SECRETS = Number(process.env.E2E_PERF_SECRETS ?? 1000);
const USERS = process.env.E2E_PERF_USERS
  ? JSON.parse(process.env.E2E_PERF_USERS)
  : Array.from({ length: 50 }, (_, index) => {
      const number = String(index).padStart(2, '0');
      return {
        name: `perf-user-${number}`,
        ref: `user:default/perf-user-${number}`,
        displayName: `Perf User ${number}`,
      };
    });
// The demo registers four more shared secrets (the example module's three
// and the checked PAGERDUTY_USER_API_KEY), none of them set.
const REGISTERED = SECRETS + 4;
const SET = SECRETS / 2;
const SUMMARY = `${SET} of ${REGISTERED} secrets set`;

const RENDER_BUDGET_MS = 1000;
const MAX_CATALOG_REQUESTS = 10;
const RENDER_RUNS = 5;
const PEOPLE_RUNS = 2;
const ROWS_PER_PAGE = 100;

const median = values => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// The catalog reads its locations a few seconds after start; the people
// must be there before anything is measured.
async function waitForCatalogUsers() {
  const deadline = Date.now() + 120_000;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const refresh = await fetch(`${PERF_URL}/api/auth/guest/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      });
      const { backstageIdentity } = await refresh.json();
      const response = await fetch(`${PERF_URL}/api/catalog/entities/by-refs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${backstageIdentity.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          entityRefs: USERS.map(user => user.ref),
          fields: ['metadata.name'],
        }),
      });
      const { items } = await response.json();
      const found = items.filter(Boolean).length;
      if (found === USERS.length) {
        return;
      }
      last = `${found} of ${USERS.length} users in the catalog`;
    } catch (error) {
      last = String(error);
    }
    await new Promise(done => setTimeout(done, 500));
  }
  throw new Error(`The perf users never appeared in the catalog: ${last}`);
}

/**
 * Every request the page makes, with the request bodies (the catalog
 * requests say how many refs each batch asks for).
 */
function recordRequests(page) {
  const requests = [];
  page.on('request', request => {
    requests.push({
      method: request.method(),
      url: request.url(),
      postData: request.postData() ?? undefined,
    });
  });
  return requests;
}

/** The list response, from the page's Resource Timing entries. */
function listResponseTiming(page) {
  return page.evaluate(() => {
    const entry = performance
      .getEntriesByType('resource')
      .filter(e => new URL(e.name).pathname === '/api/secrets/secrets')
      .at(-1);
    return (
      entry && {
        bytes: entry.decodedBodySize,
        transferredBytes: entry.encodedBodySize,
        durationMs: Math.round(entry.responseEnd - entry.startTime),
      }
    );
  });
}

/**
 * Starts a stopwatch in the page: it starts at every click (the last click
 * before the condition counts) and stops when `kind`'s condition first holds
 * in the DOM, and again one frame later (painted).
 */
function startStopwatch(page, kind, expected) {
  return page.evaluate(
    ({ kind: watchKind, summary, rowsPerPage }) => {
      const state = {};
      window.__stopwatch = state;
      const rows = () => [...document.querySelectorAll('tbody tr')];
      const conditions = {
        // The summary line and a first page of rows.
        list: () =>
          (document.querySelector('[role="status"]')?.textContent ?? '')
            .trim()
            .startsWith(summary) && rows().length >= 20,
        // A full page of set secrets whose updaters all have names.
        people: () => {
          const shown = rows();
          if (shown.length < rowsPerPage) {
            return false;
          }
          const named = shown.filter(row =>
            [...row.querySelectorAll('a')].some(a =>
              /^Perf User \d\d$/.test(a.textContent ?? ''),
            ),
          ).length;
          if (named > 0 || shown[0].textContent.includes('user:default/')) {
            state.rowsShown ??= performance.now();
          }
          return (
            named === shown.length &&
            !document.querySelector('tbody').textContent.includes('user:')
          );
        },
      };
      document.addEventListener(
        'click',
        () => {
          state.start = performance.now();
        },
        { capture: true },
      );
      const observer = new MutationObserver(() => {
        if (state.start === undefined || state.done !== undefined) {
          return;
        }
        if (conditions[watchKind]()) {
          state.done = performance.now();
          observer.disconnect();
          requestAnimationFrame(() =>
            setTimeout(() => {
              state.painted = performance.now();
            }, 0),
          );
        }
      });
      observer.observe(document.body, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    },
    { kind, ...expected },
  );
}

async function readStopwatch(page) {
  await page.waitForFunction(() => window.__stopwatch?.painted !== undefined);
  return page.evaluate(() => ({ ...window.__stopwatch }));
}

/**
 * One run: a full load of the catalog page, the sidebar link, and with
 * `people`, then 100 set secrets on screen.
 */
async function measureOnce(page, recorded, { people: withPeople }) {
  await page.goto(`${PERF_URL}/`);
  const navItem = page.getByRole('link', { name: 'Manage secrets' });
  await navItem.waitFor();
  await page.waitForLoadState('networkidle');
  const firstRequest = recorded.length;

  // The page, from the click on the sidebar link.
  await startStopwatch(page, 'list', { summary: SUMMARY });
  const clickedAt = Date.now();
  await navItem.click();
  const list = await readStopwatch(page);
  const wallMs = Date.now() - clickedAt;
  assert.match(
    await page.getByRole('status').innerText(),
    new RegExp(`^${SUMMARY}`),
  );
  const listResponse = await listResponseTiming(page);
  const rendered = {
    renderMs: Math.round(list.painted - list.start),
    renderDomMs: Math.round(list.done - list.start),
    renderWallMs: wallMs,
    list: listResponse,
  };
  if (!withPeople) {
    return {
      ...rendered,
      ...requestsSince(recorded, firstRequest),
    };
  }

  // 100 rows per page, then sorted by status until the set ones come first.
  await page
    .locator('tfoot')
    .getByRole('button', { name: /Rows per page/ })
    .click();
  await page.getByRole('option', { name: String(ROWS_PER_PAGE) }).click();
  await page
    .locator('tbody tr')
    .nth(ROWS_PER_PAGE - 1)
    .waitFor();
  await startStopwatch(page, 'people', { rowsPerPage: ROWS_PER_PAGE });
  const statusHeader = page
    .getByRole('columnheader', { name: 'Status' })
    .getByRole('button');
  for (let click = 0; click < 2; click++) {
    await statusHeader.click();
    const setFirst = await page
      .locator('tbody tr')
      .first()
      .getByText('Not set', { exact: true })
      .count();
    if (setFirst === 0) {
      break;
    }
  }
  const people = await readStopwatch(page);

  // Anything the page still sends about these rows counts too.
  await page.waitForTimeout(500);
  return {
    ...rendered,
    peopleMs: Math.round(people.painted - people.start),
    namesAfterRowsMs: Math.round(people.done - people.rowsShown),
    ...requestsSince(recorded, firstRequest),
  };
}

/** The page's requests since the sidebar click, the catalog ones in detail. */
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
    requests: requests.length,
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
  `Manage secrets with ${SECRETS} secrets and ${USERS.length} updaters (performance)`,
  { concurrency: false },
  () => {
    let browser;
    let page;
    let recorded;
    const renderRuns = [];
    const peopleRuns = [];

    before(async () => {
      await waitForCatalogUsers();
      browser = await launchBrowser();
      const context = await browser.newContext({
        viewport: { width: 1440, height: 900 },
        locale: 'en-US',
        timezoneId: 'UTC',
      });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      recorded = recordRequests(page);
      await signInAsGuest(page, PERF_URL);
    });

    after(async () => {
      await browser?.close();
    });

    test('warm-up: the first load (bundles downloaded and compiled)', async t => {
      const warmUp = await measureOnce(page, recorded, { people: true });
      t.diagnostic(
        `warm-up (not asserted): render ${warmUp.renderMs} ms, people ${warmUp.peopleMs} ms, ${warmUp.catalogRequests.length} catalog requests`,
      );
    });

    test(`renders ${REGISTERED} secrets within ${RENDER_BUDGET_MS} ms (median of ${RENDER_RUNS} runs)`, async t => {
      for (let run = 0; run < RENDER_RUNS; run++) {
        renderRuns.push(await measureOnce(page, recorded, { people: false }));
      }
      for (const [index, run] of renderRuns.entries()) {
        t.diagnostic(
          `run ${index + 1}: render ${run.renderMs} ms (DOM ${
            run.renderDomMs
          } ms, Playwright wall clock ${run.renderWallMs} ms; list request ${
            run.list?.durationMs
          } ms, ${run.list?.bytes} bytes, ${
            run.list?.transferredBytes
          } transferred); ${
            run.requests
          } requests, catalog: ${describeCatalogRequests(run.catalogRequests)}`,
        );
      }
      const renderMs = median(renderRuns.map(r => r.renderMs));
      t.diagnostic(`median render: ${renderMs} ms`);
      assert.ok(
        renderMs < RENDER_BUDGET_MS,
        `the page took ${renderMs} ms (median of ${renderRuns
          .map(r => r.renderMs)
          .join(', ')}) to render, over the ${RENDER_BUDGET_MS} ms budget`,
      );
      for (const run of renderRuns) {
        // Every secret's metadata in one list request, and nothing else.
        assert.equal(run.secretsRequests, 1);
        assert.ok(run.catalogRequests.length <= MAX_CATALOG_REQUESTS);
      }
    });

    test(`names the ${USERS.length} updaters with a handful of batched catalog requests`, async t => {
      for (let run = 0; run < PEOPLE_RUNS; run++) {
        peopleRuns.push(await measureOnce(page, recorded, { people: true }));
      }
      for (const [index, run] of peopleRuns.entries()) {
        t.diagnostic(
          `run ${index + 1}: ${
            run.catalogRequests.length
          } catalog requests from the sidebar click on: ${describeCatalogRequests(
            run.catalogRequests,
          )}; render ${run.renderMs} ms; names ${
            run.peopleMs
          } ms after the sort click, ${
            run.namesAfterRowsMs
          } ms after the rows appeared`,
        );
      }
      for (const run of peopleRuns) {
        assert.ok(
          run.catalogRequests.length <= MAX_CATALOG_REQUESTS,
          `${run.catalogRequests.length} catalog requests; expected at most ${MAX_CATALOG_REQUESTS}, not one per row or person`,
        );
        // The names did come from those requests: every updater was asked for.
        const refs = run.catalogRequests.reduce((n, r) => n + (r.refs ?? 0), 0);
        assert.ok(
          refs >= USERS.length,
          `the catalog requests asked for ${refs} refs; expected all ${USERS.length} updaters`,
        );
        assert.equal(run.secretsRequests, 1);
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
        USERS.map(user => user.displayName).sort(),
      );
      const first = USERS[0];
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
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({
        path: join(RESULTS_DIR, 'e2e-perf-people.png'),
      });
    });

    after(() => {
      if (renderRuns.length === 0) {
        return;
      }
      const list = renderRuns[0].list ?? {};
      const summary = {
        secrets: REGISTERED,
        set: SET,
        updaters: USERS.length,
        renderMs: renderRuns.map(r => r.renderMs),
        renderMedianMs: median(renderRuns.map(r => r.renderMs)),
        renderBudgetMs: RENDER_BUDGET_MS,
        listRequestMs: renderRuns.map(r => r.list?.durationMs),
        listBytes: list.bytes,
        listTransferredBytes: list.transferredBytes,
        peopleMs: peopleRuns.map(r => r.peopleMs),
        namesAfterRowsMs: peopleRuns.map(r => r.namesAfterRowsMs),
        catalogRequests: peopleRuns.map(r => r.catalogRequests.length),
        catalogBatches: peopleRuns.map(r => r.catalogRequests),
      };
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(
        join(RESULTS_DIR, 'e2e-perf.json'),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
      // eslint-disable-next-line no-console -- the benchmark numbers are the output
      console.log(
        `[perf] ${REGISTERED} secrets, ${SET} set by ${
          USERS.length
        } people: render ${summary.renderMs.join(' / ')} ms (median ${
          summary.renderMedianMs
        } ms, budget ${RENDER_BUDGET_MS} ms); catalog requests ${
          summary.catalogRequests.join(' / ') || '-'
        } (names ${
          summary.peopleMs.join(' / ') || '-'
        } ms after the sort click); list response ${list.bytes} bytes (${
          list.transferredBytes
        } transferred)`,
      );
    });
  },
);
