import express from 'express';
import request from 'supertest';
import { readSessionToken, requestToken } from '@authbus/common';
import { encodeSessionCookieValue, sessionCookie } from '@authbus/common/issuer';

describe('readSessionToken', () => {
  const value = encodeSessionCookieValue('the.jwt.token');

  it('reads { jwt } from the session cookie among others', () => {
    expect(readSessionToken(`session=${value}`)).toBe('the.jwt.token');
    expect(readSessionToken(`a=1; session=${value}; b=2`)).toBe('the.jwt.token');
    expect(readSessionToken(`xsession=zzz; session.sig=abc; session=${value}`)).toBe('the.jwt.token');
  });

  it('returns undefined without a session cookie or without a jwt in it', () => {
    expect(readSessionToken(undefined)).toBeUndefined();
    expect(readSessionToken('other=1')).toBeUndefined();
    expect(readSessionToken('session=')).toBeUndefined();
    expect(readSessionToken(`session=${Buffer.from('{}').toString('base64')}`)).toBeUndefined();
  });

  it.each([
    ['not base64 JSON', 'session=%%%'],
    ['JSON that is not an object', `session=${Buffer.from('42').toString('base64')}`],
    ['a jwt that is not a string', `session=${Buffer.from('{"jwt":1}').toString('base64')}`],
    ['an oversized cookie', `session=${'A'.repeat(5000)}`],
    ['bad percent-encoding', 'session=%E0%A4%A'],
    // cookie-session never writes `%` and reads the value as it is: decoding it here would let one
    // cookie be read as two different tokens by auth (cookie-session) and by every other service.
    ['a percent-encoded value', `session=${encodeURIComponent(value)}`],
    ['any %', `session=${value.slice(0, 4)}%41${value.slice(4)}`],
  ])('throws ERR_COOKIE_MALFORMED for %s', (_name, header) => {
    expect(() => readSessionToken(header)).toThrow(expect.objectContaining({ code: 'ERR_COOKIE_MALFORMED' }));
  });

  it('prefers an Authorization: Bearer token, passes over other schemes, and refuses a malformed Bearer', () => {
    expect(requestToken({ authorization: 'Bearer abc.def.ghi', cookie: `session=${value}` })).toBe('abc.def.ghi');
    expect(requestToken({ authorization: 'bearer  abc.def.ghi ' })).toBe('abc.def.ghi');
    expect(requestToken({ cookie: `session=${value}` })).toBe('the.jwt.token');
    // A staging site's password prompt: the header is the proxy's, the cookie is ours.
    expect(requestToken({ authorization: 'Basic dXNlcjpwYXNz', cookie: `session=${value}` })).toBe('the.jwt.token');
    expect(requestToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(requestToken({ authorization: 'Bearerish x' })).toBeUndefined();
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b']) {
      expect(() => requestToken({ authorization, cookie: `session=${value}` })).toThrow(
        expect.objectContaining({ code: 'ERR_TOKEN_INVALID' }),
      );
    }
  });
});

describe('sessionCookie', () => {
  it('sets an httpOnly, sameSite=lax, secure cookie named session that readSessionToken reads back', async () => {
    const app = express();
    app.set('trust proxy', true);
    app.use(sessionCookie());
    app.get('/', (req, res) => {
      req.session = { jwt: 'a.b.c' };
      res.json({});
    });
    const res = await request(app).get('/').set('X-Forwarded-Proto', 'https');
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(/^session=/);
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
    expect(cookie).toMatch(/secure/i);
    expect(cookie).not.toMatch(/session\.sig/);
    expect(readSessionToken(cookie.split(';')[0])).toBe('a.b.c');
  });

  it('leaves out Secure when disabled for local http', async () => {
    const app = express();
    app.use(sessionCookie({ secure: false }));
    app.get('/', (req, res) => {
      req.session = { jwt: 'a.b.c' };
      res.json({});
    });
    const res = await request(app).get('/');
    expect((res.headers['set-cookie'] as unknown as string[])[0]).not.toMatch(/secure/i);
  });
});
