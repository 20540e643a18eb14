// The consent UI in a real browser: Debian's chromium driven by
// playwright-core, against `consentry run` in front of a test site.
// Started by tests/browser.rs, which passes:
//   CONSENTRY_URL  the proxy's base URL (http://127.0.0.1:PORT)
//   CHROMIUM       the browser binary
//   SCREENSHOTS    where screenshots go (under target/)
//   OTHER_ORIGIN   another origin serving /forgery, a page that posts
//                  "Accept all" to the consent endpoint
// Exits non-zero, naming the failed check, on the first failure.

import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BASE = process.env.CONSENTRY_URL;
const SHOTS = process.env.SCREENSHOTS;
const TRACKERS = ['googletagmanager.com', 'google-analytics.com', 'facebook.net', 'facebook.com', 'youtube.com'];
const BANNER = 'consentry-banner section.cnsy-banner';
const SETTINGS = 'consentry-settings a.cnsy-settings';

mkdirSync(SHOTS, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

function isTracker(url) {
  try {
    const host = new URL(url).hostname;
    return TRACKERS.some((t) => host === t || host.endsWith(`.${t}`));
  } catch {
    return false;
  }
}

/** Records every request a page makes (failed ones included). */
function record(page) {
  const log = [];
  page.on('request', (r) => log.push({ url: r.url(), method: r.method() }));
  return {
    log,
    trackers: () => log.filter((r) => isTracker(r.url)).map((r) => r.url),
    clear: () => log.splice(0, log.length),
  };
}

async function consentCookie(context) {
  const cookies = await context.cookies();
  return cookies.find((c) => c.name === 'consentry');
}

function grantedIn(cookie) {
  // v2.<revision>.<time>.<id>[.<category>]...
  const fields = cookie.value.split('.');
  if (fields[0] !== 'v2' || fields.length < 4) throw new Error(`not a stamped cookie: ${cookie.value}`);
  return fields.slice(4);
}

async function submit(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

async function axe(page, context, what) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async (ctx) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(ctx ?? document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  }, context);
  if (result.length) console.log(result.join('\n'));
  check(result.length === 0, `axe-core: no violations on ${what}`);
}

/** The focused element, looking into shadow roots. */
async function focused(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (!a) return null;
    const style = getComputedStyle(a);
    return {
      tag: a.tagName.toLowerCase(),
      text: (a.textContent || '').trim(),
      value: a.value ?? null,
      outline: `${style.outlineStyle} ${style.outlineWidth}`,
    };
  });
}

async function equalWeight(page, label) {
  const reject = page.locator(`${BANNER} button[value=none]`);
  const accept = page.locator(`${BANNER} button[value=all]`);
  const [r, a] = [await reject.boundingBox(), await accept.boundingBox()];
  const style = (l) => l.evaluate((b) => {
    const s = getComputedStyle(b);
    return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderWidth].join(' ');
  });
  check(Math.abs(r.width - a.width) <= 1 && Math.abs(r.height - a.height) <= 1,
    `${label}: Reject all and Accept all have the same size (${r.width}x${r.height} vs ${a.width}x${a.height})`);
  check(await style(reject) === await style(accept), `${label}: Reject all and Accept all have the same style`);
  return [r, a];
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // Nothing leaves the machine: every other host fails to resolve
    // (the requests are still made, and recorded, before consent or not).
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});

