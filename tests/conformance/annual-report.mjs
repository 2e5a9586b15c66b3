// Usage: node annual-report.mjs BASE_URL CHROMIUM OUT_DIR ADMINISTRATION_ID YEAR
// Opens a department's printable annual report in headless Chromium (the machine's own, through playwright-core),
// signed in as an analyst through the dashboard's development role picker, with every request that leaves the service
// refused and recorded: each figure shown is the API's, the page turns to Arabic (right to left), prints to A4 and
// links to the PDF. Writes a screenshot per language to OUT_DIR; prints one JSON line; exit 1 on a failure.
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, executablePath, out, administrationId, year] = process.argv.slice(2);
const origin = new URL(base).origin;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const analyst = (await (await fetch(`${base}/api/dev/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role: 'analyst' }) })).json()).token;
const report = await (await fetch(`${base}/api/indicators/annual-report?administrationId=${administrationId}&year=${year}`, { headers: { Authorization: `Bearer ${analyst}` } })).json();

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: 1200, height: 1600 } });
const outside = [];
await context.route('**/*', (route) => (new URL(route.request().url()).origin === origin || route.request().url().startsWith('data:') ? route.continue() : (outside.push(route.request().url()), route.abort())));
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

// Without a token the page says where to sign in; with the dashboard's, it draws.
await page.goto(`${base}/annual-report?administrationId=${administrationId}&year=${year}`);
await page.waitForSelector('body[data-ready=false]');
check(await page.isVisible('#signed-out'), 'a signed-out visitor was not told to sign in');
await page.goto(`${base}/dashboard`);
await page.waitForSelector('#dev-tokens:not([hidden])');
await page.click('#dev-tokens [data-role=analyst]');
await page.waitForSelector('body[data-ready=true]');
await page.goto(`${base}/annual-report?administrationId=${administrationId}&year=${year}&lang=fr`);
await page.waitForSelector('body[data-ready=true]');

const shown = await page.$$eval('#summary tr[data-key]', (rows) => Object.fromEntries(rows.map((r) => [r.dataset.key, Number(r.querySelector('td.value').dataset.value)])));
const expected = {
  received: report.total.received, processed: report.total.processed, processingRate: report.total.processingRate, answered: report.total.answered,
  withinDeadline: report.total.answeredWithinDeadlinePercent ?? 0, wentOverdue: report.total.wentOverdue, reopened: report.total.reopened,
  median: report.responseTimes.answerMedianDays ?? 0, p90: report.responseTimes.answerP90Days ?? 0, transfersIn: report.transfersIn, transfersOut: report.transfersOut,
};
for (const [key, value] of Object.entries(expected)) check(shown[key] === value, `${key}: shown ${shown[key]}, the API says ${value}`);
const kinds = await page.$$eval('#kinds tr[data-key]', (rows) => rows.map((r) => [r.dataset.key, Number(r.querySelector('td.value').dataset.value)]));
check(JSON.stringify(kinds) === JSON.stringify(report.byKind.map((k) => [k.group, k.received])), 'the kinds differ from the API');
const months = await page.$$eval('#months tr[data-key]', (rows) => rows.length);
check(months === report.months.length && months > 0, 'the monthly series is not shown whole');
const chart = await page.$eval('canvas[data-chart=monthly]', (c) => window.Chart.getChart(c)?.data.datasets[0].data);
check(JSON.stringify(chart) === JSON.stringify(report.months.map((m) => m.received)), 'the monthly chart differs from the API');
const rejections = await page.$$eval('#rejections tr[data-key]', (rows) => rows.map((r) => r.dataset.key));
check(JSON.stringify(rejections) === JSON.stringify(report.rejectionsByReason.map((r) => r.key)), 'the rejections differ from the API');
check((await page.$eval('#position', (e) => e.dataset.position)) === String(report.position), 'the page does not name the log position');
check((await page.getAttribute('#pdf', 'href')).startsWith('/api/indicators/annual-report.pdf?'), 'no link to the PDF');
await page.screenshot({ path: join(out, 'annual-report-fr.png'), fullPage: true });

// Arabic, right to left, the same figures.
await page.click('#language');
check(await page.evaluate(() => document.documentElement.dir === 'rtl' && document.documentElement.lang === 'ar'), 'Arabic is not laid out right to left');
check(/[\u0600-\u06FF]/.test(await page.textContent('#title')), 'the title is not in Arabic');
check((await page.$$eval('#summary tr[data-key]', (rows) => rows.length)) === Object.keys(expected).length, 'the Arabic summary lost rows');
await page.screenshot({ path: join(out, 'annual-report-ar.png'), fullPage: true });

// Printed: A4, no controls.
await page.emulateMedia({ media: 'print' });
check(await page.isHidden('#language') && await page.isHidden('#print'), 'the controls print');
const pdf = await page.pdf({ format: 'A4' });
check(pdf.length > 10_000, 'the print is empty');

check(errors.length === 0, `page errors: ${errors.join('; ')}`);
check(outside.length === 0, `requests left the machine: ${outside.join(', ')}`);
await browser.close();
console.log(JSON.stringify({ outside: outside.length, failures }));
process.exit(failures.length === 0 ? 0 : 1);
