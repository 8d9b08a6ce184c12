import { Subjects, type AnyEventEnvelope, type SessionRevokedEvent, type UserCreatedEvent } from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';
import { latestUntil } from '../../src/accounts/revocation-times';

describe('latestUntil', () => {
  const at = new Date('2027-01-01T00:00:00Z');
  const revoked = (sid: string, until: number): AnyEventEnvelope =>
    createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, {
      sid,
      sub: 'u',
      reason: 'signout',
      revokedAt: at.toISOString(),
      until,
    });

  it('is the latest until among the events, the one the fence must cover', () => {
    expect(latestUntil([revoked('a', 100), revoked('b', 300), revoked('c', 200)])).toBe(300);
  });

  it('is undefined when no event revokes anything', () => {
    const created = createEnvelope<UserCreatedEvent>(Subjects.UserCreated, {
      sub: 'u',
      email: 'u@example.com',
      roles: ['user'],
    });
    expect(latestUntil([])).toBeUndefined();
    expect(latestUntil([created])).toBeUndefined();
  });
});
