// Usage: node dashboard-freshness.mjs BASE_URL CHROMIUM OUT_DIR
// The dashboard's header while the read models lag behind the log: an analyst signs in and sees the figures marked
// provisional with the number of events waiting (written to OUT_DIR/provisional, for the test to let the daemon go on),
// then, with no click, marked final once the read models have caught up. Prints one JSON line; exit 1 on a failure.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, executablePath, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const page = await (await browser.newContext()).newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${base}/dashboard`);
await page.waitForSelector('#dev-tokens:not([hidden])');
await page.click('#dev-tokens [data-role=analyst]');
await page.waitForSelector('#freshness[data-final=false]', { timeout: 30000 });
const provisional = await page.$eval('#freshness', (e) => e.textContent);
writeFileSync(join(out, 'provisional'), provisional);
await page.waitForSelector('#freshness[data-final=true]', { timeout: 60000 });
const final = await page.$eval('#freshness', (e) => e.textContent);
await browser.close();
const failures = [...errors];
if (!/provisoires/.test(provisional) || !/\d/.test(provisional)) failures.push(`not provisional: ${provisional}`);
if (!/définitifs/.test(final)) failures.push(`not final: ${final}`);
console.log(JSON.stringify({ provisional, final, failures }));
process.exit(failures.length === 0 ? 0 : 1);
