// A real OpenID Connect provider for the sign-in tests: oidc-provider (npm), on 127.0.0.1.
//   node oidc-provider.mjs serve PORT KEYS   serves discovery, JWKS and a token endpoint (client_credentials) on PORT,
//                                            signing with the first private key of the JSON file KEYS (made if missing)
//   node oidc-provider.mjs rotate KEYS       puts a new key first in KEYS (the old one stays published)
//   node oidc-provider.mjs forge ISSUER AUD  prints a token of the right shape signed by a key nobody publishes
// Each client stands for a user of a ministry: its id is the subject, and its token carries the claims
// "idarati_role" and "ministry_unit", which the service is configured to read as the role and the administration.
import fs from 'node:fs';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const [command, ...args] = process.argv.slice(2);

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

if (command === 'rotate') {
  const [file] = args;
  const keys = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify([await newKey(), ...keys]));
  process.exit(0);
}

if (command === 'forge') {
  const [issuer, audience] = args;
  const { privateKey } = await generateKeyPair('RS256');
  const token = await new SignJWT({ idarati_role: 'admin' })
    .setProtectedHeader({ alg: 'RS256', kid: crypto.randomUUID(), typ: 'at+jwt' })
    .setIssuer(issuer).setAudience(audience).setSubject('forger').setIssuedAt().setExpirationTime('10m')
    .sign(privateKey);
  process.stdout.write(token + '\n');
  process.exit(0);
}

const [port, file] = args;
if (!fs.existsSync(file)) {
  fs.writeFileSync(file, JSON.stringify([await newKey()]));
}
const keys = JSON.parse(fs.readFileSync(file, 'utf8'));
const client = (id, role, unit) => ({
  client_id: id, client_secret: `${id}-secret`, grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
  'x-role': role, 'x-unit': unit,
});
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  jwks: { keys },
  clients: [client('agent-sante', 'agent', 'MIN-SANTE'), client('analyst-hcp', 'analyst', null), client('two-units', 'agent', ['MIN-SANTE', 'MIN-EDUC'])],
  extraClientMetadata: { properties: ['x-role', 'x-unit'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:idarati:api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api', audience: 'idarati-ministry', accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
    },
  },
  extraTokenClaims: (ctx, token) => {
    const c = ctx.oidc.client;
    return c['x-unit'] === null ? { idarati_role: c['x-role'] } : { idarati_role: c['x-role'], ministry_unit: c['x-unit'] };
  },
});
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
