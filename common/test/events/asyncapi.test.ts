import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { generateKeyPairSync } from 'node:crypto';
import { createKeyRing, jwksOf, parseEvent, Subjects, type AnyEventEnvelope } from '@authbus/common';
import { AUTH_HEARTBEAT_SUBJECT, createEnvelope, encodeHeartbeat, type AuthHeartbeat } from '@authbus/common/issuer';
import { parseHeartbeat } from '../../src/events/auth-heartbeat';

const DOCUMENT = readFileSync(join(__dirname, '../../asyncapi.yaml'), 'utf8');

/** One valid envelope of every subject, as the auth service builds them. */
function sampleEnvelopes(): AnyEventEnvelope[] {
  const now = Math.floor(Date.now() / 1000);
  const cut = { sub: 'u1', reason: 'admin', belowGeneration: 2, until: now + 900, revokedBefore: now };
  const ring = createKeyRing({
    keys: [{ kid: 'k1', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }],
  });
  return [
    createEnvelope(Subjects.SessionRevoked, {
      sid: 's1',
      sub: 'u1',
      reason: 'signout',
      revokedAt: new Date().toISOString(),
      until: now + 900,
    }),
    createEnvelope(Subjects.UserBanned, cut),
    createEnvelope(Subjects.UserSessionsRevoked, { ...cut, reason: 'signout-all' }),
    createEnvelope(Subjects.UserUnbanned, { sub: 'u1' }),
    createEnvelope(Subjects.UserCreated, { sub: 'u1', email: 'a@example.com', roles: ['user'] }),
    createEnvelope(Subjects.KeySetUpdated, { issuedAt: Date.now(), keys: jwksOf(ring.keys).keys, withdrawn: ['old'] }),
    createEnvelope(Subjects.ServiceRevoked, {
      service: 'tickets',
      credential: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
      reason: 'compromised',
      revokedAt: new Date().toISOString(),
      until: now + 300,
    }),
  ] as AnyEventEnvelope[];
}

describe('the AsyncAPI document (common/asyncapi.yaml)', () => {
  let validators: Map<string, (value: unknown) => boolean>;

  beforeAll(async () => {
    const { document, diagnostics } = await new Parser().parse(DOCUMENT);
    const errors = diagnostics
      .filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error))
      .map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validators = new Map();
    for (const channel of document!.channels().all()) {
      const [message] = channel.messages().all();
      validators.set(channel.address()!, ajv.compile<unknown>(message!.payload()!.json()));
    }
  });

  it('is a valid AsyncAPI 3 document with one channel per subject of the AUTH stream, and the heartbeat', () => {
    expect([...validators.keys()].sort()).toEqual([...Object.values(Subjects), AUTH_HEARTBEAT_SUBJECT].sort());
  });

  it('accepts every heartbeat auth sends, leaving ones included, and what parseHeartbeat reads of it', () => {
    const beats: AuthHeartbeat[] = [
      { v: 1, instance: 'a', at: Date.now(), stream: { lastSeq: 3, created: 'c' }, unpublishedSince: null },
      { v: 1, instance: 'a', at: Date.now(), stream: null, unpublishedSince: Date.now() - 10, sharedOutbox: true },
      { v: 1, instance: 'a', at: Date.now(), stream: null, unpublishedSince: null, leaving: true },
      { v: 1, instance: 'a', at: Date.now(), stream: null, unpublishedSince: null, silentMemoryMs: 120_000 },
    ];
    const check = validators.get(AUTH_HEARTBEAT_SUBJECT)!;
    for (const beat of beats) {
      const wire = encodeHeartbeat(beat);
      expect(check(JSON.parse(new TextDecoder().decode(wire)))).toBe(true);
      expect(parseHeartbeat(wire)).toEqual(beat);
    }
    expect(check({ ...beats[0], leaving: 'yes' })).toBe(false);
    expect(check({ ...beats[0], silentMemoryMs: 999 })).toBe(false);
    expect(check({ ...beats[0], unpublishedSince: undefined })).toBe(false);
  });

  it('accepts every event the auth side builds, and what parseEvent (the readers) accepts of it', () => {
    for (const envelope of sampleEnvelopes()) {
      const read = parseEvent(envelope.subject, new TextEncoder().encode(JSON.stringify(envelope)));
      expect({ subject: envelope.subject, valid: validators.get(envelope.subject)!(envelope) }).toEqual({
        subject: envelope.subject,
        valid: true,
      });
      expect({ subject: envelope.subject, valid: validators.get(envelope.subject)!(read) }).toEqual({
        subject: envelope.subject,
        valid: true,
      });
    }
  });

  it('refuses what parseEvent refuses: another subject, a missing field, a private key in a key set', () => {
    const [revoked, , , , , keySet] = sampleEnvelopes() as [AnyEventEnvelope, ...AnyEventEnvelope[]];
    const check = (subject: string, value: unknown) => validators.get(subject)!(value);
    expect(check(Subjects.SessionRevoked, { ...revoked, subject: Subjects.UserUnbanned })).toBe(false);
    expect(check(Subjects.SessionRevoked, { ...revoked, data: { sid: 's1' } })).toBe(false);
    expect(check(Subjects.SessionRevoked, { ...revoked, version: 2 })).toBe(false);
    const leaked = {
      ...keySet!,
      data: { ...(keySet!.data as object), keys: [{ ...(keySet!.data as { keys: object[] }).keys[0], d: 'x' }] },
    };
    expect(check(Subjects.KeySetUpdated, leaked)).toBe(false);
  });
});
