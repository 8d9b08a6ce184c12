import { ConfigError } from '@authbus/common';
import { parseDurationMs, parseUrl, present } from '@authbus/service-kit';

/** One outside receiver of authbus revocations as Security Event Tokens (RFC 8935 push). */
export interface SsfReceiver {
  /** Names its durable consumer (`ssf-<name>-…`); letters, digits, `-`. */
  name: string;
  /** Where SETs are POSTed. */
  endpoint: string;
  /** The `aud` of the SETs it receives. */
  audience: string;
  /** Sent as the `Authorization` header (e.g. `Bearer …`), when the receiver asks for one. */
  authorization?: string;
}

/** The Shared Signals transmitter: its metadata, and the receivers it pushes to. */
export interface SsfConfig {
  /** `iss` of every SET and of the metadata at `/.well-known/ssf-configuration`. */
  issuer: string;
  /** Where receivers find the public key SETs are signed with (the metadata's `jwks_uri`). */
  jwksUri: string;
  receivers: readonly SsfReceiver[];
  /** A push that gets no answer in this long is retried, ms. */
  pushTimeoutMs: number;
  /** Retries wait 1 s, 2 s, 4 s … at most this, ms. */
  maxRetryDelayMs: number;
}

/** The environment variables of the transmitter (README: "Revocations out, as Security Event Tokens"). */
export interface SsfEnv {
  SSF_ISSUER?: string | undefined;
  SSF_JWKS_URI?: string | undefined;
  SSF_RECEIVERS?: string | undefined;
  SSF_PUSH_TIMEOUT?: string | undefined;
  SSF_MAX_RETRY_DELAY?: string | undefined;
}

const NAME = /^[A-Za-z0-9-]{1,32}$/;

/** Read the transmitter's configuration; undefined when `SSF_ISSUER` is unset. Throws `ConfigError`. */
export function ssfFromEnv(env: SsfEnv): SsfConfig | undefined {
  if (!present(env.SSF_ISSUER)) {
    if (present(env.SSF_RECEIVERS)) throw new ConfigError('SSF_RECEIVERS is set but SSF_ISSUER is not');
    return undefined;
  }
  return {
    issuer: parseUrl(env.SSF_ISSUER, 'SSF_ISSUER', {
      protocols: ['https:', 'http:'],
      example: 'https://auth.example.com',
    }),
    jwksUri: parseUrl(env.SSF_JWKS_URI, 'SSF_JWKS_URI', {
      protocols: ['https:', 'http:'],
      example: 'https://auth.example.com/.well-known/jwks.json',
    }),
    receivers: receivers(env.SSF_RECEIVERS),
    pushTimeoutMs: parseDurationMs(env.SSF_PUSH_TIMEOUT, 'SSF_PUSH_TIMEOUT', '5s'),
    maxRetryDelayMs: parseDurationMs(env.SSF_MAX_RETRY_DELAY, 'SSF_MAX_RETRY_DELAY', '60s'),
  };
}

function receivers(value: string | undefined): SsfReceiver[] {
  if (!present(value)) return [];
  const example =
    'SSF_RECEIVERS must be a JSON array like [{"name":"crm","endpoint":"https://crm.example.com/ssf","audience":"https://crm.example.com"}]';
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    throw new ConfigError(`${example}; it is not JSON`);
  }
  if (!Array.isArray(list)) throw new ConfigError(example);
  const names = new Set<string>();
  return list.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(`${example}; entry ${i} is not an object`);
    const { name, endpoint, audience, authorization } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !NAME.test(name))
      throw new ConfigError(`SSF_RECEIVERS[${i}].name must be 1 to 32 letters, digits or -`);
    if (names.has(name)) throw new ConfigError(`SSF_RECEIVERS: the name "${name}" appears twice`);
    names.add(name);
    if (typeof audience !== 'string' || audience.length === 0)
      throw new ConfigError(`SSF_RECEIVERS[${i}].audience must be a non-empty string`);
    if (authorization !== undefined && typeof authorization !== 'string')
      throw new ConfigError(`SSF_RECEIVERS[${i}].authorization must be a string`);
    return {
      name,
      endpoint: parseUrl(typeof endpoint === 'string' ? endpoint : undefined, `SSF_RECEIVERS[${i}].endpoint`, {
        protocols: ['https:', 'http:'],
      }),
      audience,
      ...(authorization !== undefined ? { authorization } : {}),
    };
  });
}
