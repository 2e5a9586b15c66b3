// Subscriptions as front ends meet them: graphql-ws (graphql-transport-ws) and graphql-sse (distinct connections) clients
// on node B, changes committed through node A's REST and GraphQL mutations, refusals by role and scope, and the
// protocol's close codes. Usage: node subscriptions.mjs '<json: {a, b, adminX, adminY, documents, tokens: {...}}>'
// Prints one line per check; exits 1 at the first that fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';
import { SignJWT } from 'jose';

const config = JSON.parse(process.argv[2]);
const { a, b, adminX, adminY, tokens } = config;
const doc = (name) => readFileSync(join(config.documents, `${name}.graphql`), 'utf8');
const wsUrl = (base) => base.replace(/^http/, 'ws') + '/graphql';
const clients = [];
const began = Date.now();
setTimeout(() => { console.log('FAILED: the checks did not end within two minutes'); process.exit(1); }, 120_000).unref();

function check(condition, what, detail) {
  if (!condition) {
    console.log(`FAILED: ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok: ${what} (${Date.now() - began} ms)`);
}

/** Resolves once the condition holds, polling node B's metrics (the subscriptions it holds) between tries. */
async function until(what, condition, seconds = 20) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  check(false, `${what} within ${seconds} s`);
}

// What node B itself says it holds, in its readiness answer (one process hosts several test nodes, whose metrics mix).
async function subscriptionsOn(base) {
  const body = await (await fetch(base + '/health/ready')).json();
  return parseInt(body.checks.subscriptions.description, 10);
}

