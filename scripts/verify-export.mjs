#!/usr/bin/env node
// Checks the hash chain of exported complaint histories without the service: node scripts/verify-export.mjs FILE
// FILE is one history (GET /api/audit/complaints/{id}/export) or NDJSON, one history per line (.../export?...).
// hash(0) = 32 zero bytes; hash(v) = SHA-256(hash(v-1) || UTF-8 of the RFC 8785 canonical JSON of the event), lowercase
// hex. An event sealed in form idarati-event-v2 (headers.form; exports of format idarati-history-v3) is {actor,
// administration, causation, command, correlation, data, form, stream, timestamp, type, version}: who acted and for which
// command and administration are sealed too. An event without a form (stored before v2, and every event of an
// idarati-history-v2 export) is {data, stream, timestamp (recordedAtMicros), type, version}.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// RFC 8785: members sorted by UTF-16 code units, no white space, numbers and strings as ECMAScript prints them.
const jcs = (v) => Array.isArray(v) ? `[${v.map(jcs).join(',')}]`
  : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`
  : JSON.stringify(v);

const text = readFileSync(process.argv[2], 'utf8').trim();
const histories = text.startsWith('{') && !text.includes('\n{') ? [JSON.parse(text)] : text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
let broken = 0;
for (const h of histories) {
  if (h.format !== 'idarati-history-v2' && h.format !== 'idarati-history-v3') throw new Error(`unknown format ${h.format}`);
  let previous = Buffer.alloc(32);
  let firstInvalid = null;
  h.events.forEach((e, i) => {
    const form = e.headers?.form;
    if (form !== undefined && form !== 'idarati-event-v2') throw new Error(`${h.streamId} v${e.version}: unknown canonical form ${form}`);
    const sealed = { data: e.data, stream: h.streamId, timestamp: e.recordedAtMicros, type: e.type, version: e.version };
    if (form === 'idarati-event-v2') {
      Object.assign(sealed, { actor: e.actor ?? null, administration: e.headers.administration ?? null, causation: e.causationId ?? null,
        command: e.headers.commandId ?? null, correlation: e.correlationId ?? null, form });
    }
    const canonical = jcs(sealed);
    const hash = createHash('sha256').update(previous).update(Buffer.from(canonical, 'utf8')).digest();
    if (firstInvalid === null && (e.version !== i + 1 || hash.toString('hex') !== e.hash)) firstInvalid = Math.min(e.version, i + 1);
    previous = hash;
  });
  if (firstInvalid !== null) broken++;
  console.log(`${h.streamId}: ${firstInvalid === null ? `valid, ${h.events.length} events` : `first invalid version ${firstInvalid}`}`);
}
console.log(`${histories.length} histories, ${broken} broken`);
process.exit(broken === 0 ? 0 : 1);
