#!/usr/bin/env node
// Checks, without the service, that the audit log only grew between two signed checkpoints an auditor kept:
//   node scripts/verify-consistency.mjs --key VERIFIER_KEY OLD_CHECKPOINT NEW_CHECKPOINT PROOF
// The checkpoints are files saved from GET /api/audit/checkpoints/latest (or /{size}); PROOF is the JSON of
// GET /api/audit/consistency?from=OLD_SIZE&to=NEW_SIZE. Any rewrite, truncation or deletion of the log between them fails.
import { readFileSync } from 'node:fs';
import { readCheckpoint, verifyConsistency } from './audit-log.mjs';

const args = process.argv.slice(2);
const keyAt = args.indexOf('--key');
if (keyAt < 0 || args.length !== 5) {
  console.error('usage: verify-consistency.mjs --key VERIFIER_KEY OLD_CHECKPOINT NEW_CHECKPOINT PROOF');
  process.exit(2);
}
const key = args.splice(keyAt, 2)[1];
try {
  const [older, newer] = args.slice(0, 2).map((f) => readCheckpoint(readFileSync(f, 'utf8'), key));
  const proof = JSON.parse(readFileSync(args[2], 'utf8'));
  if (proof.from !== older.size || proof.to !== newer.size) throw new Error(`the proof is from ${proof.from} to ${proof.to}, the checkpoints ${older.size} and ${newer.size}`);
  if (!verifyConsistency(older.size, newer.size, older.root, newer.root, proof.proof.map((p) => Buffer.from(p, 'base64')))) {
    throw new Error(`the log of ${newer.size} leaves does not extend the log of ${older.size}`);
  }
  console.log(`consistent: the log of ${newer.size} leaves extends the log of ${older.size} leaves`);
} catch (error) {
  console.log(`inconsistent: ${error.message}`);
  process.exit(1);
}