/** A subscription whose messages queue up: next() waits for the next one, done tells how it ended. */
function follow(subscribe) {
  const messages = [];
  const waiters = [];
  const state = { done: null };
  const push = (item) => (waiters.length ? waiters.shift()(item) : messages.push(item));
  const dispose = subscribe({
    next: (value) => push({ value }),
    error: (error) => { state.done = { error }; push({ error }); },
    complete: () => { state.done = { complete: true }; push({ complete: true }); },
  });
  return {
    state,
    dispose,
    next(seconds = 20) {
      if (messages.length) return Promise.resolve(messages.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message within ${seconds} s`)), seconds * 1000);
        waiters.push((item) => { clearTimeout(timer); resolve(item); });
      });
    },
  };
}

function ws(token, extra = {}) {
  const client = createWsClient({
    url: wsUrl(b), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    ...extra,
  });
  clients.push(client);
  return client;
}

function sse(token) {
  const client = createSseClient({ url: b + '/graphql', retryAttempts: 0, headers: token ? { Authorization: `Bearer ${token}` } : {} });
  clients.push(client);
  return client;
}

const on = (client, query, variables) => follow((sink) => client.subscribe({ query, variables }, sink));

async function rest(base, path, token, body) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function graphql(base, token, query, variables) {
  const response = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

const codeOf = (message) => message.error?.[0]?.extensions?.code ?? message.value?.errors?.[0]?.extensions?.code;
const closedWith = (client) => new Promise((resolve) => client.on('closed', (event) => resolve(event.code)));

// 0. Tokens that expire three seconds after they are made: live first, then ended by the protocol's own code (4403
// "the token expired" over WebSocket, an UNAUTHENTICATED error then complete over SSE) when the expiry comes.
const expiringToken = () => new SignJWT({ role: 'supervisor' }).setProtectedHeader({ alg: 'HS256' }).setSubject('supervisor-expiring')
  .setIssuer(config.issuer).setAudience(config.audience).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + 3)
  .sign(new TextEncoder().encode(config.signingKey));
const startedAt = Date.now();
const expiring = ws(await expiringToken());
const expired = new Promise((resolve) => expiring.on('closed', (event) => resolve(event)));
const expiringSub = on(expiring, doc('queueChanged'), { administrationId: adminX });
const expiringSse = on(sse(await expiringToken()), doc('queueChanged'), { administrationId: adminX });
const closing = await expired;
check(closing.code === 4403 && /expired/.test(closing.reason) && Date.now() - startedAt >= 1500,
  'the token expired while the socket was open: closed with 4403', { code: closing.code, reason: closing.reason, after: Date.now() - startedAt });
expiringSub.dispose();
const last = await expiringSse.next(30);
check(codeOf(last) === 'UNAUTHENTICATED' && /expired/.test(last.value?.errors?.[0]?.message), 'the token expired while the SSE stream was open: it ends with UNAUTHENTICATED', last);
check((await expiringSse.next()).complete === true, 'then the SSE stream completes');

// 1. Queues: an agent over WebSocket, a supervisor over SSE, then a submission through node A's REST.
const baseline = await subscriptionsOn(b);
const agentQueue = on(ws(tokens.agentX), doc('queueChanged'), { administrationId: adminX });
const supervisorQueue = on(sse(tokens.supervisor), doc('queueChanged'), { administrationId: adminX });
const agentYQueue = on(ws(tokens.agentY), doc('queueChanged'), { administrationId: adminY });
await until('node B holds the three queue subscriptions', async () => (await subscriptionsOn(b)) >= baseline + 3);
const submitted = await rest(a, '/api/complaints', tokens.citizen, {
  kind: 'complaint', channel: 'portal', administrationId: adminX, categoryCode: 'HEALTH.WAIT', subject: 'Attente aux urgences',
  description: "Trois heures d'attente sans prise en charge.", location: { region: 'Rabat-Salé-Kénitra', province: 'Rabat', commune: 'Agdal-Riyad' },
  citizen: { fullName: 'Citoyenne Exemple', nationalId: 'XX000000', phone: '+212600000000', email: 'citoyenne@example.invalid' },
});
check(submitted.status === 201, 'node A took the complaint', submitted);
const { id, trackingNumber, accessCode } = submitted.body;
for (const [who, queue] of [['agent over graphql-ws', agentQueue], ['supervisor over graphql-sse', supervisorQueue]]) {
  const row = (await queue.next()).value?.data?.queueChanged;
  check(row?.id === id && row.status === 'received' && row.administrationId === adminX, `the ${who} got the new row from node A`, row);
}

// 2. A complaint's watchers: staff of both kinds and the citizen by tracking number; refusals by role and scope.
const agentWatch = on(ws(tokens.agentX), doc('complaintChanged'), { id });
const supervisorWatch = on(ws(tokens.supervisor), doc('complaintChanged'), { id });
const citizenWatch = on(sse(null), doc('complaintChangedByTracking'), { trackingNumber, accessCode });
for (const [what, refused, code] of [
  ['an agent of another administration follows its queue', on(ws(tokens.agentY), doc('queueChanged'), { administrationId: adminX }), 'FORBIDDEN'],
  ['an anonymous caller follows a complaint by id', on(ws(null), doc('complaintChanged'), { id }), 'UNAUTHENTICATED'],
  ['a wrong access code over SSE', on(sse(null), doc('complaintChangedByTracking'), { trackingNumber, accessCode: 'WRONG-CODE' }), 'NOT_FOUND'],
  ['an agent follows the call centre', on(ws(tokens.agentX), doc('callCenterChanged'), {}), 'FORBIDDEN'],
]) {
  const message = await refused.next();
  check(codeOf(message) === code, `refused with ${code}: ${what}`, message);
}

await until('node B holds the watchers', async () => (await subscriptionsOn(b)) >= baseline + 6);

// 3. A refused command commits nothing and sends nothing; the acknowledgement through node A's GraphQL reaches every watcher.
const stale = await graphql(a, tokens.agentX, doc('acknowledgeComplaint'), { input: { id, expectedVersion: 99 } });
check(stale.data?.acknowledgeComplaint?.errors?.[0]?.code === 'PRECONDITION_FAILED', 'an acknowledgement on a stale version is refused', stale);
const acknowledged = await graphql(a, tokens.agentX, doc('acknowledgeComplaint'), { input: { id } });
check(!acknowledged.errors && acknowledged.data.acknowledgeComplaint.errors.length === 0, 'node A acknowledged through GraphQL', acknowledged);
for (const [who, watch, field] of [['agent', agentWatch, 'complaintChanged'], ['supervisor', supervisorWatch, 'complaintChanged'], ['citizen', citizenWatch, 'complaintChangedByTracking']]) {
  const complaint = (await watch.next()).value?.data?.[field];
  check(complaint?.status === 'ACKNOWLEDGED', `the ${who}'s first message is the acknowledgement, nothing from the refused command`, complaint);
}
const moved = (await agentQueue.next()).value?.data?.queueChanged;
check(moved?.id === id && moved.status === 'acknowledged', "the agent's queue shows the row moved", moved);

// 3b. SSE resumes with Last-Event-ID: a client that reconnects with the id of the last event it got is first sent what
// moved while it was away, and nothing it already had.
async function* rawSse(token, query, variables, lastEventId) {
  const response = await fetch(b + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      if (event === 'next') yield { id: /^id: (.*)$/m.exec(frame)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(frame)[1]) };
    }
  }
}
const first = rawSse(tokens.supervisor, doc('queueChanged'), { administrationId: adminX }, '0');
const resumedFrom = (await first.next()).value;
check(resumedFrom?.data?.data?.queueChanged?.id === id && Number(resumedFrom.id) > 0, 'Last-Event-ID 0: the queue as it moved, each event with its log position as id', resumedFrom);
await first.return();
const second = await rest(a, '/api/complaints', tokens.citizen, {
  kind: 'suggestion', channel: 'portal', administrationId: adminX, categoryCode: 'HEALTH.WAIT', subject: "Prise de rendez-vous",
  description: 'Permettre la prise de rendez-vous en ligne.', location: { region: 'Rabat-Salé-Kénitra', province: 'Rabat', commune: 'Agdal-Riyad' },
});
check(second.status === 201, 'node A took a suggestion while the client was away', second);
const again = rawSse(tokens.supervisor, doc('queueChanged'), { administrationId: adminX }, resumedFrom.id);
const missed = (await again.next()).value;
check(missed?.data?.data?.queueChanged?.id === second.body.id && Number(missed.id) > Number(resumedFrom.id),
  'reconnecting with the last id it got, the client is sent the row it missed first, and not the one it had', missed);
await again.return();

// 4. A transfer through node A's REST: the former owner's watch ends, the supervisor sees it, the new owner's queue gets it.
const transferred = await rest(a, `/api/complaints/${id}/transfer`, tokens.supervisor, { toAdministrationId: adminY, reason: 'Relève de cette administration.' });
check(transferred.status === 200, 'node A transferred the complaint', transferred);
const ended = await agentWatch.next();
check(ended.complete === true, "the former owner's agent stops receiving: its stream completes", ended);
const seen = (await supervisorWatch.next()).value?.data?.complaintChanged;
check(seen?.administrationId === adminY, 'the supervisor sees the transfer', seen);
const arrived = (await agentYQueue.next()).value?.data?.queueChanged;
check(arrived?.id === id && arrived.administrationId === adminY, "the new owner's queue gets the complaint", arrived);

// 5. The call centre's wallboard over SSE, for an analyst.
const before = await subscriptionsOn(b);
const wallboard = on(sse(tokens.analyst), doc('callCenterChanged'), {});
await until('node B holds the wallboard', async () => (await subscriptionsOn(b)) >= before + 1);
const ticket = await rest(a, '/api/call-center/tickets', tokens.supervisor, { channel: 'phone', categoryCode: 'PROCEDURES', topic: 'Renouvellement du passeport', language: 'arabic' });
check(ticket.status === 201, 'node A opened a ticket', ticket);
const figures = (await wallboard.next()).value?.data?.callCenterChanged;
check(figures?.total >= 1 && figures.rows.length >= 1, 'the wallboard got the figures, counts only', figures);

// 6. Close codes, each asserted: a refused token (4403, with the graphql-ws client), then raw protocol misuse.
const forged = ws('not.a.token');
const forgedClosed = closedWith(forged);
const forgedSub = on(forged, doc('queueChanged'), { administrationId: adminX });
check((await forgedClosed) === 4403, 'a token the service refuses closes the socket with 4403');
forgedSub.dispose();

async function raw(messages) {
  const socket = new WebSocket(wsUrl(b), 'graphql-transport-ws');
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  for (const message of messages) socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  return closed;
}
const subscribe = { id: '1', type: 'subscribe', payload: { query: doc('queueChanged'), variables: { administrationId: adminX } } };
check((await raw([subscribe])) === 4401, 'a subscribe before connection_init closes with 4401');
check((await raw([{ type: 'connection_init' }, { type: 'connection_init' }])) === 4429, 'a second connection_init closes with 4429');
const agentInit = { type: 'connection_init', payload: { Authorization: `Bearer ${tokens.agentX}` } };
check((await raw([agentInit, subscribe, subscribe])) === 4409, 'a second subscription under an active id closes with 4409');
check((await raw(['{"type":'])) === 4400, 'a message that is not JSON closes with 4400');

for (const client of clients) client.dispose();
console.log('subscriptions: all checks passed');
process.exit(0);
