#!/usr/bin/env node
// Makes a checkpoint key for the audit log: node scripts/checkpoint-key.mjs [NAME]
// Prints the signer key (Audit:CheckpointKey, secret) and the verifier key (public: give it to auditors), in the C2SP
// signed-note formats: PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)> and <name>+<hash>+<base64(0x01 || public key)>.
import { createHash, generateKeyPairSync } from 'node:crypto';

const name = process.argv[2] ?? 'idarati.ma/audit-log';
if (/[+\s]/.test(name)) throw new Error('a key name has no + and no spaces');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const pub = Buffer.concat([Buffer.from([1]), publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)]);
const seed = Buffer.concat([Buffer.from([1]), privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32)]);
const hash = createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), pub])).digest().subarray(0, 4).toString('hex');
console.log(`signer key   (Audit__CheckpointKey, secret): PRIVATE+KEY+${name}+${hash}+${seed.toString('base64')}`);
console.log(`verifier key (public, for auditors):          ${name}+${hash}+${pub.toString('base64')}`);
