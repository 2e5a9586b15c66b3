#!/usr/bin/env node
// Checks exported complaint histories without the service: node scripts/verify-export.mjs FILE [--key VERIFIER_KEY]
// FILE is one history (GET /api/audit/complaints/{id}/export) or NDJSON, one history per line (.../export?...).
// 1. Each history's hash chain: hash(0) = 32 zero bytes; hash(v) = SHA-256(hash(v-1) || UTF-8 of the RFC 8785 canonical
//    JSON of the event), lowercase hex. An event sealed in form idarati-event-v2 (headers.form; exports of format
//    idarati-history-v3) is {actor, administration, causation, command, correlation, data, form, stream, timestamp, type,
//    version}: who acted and for which command and administration are sealed too. An event without a form (stored before
//    v2, and every event of an idarati-history-v2 export) is {data, stream, timestamp (recordedAtMicros), type, version}.
// 2. With --key (a verifier key from GET /api/audit/checkpoint-keys, kept by the auditor): the export's checkpoint is
//    signed by that key, and each event's inclusion proof puts its leaf in that checkpoint's tree (RFC 9162).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { leaf, leafHash, readCheckpoint, verifyInclusion } from './audit-log.mjs';

// RFC 8785: members sorted by UTF-16 code units, no white space, numbers and strings as ECMAScript prints them.
const jcs = (v) => Array.isArray(v) ? `[${v.map(jcs).join(',')}]`
  : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jcs(v[k])}`).join(',')}}`
  : JSON.stringify(v);

const args = process.argv.slice(2);
const keyAt = args.indexOf('--key');
const key = keyAt >= 0 ? args.splice(keyAt, 2)[1] : null;
const text = readFileSync(args[0], 'utf8').trim();
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
    const hash = createHash('sha256').update(previous).update(Buffer.from(jcs(sealed), 'utf8')).digest();
    if (firstInvalid === null && (e.version !== i + 1 || hash.toString('hex') !== e.hash)) firstInvalid = Math.min(e.version, i + 1);
    previous = hash;
  });
  const notes = [];
  let refused = false;
  if (key !== null && h.checkpoint) {
    try {
      const checkpoint = readCheckpoint(h.checkpoint, key);
      const proved = h.events.filter((e) => e.inclusion);
      for (const e of proved) {
        const proof = e.inclusion.map((p) => Buffer.from(p, 'base64'));
        if (!verifyInclusion(leafHash(leaf(e.sequence, e.version, e.hash, h.streamId)), e.leafIndex, checkpoint.size, proof, checkpoint.root)) {
          notes.push(`version ${e.version} is not in the checkpoint's tree`);
          refused = true;
        }
      }
      if (!refused) notes.push(`${proved.length} events in the signed checkpoint of ${checkpoint.size} leaves`);
    } catch (error) {
      notes.push(`checkpoint refused: ${error.message}`);
      refused = true;
    }
  } else if (h.checkpoint) {
    notes.push('checkpoint not checked (pass --key)');
  }
  if (firstInvalid !== null || refused) broken++;
  const verdict = firstInvalid !== null ? `first invalid version ${firstInvalid}` : refused ? 'chain valid, log refused' : `valid, ${h.events.length} events`;
  console.log(`${h.streamId}: ${verdict}${notes.length ? `; ${notes.join('; ')}` : ''}`);
}
console.log(`${histories.length} histories, ${broken} broken`);
process.exit(broken === 0 ? 0 : 1);
