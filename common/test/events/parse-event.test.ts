import { EventInvalidError, parseEvent, Subjects, type SessionRevokedEvent } from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('parseEvent', () => {
  const revoked = createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
    sid: 's1',
    sub: 'u1',
    reason: 'signout',
    revokedAt: new Date().toISOString(),
    until: 2_000_000_000,
  });

  it('accepts a well-formed envelope on its own subject', () => {
    expect(parseEvent(Subjects.SessionRevoked, bytes(revoked))).toEqual(revoked);
  });

  it('accepts an unknown reason (new reasons must not break old readers)', () => {
    const future = { ...revoked, data: { ...revoked.data, reason: 'risk-engine' } };
    expect(parseEvent(Subjects.SessionRevoked, bytes(future)).data).toMatchObject({ reason: 'risk-engine' });
  });

  it('accepts fields a newer writer added, and hands on only the declared ones', () => {
    const newer = { ...revoked, extra: 1, data: { ...revoked.data, device: 'phone', until: revoked.data.until } };
    expect(parseEvent(Subjects.SessionRevoked, bytes(newer))).toEqual(revoked);
    const unban = createEnvelope(Subjects.UserUnbanned, { sub: 'u1' });
    expect(parseEvent(Subjects.UserUnbanned, bytes({ ...unban, data: { sub: 'u1', until: '' } })).data).toEqual({
      sub: 'u1',
    });
  });

  it('refuses a version that cannot be turned into a string with EventInvalidError, not a TypeError', () => {
    const odd = { ...revoked, version: { toString: false } };
    expect(() => parseEvent(Subjects.SessionRevoked, bytes(odd))).toThrow(EventInvalidError);
  });

  it('reads auth.service.revoked, and refuses one without its credential or until', () => {
    const data = {
      service: 'tickets',
      credential: 'c1',
      reason: 'leaked',
      revokedAt: new Date().toISOString(),
      until: 2_000_000_000,
    };
    const event = createEnvelope(Subjects.ServiceRevoked, data);
    expect(parseEvent(Subjects.ServiceRevoked, bytes(event)).data).toEqual(data);
    const { credential: _credential, ...noCredential } = data;
    expect(() => parseEvent(Subjects.ServiceRevoked, bytes({ ...event, data: noCredential }))).toThrow(/credential/);
    expect(() => parseEvent(Subjects.ServiceRevoked, bytes({ ...event, data: { ...data, until: 'soon' } }))).toThrow(
      /until/,
    );
  });

  it('reads a user cut-off with or without the 0.1 revokedBefore, but refuses a malformed one', () => {
    const cut = createEnvelope(Subjects.UserBanned, {
      sub: 'u1',
      reason: 'spam',
      belowGeneration: 2,
      until: 2_000_000_000,
    });
    expect(parseEvent(Subjects.UserBanned, bytes(cut)).data).toEqual({
      sub: 'u1',
      reason: 'spam',
      belowGeneration: 2,
      until: 2_000_000_000,
    });
    expect(
      parseEvent(Subjects.UserBanned, bytes({ ...cut, data: { ...cut.data, revokedBefore: 5 } })).data,
    ).toMatchObject({ revokedBefore: 5 });
    expect(() => parseEvent(Subjects.UserBanned, bytes({ ...cut, data: { ...cut.data, revokedBefore: 'x' } }))).toThrow(
      /revokedBefore/,
    );
    expect(() =>
      parseEvent(Subjects.UserBanned, bytes({ ...cut, data: { ...cut.data, belowGeneration: -1 } })),
    ).toThrow(/belowGeneration/);
    expect(() =>
      parseEvent(
        Subjects.UserBanned,
        bytes({ ...cut, data: { sub: 'u1', reason: 'spam', revokedBefore: 5, until: 9 } }),
      ),
    ).toThrow(/belowGeneration/);
  });

  it.each<[string, unknown, string]>([
    ['not JSON', '{', 'not JSON'],
    ['an array', [], 'not an object'],
    ['no id', { ...revoked, id: undefined }, 'UUID'],
    ['an unknown subject', { ...revoked, subject: 'auth.user.deleted' }, 'unknown'],
    ['another version', { ...revoked, version: 2 }, 'version'],
    ['a bad date', { ...revoked, occurredAt: 'yesterday' }, 'occurredAt'],
    ['data missing', { ...revoked, data: null }, 'data'],
    ['until as a string', { ...revoked, data: { ...revoked.data, until: '2000000000' } }, 'until'],
    ['an empty sid', { ...revoked, data: { ...revoked.data, sid: '' } }, 'sid'],
  ])('refuses %s', (_name, value, message) => {
    const payload = typeof value === 'string' ? new TextEncoder().encode(value) : bytes(value);
    expect(() => parseEvent(Subjects.SessionRevoked, payload)).toThrow(
      expect.objectContaining({ code: 'ERR_EVENT_INVALID' }),
    );
    expect(() => parseEvent(Subjects.SessionRevoked, payload)).toThrow(new RegExp(message));
  });

  it('reads a key set of public keys and withdrawn kids, and refuses a malformed one', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' };
    const set = createEnvelope(Subjects.KeySetUpdated, { issuedAt: 1, keys: [jwk], withdrawn: ['old'] } as never);
    expect(parseEvent(Subjects.KeySetUpdated, bytes(set)).data).toEqual({
      issuedAt: 1,
      keys: [jwk],
      withdrawn: ['old'],
    });
    const bad = (data: object) => () =>
      parseEvent(Subjects.KeySetUpdated, bytes({ ...set, data: { issuedAt: 1, keys: [], withdrawn: [], ...data } }));
    expect(bad({ issuedAt: -1 })).toThrow(/issuedAt/);
    expect(bad({ keys: [{ kty: 'oct', kid: 'k' }] })).toThrow(/EC or RSA JWKs/);
    expect(bad({ keys: Array.from({ length: 13 }, () => jwk) })).toThrow(/at most 12/);
    expect(bad({ withdrawn: [''] })).toThrow(/withdrawn/);
    expect(bad({ withdrawn: 'k1' })).toThrow(/withdrawn/);
  });

  it('refuses an envelope whose subject differs from the one it arrived on', () => {
    expect(() => parseEvent(Subjects.UserBanned, bytes(revoked))).toThrow(/arrived on auth.user.banned/);
  });

  it('refuses events over 16 KiB without parsing them', () => {
    const huge = { ...revoked, data: { ...revoked.data, padding: 'x'.repeat(20_000) } };
    expect(() => parseEvent(Subjects.SessionRevoked, bytes(huge))).toThrow(/larger than/);
  });
});
