// Usage: node validate.mjs schema.graphql corpus.json
// Judges every document of the corpus with graphql-js (parse, then validate with specifiedRules against the schema)
// and prints, per document, whether it is valid and the locations of every error, as JSON.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate, GraphQLError } from 'graphql';

const [schemaFile, corpusFile] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaFile, 'utf8'));
const corpus = JSON.parse(readFileSync(corpusFile, 'utf8'));
const verdicts = corpus.map((source) => {
  let errors;
  try {
    errors = validate(schema, parse(source));
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    errors = [error];
  }
  return {
    valid: errors.length === 0,
    messages: errors.map((e) => e.message),
    locations: errors.flatMap((e) => (e.locations ?? []).map((l) => `${l.line}:${l.column}`)).sort(),
  };
});
process.stdout.write(JSON.stringify(verdicts));
