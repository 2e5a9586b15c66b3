// Usage: node graphiql.mjs BASE_URL CHROMIUM DOCUMENTS
// GraphiQL in headless Chromium (the machine's own, through playwright-core), every request that leaves the service
// refused: an agent opens the queue subscription the front ends ship (docs/queries/queueChanged.graphql), runs it, and
// the result pane shows a complaint submitted afterwards through the REST API, then the same complaint acknowledged.
// Prints one JSON line; exit 1 on a failure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, executablePath, documents] = process.argv.slice(2);
const origin = new URL(base).origin;
const token = async (role, administrationId) => (await (await fetch(`${base}/api/dev/tokens`, {
  method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ role, administrationId }),
})).json()).token;
const post = async (path, bearer, body) => (await fetch(`${base}${path}`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` }, body: JSON.stringify(body),
})).json();
// What this node says it holds, in its readiness answer (one process hosts several test nodes, whose metrics mix).
const subscriptions = async () => parseInt((await (await fetch(`${base}/health/ready`)).json()).checks.subscriptions.description, 10);
const fail = (what) => { console.log(JSON.stringify({ failed: what })); process.exit(1); };

const agent = await token('agent', 'MIN-SANTE');
const citizen = await token('citizen');
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const outside = [];
await context.route('**/*', (route) => (new URL(route.request().url()).origin === origin || route.request().url().startsWith('data:') ? route.continue() : (outside.push(route.request().url()), route.abort())));
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
const hash = new URLSearchParams({
  query: readFileSync(join(documents, 'queueChanged.graphql'), 'utf8'),
  variables: JSON.stringify({ administrationId: 'MIN-SANTE' }),
  headers: JSON.stringify({ Authorization: `Bearer ${agent}` }),
});
const before = await subscriptions();
await page.goto(`${base}/graphql#${hash}`);
await page.waitForSelector('.graphiql-execute-button');
await page.click('.graphiql-execute-button');
const deadline = Date.now() + 20_000;
while ((await subscriptions()) <= before) {
  if (Date.now() > deadline) fail('the subscription never reached the service');
  await new Promise((resolve) => setImmediate(resolve));
}

const submitted = await post('/api/complaints', citizen, {
  kind: 'complaint', channel: 'portal', administrationId: 'MIN-SANTE', categoryCode: 'HEALTH.WAIT', subject: 'Attente aux urgences',
  description: "Trois heures d'attente sans prise en charge.", location: { region: 'Rabat-Salé-Kénitra', province: 'Rabat', commune: 'Agdal-Riyad' },
  citizen: { fullName: 'Citoyenne Exemple', nationalId: 'XX000000', phone: '+212600000000', email: 'citoyenne@example.invalid' },
});
if (!submitted.trackingNumber) fail(`the submission was refused: ${JSON.stringify(submitted)}`);
const shows = (text) => page.waitForFunction((t) => document.querySelector('.result-window')?.textContent.includes(t), text, { timeout: 20_000 });
await shows(submitted.trackingNumber).catch(() => fail('the new complaint never showed in the result pane'));
await shows('"received"').catch(() => fail('the new row is not shown as received'));
await post(`/api/complaints/${submitted.id}/acknowledge`, agent, {});
await shows('"acknowledged"').catch(() => fail('the acknowledgement never showed in the result pane'));
await browser.close();
if (errors.length) fail(`page errors: ${errors.join('; ')}`);
console.log(JSON.stringify({ outside: outside.length, trackingNumber: submitted.trackingNumber }));
process.exit(outside.length === 0 ? 0 : 1);
