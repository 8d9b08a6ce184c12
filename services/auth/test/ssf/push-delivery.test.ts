import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@authbus/common/testing';
import { pushSet } from '../../src/ssf/push-delivery';

describe('pushSet (RFC 8935)', () => {
  let server: Server;
  let url = '';
  let answer: { status: number; body?: string; headers?: Record<string, string> } = { status: 202 };
  const seen: { contentType?: string; accept?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          body,
          ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
          ...(req.headers.accept ? { accept: req.headers.accept } : {}),
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        });
        res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const receiver = () => ({ name: 'r', endpoint: url, audience: 'r', authorization: 'Bearer t' });
  const json = (err: string) => ({
    status: 400,
    body: JSON.stringify({ err }),
    headers: { 'content-type': 'application/json' },
  });

  it('POSTs the SET as application/secevent+jwt with the receiver’s authorization; 202 is delivered', async () => {
    answer = { status: 202 };
    expect(await pushSet(receiver(), 'a.b.c', 2000)).toEqual({ kind: 'accepted' });
    expect(seen.at(-1)).toEqual({
      body: 'a.b.c',
      contentType: 'application/secevent+jwt',
      accept: 'application/json',
      authorization: 'Bearer t',
    });
  });

  it('gives up only on 400 invalid_request (or a 400 without a code); retries what a fix on the receiver cures', async () => {
    answer = json('invalid_request');
    expect(await pushSet(receiver(), 'x', 2000)).toMatchObject({ kind: 'rejected', error: 'invalid_request' });
    answer = { status: 400, body: 'nope' };
    expect(await pushSet(receiver(), 'x', 2000)).toMatchObject({ kind: 'rejected' });
    for (const err of ['invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed', 'access_denied']) {
      answer = json(err);
      expect(await pushSet(receiver(), 'x', 2000)).toEqual({ kind: 'retry', reason: `HTTP 400 ${err}` });
    }
    for (const status of [200, 401, 403, 404, 500, 503]) {
      answer = { status };
      expect(await pushSet(receiver(), 'x', 2000)).toEqual({ kind: 'retry', reason: `HTTP ${status}` });
    }
  });

  it('follows no redirect, and retries when nothing answers', async () => {
    answer = { status: 307, headers: { location: 'https://elsewhere.example.com/' } };
    expect(await pushSet(receiver(), 'x', 2000)).toEqual({ kind: 'retry', reason: 'HTTP 307' });
    const closed = { name: 'r', endpoint: `http://127.0.0.1:${await freePort()}/`, audience: 'r' };
    expect(await pushSet(closed, 'x', 2000)).toMatchObject({ kind: 'retry' });
  });
});
