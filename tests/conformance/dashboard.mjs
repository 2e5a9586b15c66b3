// Usage: node dashboard.mjs BASE_URL CHROMIUM OUT_DIR
// Drives the analysts' dashboard (and GraphiQL) in headless Chromium (the machine's own, through playwright-core) with every request
// that leaves the service refused and recorded: a citizen's token is refused, an analyst signs in through the
// development role picker, every chart shows the numbers the API returns, in French and in Arabic (right to left), one
// CSV is downloaded, the print layout is one block per A4 page, GraphiQL renders, and a screenshot per language is
// written to OUT_DIR. Prints one JSON line; exit 1 on a failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, executablePath, out] = process.argv.slice(2);
const origin = new URL(base).origin;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const token = async (role) => (await (await fetch(`${base}/api/dev/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role }) })).json()).token;
const analyst = await token('analyst');
const get = async (path) => (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${analyst}` } })).json();

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: 1400, height: 1800 }, acceptDownloads: true });
const outside = [];
await context.route('**/*', (route) => (new URL(route.request().url()).origin === origin || route.request().url().startsWith('data:') ? route.continue() : (outside.push(route.request().url()), route.abort())));
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const started = Date.now();
await page.goto(`${base}/dashboard`);

// A citizen's token does not open the dashboard.
await page.fill('#token', await token('citizen'));
await page.click('#token-form button[type=submit]');
await page.waitForFunction(() => document.querySelector('#sign-in-error').textContent.length > 0);
check(await page.isHidden('#dashboard'), 'a citizen token opened the dashboard');
check(await page.evaluate(() => sessionStorage.getItem('idarati.token')) === null, 'a refused token stayed in session storage');

// An analyst signs in through the development role picker; the token lives in session storage, never in the URL.
await page.waitForSelector('#dev-tokens:not([hidden])');
const signIn = Date.now();
await page.click('#dev-tokens [data-role=analyst]');
await page.waitForSelector('body[data-ready=true]');
const drawnMs = Date.now() - signIn;
check(!page.url().includes('token') && (await page.evaluate(() => sessionStorage.getItem('idarati.token'))) !== null, 'the token is not where it should be');
await page.fill('#as-of', '2020-03-02');
await page.dispatchEvent('#as-of', 'change');
await page.waitForFunction(() => document.querySelector('[data-key]') !== null);

const report = await get('/api/indicators?asOf=2020-03-02');
const shown = await page.$$eval('.figure', (lines) => Object.fromEntries(lines.map((l) => [l.dataset.key, Number(l.dataset.value)])));
for (const s of report.sections) for (const f of s.figures) check(shown[`${s.key}.${f.key}`] === f.value, `report ${s.key}.${f.key}: ${shown[`${s.key}.${f.key}`]} shown, ${f.value} served`);
const charts = await page.$$eval('canvas[data-chart]', (canvases) => Object.fromEntries(canvases.map((c) => {
  const chart = window.Chart.getChart(c);
  return [c.dataset.chart, chart ? { labels: chart.data.labels, datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })) } : null];
})));
for (const [name, chart] of Object.entries(charts)) check(chart && chart.labels.length > 0 && chart.datasets.every((d) => d.data.length === chart.labels.length), `chart ${name} is not drawn`);
const monthly = (await get('/api/indicators/complaints/processing?groupBy=month&asOf=2020-03-02')).rows.sort((a, b) => a.group.localeCompare(b.group));
check(JSON.stringify(charts.monthly.datasets[0].data) === JSON.stringify(monthly.map((r) => r.received)), 'monthly received differ from the API');
check(JSON.stringify(charts.monthly.datasets[1].data) === JSON.stringify(monthly.map((r) => r.processed)), 'monthly processed differ from the API');
const categories = (await get('/api/indicators/call-center?groupBy=category&asOf=2020-03-02')).rows;
check(JSON.stringify(charts.callCenterCategories.datasets[0].data) === JSON.stringify(categories.map((r) => r.questions)), '3737 categories differ from the API');
const funnel = (await get('/api/indicators/employment?asOf=2020-03-02')).funnel;
check(JSON.stringify(charts.funnel.datasets[0].data) === JSON.stringify(funnel.map((f) => f.applied)), 'the funnel differs from the API');
const kinds = (await get('/api/indicators/complaints/processing?groupBy=administrationKind&asOf=2020-03-02')).rows;
const kindRates = [...charts.kinds.datasets[0].data].sort((a, b) => a - b);
check(kindRates.length === kinds.length && kinds.map((r) => r.processingRate).sort((a, b) => a - b).every((rate, i) => Math.abs(rate - kindRates[i]) <= 0.011), 'administration kinds differ from the API');
const byAdministration = (await get('/api/indicators/complaints/processing?groupBy=administration&asOf=2020-03-02')).rows;
check(JSON.stringify([...charts.administrations.datasets[1].data].sort((a, b) => a - b)) === JSON.stringify(byAdministration.map((r) => r.answeredWithinDeadlinePercent ?? 0).sort((a, b) => a - b)), 'the shares within the deadline differ from the API');
const times = (await get('/api/indicators/complaints/response-times?groupBy=category&asOf=2020-03-02')).rows;
check(JSON.stringify(charts.responseTimes.datasets[0].data) === JSON.stringify(times.map((r) => r.answerMedianDays ?? 0)), 'response-time medians differ from the API');
const channels = (await get('/api/indicators/call-center?groupBy=channel&asOf=2020-03-02')).rows;
check(JSON.stringify(charts.callCenterChannels.datasets[0].data) === JSON.stringify(channels.map((r) => r.questions)), '3737 channels differ from the API');
const freshness = await page.$eval('#freshness', (e) => ({ final: e.dataset.final, text: e.textContent }));
check(freshness.final === 'true' && freshness.text.includes('définitifs'), `the header does not say the figures are final: ${JSON.stringify(freshness)}`);
await page.screenshot({ path: join(out, 'dashboard-fr.png') });

