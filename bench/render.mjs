// Case 8: the "Manage secrets" page in Chromium against the perf backend of
// scripts/e2e.mjs. A run loads the catalog page, clicks the sidebar's link
// and times in the page: a capturing click listener starts the stopwatch, a
// MutationObserver stops it when the DOM shows the awaited state, one more
// frame counts as painted: until the summary line and the first page of rows
// are painted, after a warm-up run that loads the page's bundles.
import * as e2e from '../scripts/e2e.mjs';
import * as pages from '../packages/app/e2e-tests/helpers.mjs';

/** Starts the stopwatch described above in the page. */
const startStopwatch = page =>
  page.evaluate(summary => {
    const state = (window.__stopwatch = {});
    const rows = () => [...document.querySelectorAll('tbody tr')];
    const status = () =>
      document.querySelector('[role="status"]')?.textContent ?? '';
    const done = () => status().trim().startsWith(summary) && rows()[19];
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
  }, pages.PERF_SUMMARY);

/** Milliseconds from the last click until the awaited state was painted. */
async function stopwatch(page) {
  await page.waitForFunction(() => window.__stopwatch?.painted !== undefined);
  return page.evaluate(
    () => window.__stopwatch.painted - window.__stopwatch.start,
  );
}
/** Renders of the page, in ms (see above). */
export async function renderCase(runs, log) {
  e2e.ensureChromium();
  e2e.buildFrontend();
  // A port pair (the backend and its fake PagerDuty) beside the tests' ones.
  process.env.E2E_PORT_PERF ??= String(await e2e.freePort(7037));
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
      await pages.openFromSidebar(page, base, () => startStopwatch(page));
      const ms = await stopwatch(page);
      if (run >= 0) render.push(ms);
    }
    return render;
  } finally {
    await browser.close();
    await stop();
  }
}
