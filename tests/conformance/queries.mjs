// Usage: node queries.mjs schema.graphql docs/queries
// Validates every document a front end sends (docs/queries/*.graphql) against the schema the service serves.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';

const [sdlFile, dir] = process.argv.slice(2);
const schema = buildSchema(readFileSync(sdlFile, 'utf8'));
const files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
let failed = 0;
for (const file of files) {
  const errors = validate(schema, parse(readFileSync(join(dir, file), 'utf8')));
  for (const error of errors) {
    console.error(`${file}: ${error.message}`);
    failed++;
  }
}
console.log(`front-end documents: ${files.length} checked, ${failed} errors`);
process.exit(failed === 0 && files.length > 0 ? 0 : 1);
