// Redaction cost per evaluate exchange, run by hand: compares mock/support/redact.ts with another version of the module, in
// one process, interleaved rounds (a busy machine slows both alike). Never part of the tests.
//   git show <commit>:mock/support/redact.ts > /tmp/redact-before.ts
//   node --import tsx bench/redact.ts /tmp/redact-before.ts

import { pathToFileURL } from 'node:url';
import * as current from '../mock/support/redact.js';

type Module = Pick<typeof current, 'redactJson' | 'redactHeaders'>;

const request = {
  orderId: '0bde0000-0000-4000-8000-000000000042',
  idempotencyKey: '1de70000-0000-4000-8000-000000000042',
  isDeclined: true,
  isMIT: false,
  mid: 'd9e2f2a4-1f4e-4c1a-9a52-5c6c1f0b0001',
  transaction: {
    id: 'tx-42',
    amount: 1500,
    currency: 'USD',
    timestampUtc: '2026-06-12T14:30:00Z',
    responseCode: '05',
    responseCodeSource: 'NMI',
    avsResultCode: 'M',
    cvvResultCode: 'M',
    cavvResultCode: 'NA',
  },
  payer: { email: 'bench@example.com' },
  billingInformation: {
    firstName: 'John',
    lastName: 'Doe',
    country: 'United States',
    countryCode: 'US',
    addressLine1: '123 Main St.',
    city: 'San Francisco',
    state: 'CA',
    zipCode: '94111',
  },
  paymentMethod: { cardNumber: 'd3e10716-6aac-4eb8-a74d-c1a3027f1d96', token: true },
};
const response = {
  result: 'APPROVED',
  orderSessionKey: 'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45',
  orderId: 'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45',
  status: 'SUCCESS',
  success: true,
  customProperties: {},
  traceId: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
const headers = {
  host: '127.0.0.1:4848',
  authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc',
  'content-type': 'application/json',
  accept: 'application/json',
  'content-length': '612',
  connection: 'keep-alive',
};

function exchange(m: Module): number {
  return (
    (m.redactJson(request)?.length ?? 0) +
    (m.redactJson(response)?.length ?? 0) +
    Object.keys(m.redactHeaders(headers)).length +
    Object.keys(m.redactHeaders({ 'content-type': 'application/json', 'content-length': '300' })).length
  );
}

function usPerExchange(m: Module, n: number): number {
  const start = performance.now();
  let sink = 0;
  for (let i = 0; i < n; i += 1) sink += exchange(m);
  if (sink === 0) throw new Error('nothing redacted');
  return ((performance.now() - start) * 1000) / n;
}

const other = process.argv[2];
const modules: [string, Module][] = [['current', current]];
if (other) modules.push([other, (await import(pathToFileURL(other).href)) as Module]);
for (const [, m] of modules) usPerExchange(m, 20_000); // warm-up
const results = new Map<string, number[]>(modules.map(([name]) => [name, []]));
for (let round = 0; round < 7; round += 1) {
  for (const [name, m] of modules) results.get(name)?.push(usPerExchange(m, 20_000));
}
for (const [name, runs] of results) {
  const sorted = [...runs].sort((a, b) => a - b);
  console.log(
    `${name}: median ${sorted[3]?.toFixed(2)} µs per evaluate exchange (min ${sorted[0]?.toFixed(2)})`,
  );
}