// Printed: no controls, one chart block per A4 page.
await page.emulateMedia({ media: 'print' });
const printed = await page.evaluate(() => ({ controls: getComputedStyle(document.querySelector('.controls')).display, breaks: getComputedStyle(document.querySelectorAll('.block')[1]).breakBefore }));
check(printed.controls === 'none' && printed.breaks === 'page', `the print layout is not A4 blocks: ${JSON.stringify(printed)}`);
await page.emulateMedia({ media: 'screen' });

// One CSV, as an analyst downloads it.
const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-block=monthly] .csv')]);
const csv = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '').trim().split('\n');
check(csv[0] === 'label_fr,label_ar,received,processed' && csv.length === monthly.length + 1, `the CSV has ${csv.length} lines: ${csv[0]}`);

// Arabic: every label switches and the page lays out right to left.
await page.click('#language');
const arabic = await page.evaluate(() => ({ dir: document.documentElement.dir, lang: document.documentElement.lang, title: document.querySelector('h1').textContent,
  section: document.querySelector('.section h3').textContent, legend: window.Chart.getChart(document.querySelector('canvas[data-chart=monthly]')).data.datasets[0].label }));
check(arabic.dir === 'rtl' && arabic.lang === 'ar', `not right to left: ${JSON.stringify(arabic)}`);
check(arabic.section === report.sections[0].label.ar, `the report's heading is not the API's Arabic label: ${arabic.section}`);
check(/[\u0600-\u06FF]/.test(arabic.title) && /[\u0600-\u06FF]/.test(arabic.legend), `labels are not Arabic: ${JSON.stringify(arabic)}`);
await page.screenshot({ path: join(out, 'dashboard-ar.png') });

// GraphiQL works without internet too: its editor renders from the service's own scripts.
const graphiql = await context.newPage();
graphiql.on('pageerror', (e) => errors.push(`GraphiQL: ${e.message}`));
await graphiql.goto(`${base}/graphql`);
await graphiql.waitForSelector('.graphiql-container', { timeout: 15000 });

check(outside.length === 0, `requests left the machine: ${outside.join(', ')}`);
check(errors.length === 0, `page errors: ${errors.join('; ')}`);
await browser.close();
console.log(JSON.stringify({ failures, drawnMs, totalMs: Date.now() - started, charts: Object.keys(charts).length, outside: outside.length }));
process.exit(failures.length === 0 ? 0 : 1);
