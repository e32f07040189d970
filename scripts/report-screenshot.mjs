// Opens a report.html in headless Debian Chromium (playwright-core drives /usr/bin/chromium; nothing is
// downloaded), fails on console errors, page errors or failed requests, and writes a full-page PNG.
//   node scripts/report-screenshot.mjs runs/<run>/report.html [out.png]
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * @param htmlPath - the report
 * @param pngPath - where the screenshot goes
 * @returns problems seen (console errors, page errors, failed requests) and the page's text
 */
export async function screenshotReport(htmlPath, pngPath) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const problems = [];
  const requests = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    const svgCount = await page.locator('svg').count();
    const text = await page.innerText('body');
    await page.screenshot({ path: pngPath, fullPage: true });
    const external = requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'));
    for (const u of external) problems.push(`external request: ${u}`);
    return { problems, svgCount, text, requests };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [html, png = html.replace(/\.html?$/, '') + '.png'] = process.argv.slice(2);
  if (!html) {
    console.error('usage: node scripts/report-screenshot.mjs <report.html> [out.png]');
    process.exit(2);
  }
  const { problems, svgCount } = await screenshotReport(html, png);
  console.log(`${html}: ${svgCount} SVG charts, screenshot ${png}`);
  for (const p of problems) console.error(p);
  process.exit(problems.length ? 1 : 0);
}
