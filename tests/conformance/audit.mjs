// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Runs graphql-http's server audit suite against a running server; prints every audit that is not "ok" and exits 1 if any.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
const notOk = results.filter((r) => r.status !== 'ok');
for (const r of notOk) {
  console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}: ${r.reason ?? ''}`);
}
console.log(`graphql-http audit: ${results.length - notOk.length} of ${results.length} ok`);
process.exit(notOk.length === 0 ? 0 : 1);
