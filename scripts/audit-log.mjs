// The audit log's checks, written from RFC 9162 and the C2SP signed-note and checkpoint specs, independently of the
// service's C# code: the checkers (verify-export.mjs, verify-consistency.mjs) use it with Node alone.
import { createHash, createPublicKey, verify } from 'node:crypto';

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
export const leafHash = (leaf) => sha256(Buffer.from([0]), leaf);
const nodeHash = (left, right) => sha256(Buffer.from([1]), left, right);

// A leaf (form 1): 0x01, sequence and version as 8-byte big-endian integers, the event's 32-byte hash, its stream id in UTF-8.
export function leaf(sequence, version, hashHex, streamId) {
  const head = Buffer.alloc(49);
  head[0] = 1;
  head.writeBigInt64BE(BigInt(sequence), 1);
  head.writeBigInt64BE(BigInt(version), 9);
  if (/^[0-9a-f]{64}$/.test(hashHex)) Buffer.from(hashHex, 'hex').copy(head, 17);
  return Buffer.concat([head, Buffer.from(streamId, 'utf8')]);
}

// RFC 9162 2.1.3.2.
export function verifyInclusion(hash, index, size, proof, root) {
  if (index < 0 || index >= size) return false;
  let [fn, sn, r] = [BigInt(index), BigInt(size) - 1n, hash];
  for (const p of proof) {
    if (sn === 0n || p.length !== 32) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

// RFC 9162 2.1.4.2.
export function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0 || path.some((p) => p.length !== 32)) return false;
  let [fn, sn] = [BigInt(first) - 1n, BigInt(second) - 1n];
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && fr.equals(firstRoot) && sr.equals(secondRoot);
}

// A C2SP signed note checked with a verifier key (name+hash+base64(0x01 || Ed25519 key)); its checkpoint text read.
// Returns { size, root } or throws saying why not.
export function readCheckpoint(note, verifierKey) {
  const [name, hashHex, blob] = splitKey(verifierKey.trim());
  if (!name) throw new Error('the verifier key is not name+hash+key');
  const key = Buffer.from(blob, 'base64');
  if (key.length !== 33 || key[0] !== 1) throw new Error('the verifier key is not an Ed25519 key');
  const keyHash = sha256(Buffer.from(`${name}\n`, 'utf8'), key).subarray(0, 4);
  if (keyHash.toString('hex') !== hashHex) throw new Error("the verifier key's hash does not match its name and key");
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.subarray(1)]), format: 'der', type: 'spki' });
  const signed = note.slice(split + 2).split('\n').filter(Boolean).some((line) => {
    const [dash, signer, signature] = line.split(' ');
    if (dash !== '\u2014' || signer !== name || !signature) return false;
    const bytes = Buffer.from(signature, 'base64');
    return bytes.length === 68 && bytes.subarray(0, 4).equals(keyHash) && verify(null, Buffer.from(text, 'utf8'), publicKey, bytes.subarray(4));
  });
  if (!signed) throw new Error(`the checkpoint is not signed by ${name}`);
  const [origin, size, root] = text.split('\n');
  if (origin !== 'idarati.ma/audit-log' || !/^\d+$/.test(size)) throw new Error('not a checkpoint of the idarati audit log');
  const rootBytes = Buffer.from(root, 'base64');
  if (rootBytes.length !== 32) throw new Error('the checkpoint has no 32-byte root');
  return { size: Number(size), root: rootBytes };
}

function splitKey(key) {
  const first = key.indexOf('+');
  const second = key.indexOf('+', first + 1);
  return first < 0 || second < 0 ? [] : [key.slice(0, first), key.slice(first + 1, second), key.slice(second + 1)];
}
