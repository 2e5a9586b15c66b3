// Usage:
//   node introspection.mjs query                      prints graphql-js's introspection query, every option on
//   node introspection.mjs check result.json sdl.txt  rebuilds the schema from our introspection result with
//                                                     buildClientSchema, validates it, and compares printSchema with our SDL
//                                                     less its applied @cost and @listSize, which introspection cannot
//                                                     carry; our SDL itself, applied directives included, must build
//                                                     with graphql-js's buildSchema (its SDL validation) and validate
import { readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, printSchema, validateSchema } from 'graphql';

const [command, resultFile, sdlFile] = process.argv.slice(2);
if (command === 'query') {
  process.stdout.write(getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }));
} else if (command === 'check') {
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  if (result.errors?.length) {
    console.error('introspection answered errors:', JSON.stringify(result.errors));
    process.exit(1);
  }
  const schema = buildClientSchema(result.data);
  const errors = validateSchema(schema);
  if (errors.length) {
    console.error('validateSchema:', errors.map((e) => e.message).join('\n'));
    process.exit(1);
  }
  const printed = printSchema(schema);
  const served = readFileSync(sdlFile, 'utf8');
  const built = buildSchema(served);
  const builtErrors = validateSchema(built);
  if (builtErrors.length) {
    console.error('our SDL does not validate:', builtErrors.map((e) => e.message).join('\n'));
    process.exit(1);
  }
  const ours = served.replace(/ @cost\(weight: "[^"]*"\)/g, '').replace(/ @listSize\([^)]*\)/g, '');
  if (printed !== ours) {
    console.error('printSchema differs from our SDL.\n--- graphql-js\n' + printed + '\n--- ours\n' + ours);
    process.exit(1);
  }
  console.log('introspection conformance: ok');
} else {
  console.error('usage: node introspection.mjs query | check result.json sdl.txt');
  process.exit(2);
}
