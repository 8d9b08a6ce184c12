import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Python 3 with PyJWT and cryptography (Debian: python3-jwt), or `undefined`. */
export function findPythonJwt(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(python, ['-c', 'import jwt, cryptography'], { stdio: 'ignore' });
      return python;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** PyJWT's own JWKS client, in one line: fetch the key set, pick the key by kid, verify. */
const VERIFY_ONE_LINER =
  'import jwt,sys; t=sys.argv[2]; k=jwt.PyJWKClient(sys.argv[1], cache_keys=False).get_signing_key_from_jwt(t); ' +
  "print(jwt.decode(t, k.key, algorithms=['ES256','RS256'], audience='authbus', issuer='authbus')['sub'])";

/**
 * Verify a token with `jwt.PyJWKClient` against a JWKS URL. Resolves with the `sub` it verified,
 * or rejects with Python's error. Asynchronous: the service under test runs in this process.
 */
export async function verifyWithPython(python: string, jwksUrl: string, token: string): Promise<string> {
  const { stdout } = await run(python, ['-c', VERIFY_ONE_LINER, jwksUrl, token], { timeout: 20_000 });
  return stdout.trim();
}
