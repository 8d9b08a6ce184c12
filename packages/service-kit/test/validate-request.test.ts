import express from 'express';
import { body, oneOf } from 'express-validator';
import request from 'supertest';
import { createErrorHandler, silentLogger } from '@authbus/common';
import { jsonBody, validateRequest } from '@authbus/service-kit';

describe('validateRequest', () => {
  const app = express();
  app.use(jsonBody());
  app.post(
    '/x',
    body('email').isString().withMessage('Email is required').bail().isEmail().withMessage('Email must be valid'),
    body('price').isFloat({ gt: 0 }).withMessage('Price must be positive').isInt().withMessage('Price must be whole'),
    oneOf([body('a').exists(), body('b').exists()], { message: 'Give a or b' }),
    oneOf([body('c').exists(), body('d').exists()], { message: 'Give c or d' }),
    validateRequest,
    (_req, res) => void res.json({ ok: true }),
  );
  app.use(createErrorHandler(silentLogger));

  it('passes a valid request through', async () => {
    await request(app).post('/x').send({ email: 'a@example.com', price: 2, a: 1, c: 1 }).expect(200, { ok: true });
  });

  it('answers 400 with the first error of each field and every error that names no field', async () => {
    const res = await request(app).post('/x').send({ email: 'nope', price: -1.5 }).expect(400);
    expect(res.body).toEqual({
      errors: [
        { code: 'ERR_VALIDATION', message: 'Email must be valid', field: 'email' },
        { code: 'ERR_VALIDATION', message: 'Price must be positive', field: 'price' },
        { code: 'ERR_VALIDATION', message: 'Give a or b' },
        { code: 'ERR_VALIDATION', message: 'Give c or d' },
      ],
    });
  });
});

describe('jsonBody', () => {
  const app = express();
  app.use(jsonBody());
  app.post('/echo', (req, res) => void res.json({ body: req.body as unknown }));
  app.use(createErrorHandler(silentLogger));

  it('reads a request without a body as an empty object', async () => {
    await request(app).post('/echo').expect(200, { body: {} });
  });

  it('answers 400 for malformed JSON and 413 beyond 16 KiB', async () => {
    const malformed = await request(app)
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"a":')
      .expect(400);
    expect(malformed.body.errors[0]).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    const large = await request(app)
      .post('/echo')
      .send({ text: 'x'.repeat(17 * 1024) })
      .expect(413);
    expect(large.body.errors[0]).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
  });
});
