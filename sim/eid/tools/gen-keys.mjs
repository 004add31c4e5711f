// Generates the TEST signing keys in keys/ (one JWKS per issuer, RS256 + ES256).
// Run once; the output is committed. These keys are public by being in the repository:
// never use them anywhere but this stand-in.  Usage: node tools/gen-keys.mjs [--force]
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

const force = process.argv.includes('--force');
for (const issuer of ['citizen', 'staff']) {
  const file = new URL(`../keys/${issuer}.json`, import.meta.url);
  if (existsSync(file) && !force) {
    console.log(`keys/${issuer}.json exists, kept (use --force to replace)`);
    continue;
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const keys = [
    { kid: `eid-${issuer}-test-rs256`, use: 'sig', alg: 'RS256', ...rsa },
    { kid: `eid-${issuer}-test-es256`, use: 'sig', alg: 'ES256', ...ec },
  ];
  writeFileSync(file, `${JSON.stringify({ keys }, null, 2)}\n`);
  console.log(`keys/${issuer}.json written`);
}
