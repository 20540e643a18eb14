// The adversarial pages in a real browser: Debian's chromium, driven by
// playwright-core. Each page is loaded straight from the test site (the
// control: what a browser fetches without Consentry) and through
// `consentry run` with no consent. Started by tests/browser.rs, which passes:
//   SITE_URL       the test site (serves /page/<kind>/<n>)
//   CONSENTRY_URL  the proxy in front of it
//   PAGES          JSON: [{ path, name, kind: "tracker" | "twin" | "inert" }]
//   CHROMIUM       the browser binary
// Prints one JSON line per page load (`RESULT {...}`) and exits non-zero,
// naming the failure, when a tracker is requested through the proxy.

import { chromium } from 'playwright-core';

const SITE = process.env.SITE_URL;
const PROXY = process.env.CONSENTRY_URL;
const PAGES = JSON.parse(process.env.PAGES);
const TRACKERS = ['googletagmanager.com', 'google-analytics.com', 'facebook.net', 'facebook.com', 'youtube.com', 'twitter.com'];
// Pages loaded at once (each in its own context).
const PARALLEL = 4;

function isTracker(url) {
  try {
    const host = new URL(url).hostname.replace(/\.$/, '');
    return TRACKERS.some((t) => host === t || host.endsWith(`.${t}`));
  } catch {
    return false;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // Nothing leaves the machine: every other host fails to resolve (the
    // requests are still made, and recorded).
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});

/** Loads `url`, moves the pointer over it, scrolls, waits for timers and
 * animations; returns the tracker URLs requested (frames included). */
async function trackersRequested(url) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const requested = [];
  context.on('request', (r) => {
    if (isTracker(r.url())) requested.push(r.url());
  });
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 10000 });
    for (const [x, y] of [[10, 10], [300, 200], [600, 400], [900, 700]]) {
      await page.mouse.move(x, y, { steps: 3 });
    }
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(1500);
  } catch (error) {
    // A page that navigates itself away (meta refresh) ends here; what it
    // requested is recorded all the same.
    if (!/navigat|context|closed|Timeout/i.test(String(error))) throw error;
  } finally {
    await context.close();
  }
  return [...new Set(requested)];
}

const failures = [];
try {
  const jobs = PAGES.flatMap((p) => [
    { ...p, via: 'direct', url: `${SITE}${p.path}` },
    { ...p, via: 'proxy', url: `${PROXY}${p.path}` },
  ]);
  let next = 0;
  async function worker() {
    while (next < jobs.length) {
      const job = jobs[next++];
      const trackers = await trackersRequested(job.url);
      console.log(`RESULT ${JSON.stringify({ name: job.name, kind: job.kind, via: job.via, trackers })}`);
      if (job.via === 'proxy' && trackers.length > 0) {
        failures.push(`${job.kind} "${job.name}" requested ${trackers.join(' ')} through Consentry`);
      }
      if (job.kind !== 'tracker' && trackers.length > 0) {
        failures.push(`${job.kind} "${job.name}" (${job.via}) requested ${trackers.join(' ')}: not tracker-free`);
      }
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
} finally {
  await browser.close();
}
if (failures.length > 0) {
  for (const f of failures) console.log(`FAILED: ${f}`);
  process.exit(1);
}
console.log('all adversarial browser checks passed');
