/** The subjects of the `AUTH` stream. Only the auth service may publish on them. */
export const Subjects = {
  SessionRevoked: 'auth.session.revoked',
  UserBanned: 'auth.user.banned',
  UserSessionsRevoked: 'auth.user.sessions-revoked',
  UserUnbanned: 'auth.user.unbanned',
  UserCreated: 'auth.user.created',
  KeySetUpdated: 'auth.keys.updated',
  ServiceRevoked: 'auth.service.revoked',
} as const;

/** One of the `AUTH` stream's subjects. */
export type Subject = (typeof Subjects)[keyof typeof Subjects];

/** The stream that holds every auth event. */
export const AUTH_STREAM = 'AUTH';

/** Every subject the auth service publishes on: the events and its heartbeat (the live subscription). */
export const AUTH_SUBJECTS = 'auth.>';

/**
 * What the `AUTH` stream stores: the events (`auth.session.*`, `auth.user.*`, `auth.keys.*`), not
 * the heartbeat (`auth.heartbeat`, core NATS only). Streams created with `auth.>` are updated to
 * these. Every subject of `Subjects` falls under one of them (a test checks it).
 */
export const AUTH_STREAM_SUBJECTS: readonly string[] = [
  'auth.session.>',
  'auth.user.>',
  'auth.keys.>',
  'auth.service.>',
];

/**
 * Where the `AUTH` stream republishes each event once it is stored (`auth.session.revoked` becomes
 * `auth.live.session.revoked`), with its stream sequence in the `Nats-Sequence` header: the feed's
 * live subscription, which can then tell a lost message from a quiet stream without a consumer.
 * Under `auth.>` (every account import and permission that lets a service read auth's events
 * covers it) but outside the stream's subjects (the stream does not store it again).
 */
export const AUTH_LIVE_SUBJECTS = 'auth.live.>';

/** Every event has this envelope version; a reader refuses versions it does not know. */
export const EVENT_VERSION = 1;

const ALL: ReadonlySet<string> = new Set(Object.values(Subjects));

export function isSubject(value: unknown): value is Subject {
  return typeof value === 'string' && ALL.has(value);
}
