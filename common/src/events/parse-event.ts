import { EventInvalidError } from '../errors/event-invalid-error';
import type { AnyEventEnvelope } from './auth-event';
import { EVENT_VERSION, Subjects, isSubject, type Subject } from './subjects';

/** Largest event accepted; real ones are a few hundred bytes. */
export const MAX_EVENT_BYTES = 16 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ISO 8601 date-time as `Date#toISOString` and other careful writers produce it. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const MAX_STRING = 320;

type Data = Record<string, unknown>;
type DataCheck = (data: Data) => string | undefined;

const dataChecks: Record<Subject, DataCheck> = {
  [Subjects.SessionRevoked]: (d) =>
    text(d, 'sid') ?? text(d, 'sub') ?? text(d, 'reason') ?? isoDate(d, 'revokedAt') ?? seconds(d, 'until'),
  [Subjects.UserBanned]: (d) => cutOff(d),
  [Subjects.UserSessionsRevoked]: (d) => cutOff(d),
  [Subjects.UserUnbanned]: (d) => text(d, 'sub'),
  [Subjects.UserCreated]: (d) => text(d, 'sub') ?? text(d, 'email') ?? roles(d),
  [Subjects.KeySetUpdated]: (d) => whole(d, 'issuedAt') ?? jwkList(d) ?? kidList(d, 'withdrawn'),
  [Subjects.ServiceRevoked]: (d) =>
    text(d, 'service') ?? text(d, 'credential') ?? text(d, 'reason') ?? isoDate(d, 'revokedAt') ?? seconds(d, 'until'),
};

/**
 * The fields of each event's data. An accepted event carries exactly these (and nothing a newer
 * writer added), so what a reader sees always has the declared shape.
 */
const dataFields: Record<Subject, readonly string[]> = {
  [Subjects.SessionRevoked]: ['sid', 'sub', 'reason', 'revokedAt', 'until'],
  [Subjects.UserBanned]: ['sub', 'reason', 'belowGeneration', 'until', 'revokedBefore'],
  [Subjects.UserSessionsRevoked]: ['sub', 'reason', 'belowGeneration', 'until', 'revokedBefore'],
  [Subjects.UserUnbanned]: ['sub'],
  [Subjects.UserCreated]: ['sub', 'email', 'roles'],
  [Subjects.KeySetUpdated]: ['issuedAt', 'keys', 'withdrawn'],
  [Subjects.ServiceRevoked]: ['service', 'credential', 'reason', 'revokedAt', 'until'],
};

/** Most keys and withdrawn kids a key set may list (a set of RSA keys then still fits `MAX_EVENT_BYTES`). */
export const MAX_KEY_SET_KEYS = 12;
export const MAX_WITHDRAWN_KIDS = 64;

/**
 * Decode and validate one message of the `AUTH` stream. `subject` is the NATS subject it came on;
 * it must match the envelope's. Throws `EventInvalidError` saying what is wrong; never anything else.
 */
export function parseEvent(subject: string, payload: Uint8Array): AnyEventEnvelope {
  if (payload.byteLength > MAX_EVENT_BYTES) throw new EventInvalidError(`Event larger than ${MAX_EVENT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    throw new EventInvalidError('Event is not JSON', { cause: err });
  }
  return validateEnvelope(subject, value);
}

/** Validate an already-decoded envelope (see `parseEvent`); returns a copy with only the declared fields. */
export function validateEnvelope(subject: string, value: unknown): AnyEventEnvelope {
  if (!isRecord(value)) throw new EventInvalidError('Event is not an object');
  if (typeof value.id !== 'string' || !UUID.test(value.id)) throw new EventInvalidError('Event id is not a UUID');
  if (!isSubject(value.subject)) throw new EventInvalidError('Event subject is unknown');
  if (value.subject !== subject) throw new EventInvalidError(`Event subject ${value.subject} arrived on ${subject}`);
  if (value.version !== EVENT_VERSION)
    // Not String(version): an object with a `toString` that is no function makes it throw a TypeError.
    throw new EventInvalidError(`Event version ${JSON.stringify(value.version)} is not supported`);
  const occurred = isoDate(value, 'occurredAt');
  if (occurred) throw new EventInvalidError(occurred);
  if (!isRecord(value.data)) throw new EventInvalidError('Event data is not an object');
  const problem = dataChecks[value.subject](value.data);
  if (problem) throw new EventInvalidError(`${value.subject}: ${problem}`);
  const envelope = {
    id: value.id,
    subject: value.subject,
    version: EVENT_VERSION,
    occurredAt: value.occurredAt,
    data: declared(value.subject, value.data),
  };
  return envelope as unknown as AnyEventEnvelope;
}

function cutOff(d: Data): string | undefined {
  // `revokedBefore` is written for readers of 0.1 only: optional here, but never of another type.
  const revokedBefore = d.revokedBefore === undefined ? undefined : seconds(d, 'revokedBefore');
  return text(d, 'sub') ?? text(d, 'reason') ?? whole(d, 'belowGeneration') ?? seconds(d, 'until') ?? revokedBefore;
}

/** Only the declared fields of `data`, in a fresh object. */
function declared(subject: Subject, d: Data): Data {
  const out: Data = {};
  for (const key of dataFields[subject]) if (d[key] !== undefined) out[key] = d[key];
  return out;
}

function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(d: Data, key: string): string | undefined {
  const v = d[key];
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING
    ? undefined
    : `${key} must be a non-empty string`;
}

function whole(d: Data, key: string): string | undefined {
  const v = d[key];
  return Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `${key} must be a whole number, 0 or more`;
}

function seconds(d: Data, key: string): string | undefined {
  const v = d[key];
  return Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : `${key} must be whole seconds since the epoch`;
}

function isoDate(d: Data, key: string): string | undefined {
  const v = d[key];
  // A pattern, not Date.parse: replaying a stream checks two dates per event, and the pattern is
  // stricter (Date.parse accepts "yesterday"-like strings in some forms).
  return typeof v === 'string' && ISO_DATE_TIME.test(v) ? undefined : `${key} must be an ISO 8601 date-time`;
}

function roles(d: Data): string | undefined {
  const v = d.roles;
  return Array.isArray(v) && v.length <= 32 && v.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 64)
    ? undefined
    : 'roles must be an array of strings';
}

/** The shape only: each key is checked as a key (curve, size, alg) when a ring applies the set. */
function jwkList(d: Data): string | undefined {
  const v = d.keys;
  return Array.isArray(v) &&
    v.length <= MAX_KEY_SET_KEYS &&
    v.every((k) => isRecord(k) && typeof k.kid === 'string' && (k.kty === 'EC' || k.kty === 'RSA'))
    ? undefined
    : `keys must be an array of at most ${MAX_KEY_SET_KEYS} EC or RSA JWKs with a kid`;
}

function kidList(d: Data, key: string): string | undefined {
  const v = d[key];
  return Array.isArray(v) &&
    v.length <= MAX_WITHDRAWN_KIDS &&
    v.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 64)
    ? undefined
    : `${key} must be an array of at most ${MAX_WITHDRAWN_KIDS} kids`;
}
