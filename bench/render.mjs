// Case 8: the "Manage secrets" page in Chromium, against the "perf" demo
// backend of scripts/e2e.mjs (1,000 synthetic secrets, half of them set by
// 50 catalog users; a built frontend served by a development backend). Each
// run is a full load of the catalog page, then a click on the sidebar's
// "Manage secrets" link, timed in the page's own clock: a capturing click
// listener starts the stopwatch, a MutationObserver stops it when the DOM
// shows the awaited state, and one more frame counts as painted. A first
// run (bundles downloaded and compiled) is not counted.
//   render: until the summary line ("500 of 1004 secrets set, …") and the
//     first page of rows are painted (the permission check and the list
//     request with every secret's metadata included);
//   names: with 100 rows per page, from the click that sorts the set
//     secrets first until every row names its updater (the catalog's
//     entity presentation API batches the lookups).
import * as e2e from '../scripts/e2e.mjs';
import * as pages from '../packages/app/e2e-tests/helpers.mjs';

/** Starts the stopwatch described above in the page, for `kind`. */
const startStopwatch = (page, kind) =>
  page.evaluate(
    ([watched, summary]) => {
      const state = (window.__stopwatch = {});
      const rows = () => [...document.querySelectorAll('tbody tr')];
      const status = () =>
        document.querySelector('[role="status"]')?.textContent ?? '';
      const named = row =>
        [...row.querySelectorAll('a')].some(a =>
          /^Perf User \d\d$/.test(a.textContent ?? ''),
        );
      const done = {
        render: () => status().trim().startsWith(summary) && rows()[19],
        names: () => rows().length >= 100 && rows().every(named),
      }[watched];
      const started = () => (state.start = performance.now());
      document.addEventListener('click', started, { capture: true });
      const observer = new MutationObserver(() => {
        if (state.start === undefined || !done()) return;
        observer.disconnect();
        requestAnimationFrame(() =>
          setTimeout(() => (state.painted = performance.now()), 0),
        );
      });
      const all = { childList: true, subtree: true, characterData: true };
      observer.observe(document.body, all);
    },
    [kind, pages.PERF_SUMMARY],
  );

/** Milliseconds from the last click until the awaited state was painted. */
async function stopwatch(page) {
  await page.waitForFunction(() => window.__stopwatch?.painted !== undefined);
  return page.evaluate(
    () => window.__stopwatch.painted - window.__stopwatch.start,
  );
}

/** Renders and name lookups of the page, in ms (see above). */
export async function renderCase({ runs, namesRuns }, log) {
  e2e.ensureChromium();
  e2e.buildFrontend();
  // A port pair (the backend and its fake PagerDuty) beside the tests' ones.
  let port = 7037;
  while ((await e2e.portInUse(port)) || (await e2e.portInUse(port + 1))) {
    port += 10;
  }
  process.env.E2E_PORT_PERF ??= String(port);
  const { url, stop } = await e2e.startBackends(['perf']);
  const browser = await pages.launchBrowser();
  try {
    const base = url('perf');
    await pages.waitForPerfUsers(base);
    const viewport = { width: 1440, height: 900 };
    const locale = { locale: 'en-US', timezoneId: 'UTC' };
    const page = await browser.newPage({ viewport, ...locale });
    page.setDefaultTimeout(60_000);
    await pages.signInAsGuest(page, base);
    log(`Chromium: ${runs} renders of the page after a warm-up…`);
    const render = [];
    for (let run = -1; run < runs; run++) {
      await pages.openFromSidebar(page, base, () =>
        startStopwatch(page, 'render'),
      );
      const ms = await stopwatch(page);
      if (run >= 0) render.push(ms);
    }
    log(`Chromium: ${namesRuns} runs until the updaters are named…`);
    const names = [];
    for (let run = 0; run < namesRuns; run++) {
      await pages.openFromSidebar(page, base);
      await pages.showSetSecretsFirst(page, 100, () =>
        startStopwatch(page, 'names'),
      );
      names.push(await stopwatch(page));
    }
    return { render, names };
  } finally {
    await browser.close();
    await stop();
  }
}