try {
  // 1. Mouse, JavaScript on, browser cache on: reject, custom, accept, withdraw.
  // (bypassCSP only lets axe-core be injected into our strict preferences page.)
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const page = await context.newPage();
    const net = record(page);
    await page.goto(`${BASE}/`);
    check(await page.locator(BANNER).isVisible(), 'banner shown without consent');
    check(net.trackers().length === 0, 'no tracker request before consent');
    await equalWeight(page, 'desktop');
    await page.screenshot({ path: `${SHOTS}/banner-desktop.png` });
    await axe(page, { include: [['consentry-banner']] }, 'the banner');

    await submit(page, page.locator(`${BANNER} button[value=none]`));
    const rejected = await consentCookie(context);
    check(rejected && grantedIn(rejected).length === 0, 'Reject all: cookie grants nothing');
    check(rejected.sameSite === 'Lax' && rejected.path === '/', 'cookie is SameSite=Lax, Path=/');
    check(!(await page.locator(BANNER).count()), 'no banner after Reject all');
    check(await page.locator(SETTINGS).isVisible(), 'settings link shown after a choice');
    check(net.trackers().length === 0, 'no tracker request after Reject all');

    await submit(page, page.locator(SETTINGS));
    check(page.url().includes('/_consentry/preferences'), 'settings link opens the preferences page');
    await axe(page, null, 'the preferences page');
    await page.screenshot({ path: `${SHOTS}/preferences-desktop.png`, fullPage: true });
    await page.locator('#cnsy-c-analytics').check();
    await submit(page, page.locator('button[value=custom]'));
    const custom = await consentCookie(context);
    check(JSON.stringify(grantedIn(custom)) === '["analytics"]', 'custom choice: analytics only');
    check(custom.value.split('.')[3] === rejected.value.split('.')[3], 'the consent id is kept across choices');
    check(!net.trackers().some((u) => u.includes('facebook')), 'marketing trackers still blocked under a custom choice');

    await page.goto(`${BASE}/_consentry/preferences?return=%2F`);
    net.clear();
    await submit(page, page.locator('button[value=all]'));
    check(!(await page.locator(BANNER).count()), 'Accept all: no banner on the very next load (cache on)');
    const after = net.trackers();
    check(after.some((u) => u.includes('googletagmanager.com')), 'Accept all: analytics tracker requested');
    check(after.some((u) => u.includes('youtube.com')), 'Accept all: embed requested');
    check((await context.cookies()).some((c) => c.name === '_ga'), 'Accept all: the site\'s _ga cookie is set');

    await page.goto(`${BASE}/_consentry/preferences?return=%2F`);
    check(await page.locator('[data-consentry-status=analytics]').textContent() === 'Allowed', 'preferences page shows what is granted');
    net.clear();
    await submit(page, page.locator('button[value=none]'));
    check(!(await context.cookies()).some((c) => c.name === '_ga'), 'withdrawal on the preferences page expires _ga');
    check(net.trackers().length === 0, 'no tracker request after withdrawal');
    await context.close();
  }

  // 2. Accept all on the banner, straight away.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const net = record(page);
    await page.goto(`${BASE}/`);
    check(net.trackers().length === 0, 'fresh visitor: no tracker request before consent');
    await submit(page, page.locator(`${BANNER} button[value=all]`));
    const post = net.log.findIndex((r) => r.method === 'POST' && r.url.endsWith('/_consentry/consent'));
    const first = net.log.findIndex((r) => isTracker(r.url));
    check(post >= 0 && first > post, 'trackers are requested only after Accept all');
    check(JSON.stringify(grantedIn(await consentCookie(context))) === '["preferences","analytics","marketing"]', 'Accept all: cookie grants everything');
    check(!(await page.locator(BANNER).count()) && await page.locator(SETTINGS).isVisible(), 'Accept all: banner gone, settings link shown');
    await context.close();
  }

  // 3. JavaScript disabled: the plain forms work.
  {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const net = record(page);
    await page.goto(`${BASE}/`);
    check(await page.locator(BANNER).isVisible(), 'no JS: banner shown');
    await page.locator(`${BANNER} summary`).click();
    await page.locator('#cnsy-c-marketing').check();
    await submit(page, page.locator(`${BANNER} button[value=custom]`));
    check(JSON.stringify(grantedIn(await consentCookie(context))) === '["marketing"]', 'no JS: custom choice saved');
    check(net.log.filter((r) => isTracker(r.url)).every((r) => !r.url.includes('googletagmanager')), 'no JS: analytics still blocked');
    await submit(page, page.locator(SETTINGS));
    await submit(page, page.locator('button[value=all]'));
    check(JSON.stringify(grantedIn(await consentCookie(context))) === '["preferences","analytics","marketing"]', 'no JS: Accept all on the preferences page');
    check(net.trackers().some((u) => u.includes('youtube.com')), 'no JS: embed requested after Accept all');
    await context.close();
  }

  // 4. Keyboard only.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const net = record(page);
    await page.goto(`${BASE}/`);
    const steps = [];
    await page.keyboard.press('Tab');
    let f = await focused(page);
    check(f.tag === 'button' && f.value === 'none', `keyboard: the first Tab stop is Reject all (${JSON.stringify(f)})`);
    check(!f.outline.startsWith('none') && parseFloat(f.outline.split(' ')[1]) >= 2, `keyboard: focus is visible (${f.outline})`);
    await page.keyboard.press('Tab');
    f = await focused(page);
    check(f.tag === 'button' && f.value === 'all', 'keyboard: then Accept all');
    await page.keyboard.press('Tab');
    f = await focused(page);
    check(f.tag === 'summary', 'keyboard: then the category choice');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      f = await focused(page);
      steps.push(f.value ?? f.tag);
      if (f.value === 'analytics') break;
    }
    check(f.value === 'analytics', `keyboard: reaches the analytics checkbox (${steps.join(' > ')})`);
    await page.keyboard.press('Space');
    for (let i = 0; i < 4 && f.value !== 'custom'; i++) {
      await page.keyboard.press('Tab');
      f = await focused(page);
    }
    check(f.value === 'custom', 'keyboard: reaches Save my choices');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    check(JSON.stringify(grantedIn(await consentCookie(context))) === '["analytics"]', 'keyboard: custom choice saved');
    check(!net.trackers().some((u) => u.includes('facebook')), 'keyboard: marketing still blocked');
    await context.close();
  }

  // 5. A placeholder keeps the embed's place and leads to consent.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const net = record(page);
    await page.goto(`${BASE}/`);
    const frame = await page.locator('.ratio').boundingBox();
    const holder = await page.locator('consentry-placeholder').boundingBox();
    check(Math.abs(frame.width - holder.width) <= 1 && Math.abs(frame.height - holder.height) <= 1,
      `placeholder takes the embed's place (${holder.width}x${holder.height} in ${frame.width}x${frame.height})`);
    await axe(page, { include: [['consentry-placeholder']] }, 'a placeholder');
    await submit(page, page.locator('consentry-placeholder button'));
    check(JSON.stringify(grantedIn(await consentCookie(context))) === '["marketing"]', 'placeholder button grants its category');
    check(await page.locator('iframe[src*="youtube.com/embed"]').count() === 1, 'the embed is back after the placeholder button');
    check(net.trackers().some((u) => u.includes('youtube.com')), 'the embed loads after the placeholder button');
    await context.close();
  }

  // 6. Another site forging "Accept all" changes nothing.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answered = page.waitForResponse((r) => r.url().endsWith('/_consentry/consent'));
    await page.goto(`${process.env.OTHER_ORIGIN}/forgery?target=${encodeURIComponent(`${BASE}/_consentry/consent`)}`);
    const response = await answered;
    check(response.status() === 403, `a forged cross-site POST is refused (${response.status()})`);
    check(!(await consentCookie(context)), 'a forged cross-site POST sets no cookie');
    await page.goto(`${BASE}/`);
    check(await page.locator(BANNER).isVisible(), 'after the forgery the visitor is still asked');
    await context.close();
  }

  // 7. A 360 px phone and 200% zoom (a 640x400 CSS viewport).
  for (const [label, options] of [
    ['phone-360', { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
    ['zoom-200', { viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 }],
  ]) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    const banner = await page.locator(BANNER).boundingBox();
    const { width, height } = options.viewport;
    check(banner.x >= 0 && banner.x + banner.width <= width + 0.5, `${label}: banner fits the width (${banner.width}px)`);
    check(banner.height <= height + 0.5, `${label}: banner fits the height (${banner.height}px)`);
    for (const box of await equalWeight(page, label)) {
      check(box.x >= 0 && box.x + box.width <= width && box.y >= 0 && box.y + box.height <= height, `${label}: button inside the viewport`);
    }
    await page.screenshot({ path: `${SHOTS}/banner-${label}.png` });
    await context.close();
  }

  // 8. The cookie policy the banner links to, on a desktop and a 360 px phone.
  for (const [label, options] of [
    ['desktop', { viewport: { width: 1280, height: 800 } }],
    ['phone-360', { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
  ]) {
    const context = await browser.newContext({ ...options, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    await submit(page, page.locator(`${BANNER} a[href$="/_consentry/policy"]`));
    check(page.url().endsWith('/_consentry/policy'), `${label}: the banner links to the cookie policy`);
    check(await page.locator('h1').textContent() === 'Cookie policy', `${label}: the policy page has its heading`);
    check(await page.locator('table.cnsy-table').count() >= 2, `${label}: cookies and services are listed in tables`);
    check(await page.locator('td code', { hasText: '_ga' }).count() === 1, `${label}: the policy lists the site's _ga cookie`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth) - options.viewport.width;
    check(overflow <= 0, `${label}: the policy page needs no sideways scrolling (${overflow}px too wide)`);
    await axe(page, null, `the policy page (${label})`);
    await page.screenshot({ path: `${SHOTS}/policy-${label}.png`, fullPage: true });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log('all browser checks passed');
