import { AUTH_HEARTBEAT_SUBJECT } from '@authbus/common/issuer';
import { AUTH_LIVE_SUBJECTS, AUTH_STREAM_SUBJECTS, Subjects } from '../../src/events/subjects';

/** Whether a NATS subject filter (`*` one token, `>` the rest) matches a subject. */
function matches(filter: string, subject: string): boolean {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

describe('the AUTH stream subjects', () => {
  it.each(Object.values(Subjects))('store %s', (subject) => {
    expect(AUTH_STREAM_SUBJECTS.some((filter) => matches(filter, subject))).toBe(true);
  });

  it('leave the heartbeat out (core NATS only)', () => {
    expect(AUTH_STREAM_SUBJECTS.some((filter) => matches(filter, AUTH_HEARTBEAT_SUBJECT))).toBe(false);
  });

  it('leave the live republish out (it would be stored again), under auth.> (what readers may receive)', () => {
    const live = AUTH_LIVE_SUBJECTS.replace('>', 'session.revoked');
    expect(AUTH_STREAM_SUBJECTS.some((filter) => matches(filter, live))).toBe(false);
    expect(matches('auth.>', live)).toBe(true);
  });
});
