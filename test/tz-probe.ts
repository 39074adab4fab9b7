// Run by test/time-zones.test.ts in a child process with a TZ of its choosing: reads zone-less date-times through
// the mock (evaluate's expiryDateUtc, GET /v1/orders from/to, the clock's start) and prints what it stored as JSON.

import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { evaluateBody } from './helpers.js';

const app = createApp({ profile: 'lenient', clock: { start: '2026-06-01T12:00:00', frozen: true } });
const token = (
  await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret })
).body.accessToken as string;
const evaluated = await request(app)
  .post('/v1/evaluate')
  .set('authorization', `Bearer ${token}`)
  .send(evaluateBody({ isMIT: true, expiryDateUtc: '2027-01-20T00:00:00' }));
const id = evaluated.body.orderSessionKey as string;
const order = await request(app).get(`/v1/orders/${id}`).set('authorization', `Bearer ${token}`);
const list = (from: string) =>
  request(app)
    .get(`/v1/orders?from=${encodeURIComponent(from)}`)
    .set('authorization', `Bearer ${token}`)
    .then((r) => r.body.totalItemCount as number);
process.stdout.write(
  JSON.stringify({
    tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
    offsetMinutes: new Date('2027-01-20T00:00:00Z').getTimezoneOffset(),
    clock: new Date(app.mock.clock.now()).toISOString(),
    status: evaluated.body.status,
    expiryDate: order.body.expiryDate,
    fromJustBefore: await list('2026-06-01T11:59:59'),
    fromJustAfter: await list('2026-06-01T12:00:01'),
  }),
);
