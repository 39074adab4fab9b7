// Pact consumer tests of the reference client (contracts/pact/consumer.ts): each case drives the real client against
// Pact's mock server on 127.0.0.1 and writes its interactions to pacts/ (git-ignored). The pact file is then
// compared with contracts/openapi.yaml, so a pact that asks for something the contract does not allow fails here,
// before any provider sees it.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONSUMER_CASES, pactFile, runCase } from '../contracts/pact/consumer.js';
import { checkPactsAgainstSpec } from '../contracts/pact/openapi-check.js';

const PACT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'pacts');
const scratch = mkdtempSync(join(tmpdir(), 'ff-pact-spec-'));

before(() => {
  // Start from an empty file: pact-js merges into what is there, and a removed case must not linger.
  rmSync(pactFile(PACT_DIR), { force: true });
});

after(() => rmSync(scratch, { recursive: true, force: true }));

for (const consumerCase of CONSUMER_CASES) {
  test(`the client ${consumerCase.name}`, async () => {
    await runCase(consumerCase, PACT_DIR);
  });
}

test('the pact holds every interaction once, and contracts/openapi.yaml allows each of them', async () => {
  const file = pactFile(PACT_DIR);
  const pact = JSON.parse(readFileSync(file, 'utf8')) as {
    metadata: { pactSpecification: { version: string } };
    interactions: { description: string; request: { path: string } }[];
  };
  assert.equal(pact.metadata.pactSpecification.version, '4.0');
  const descriptions = pact.interactions.map((i) => i.description);
  assert.equal(new Set(descriptions).size, descriptions.length, 'no duplicate interactions');
  assert.equal(descriptions.length, 17);
  const paths = new Set(
    pact.interactions.map((i) => i.request.path.replace(/\/orders\/[^/]+/, '/orders/{id}')),
  );
  for (const path of [
    '/v1/oauth2/token',
    '/v1/tokenize',
    '/v1/evaluate',
    '/v1/transmit',
    '/v1/capture',
    '/v1/orders',
    '/v1/orders/{id}',
    '/v1/orders/{id}/refund',
    '/v1/orders/{id}/cancel',
    '/v1/orders/{id}/external-cancel',
    '/v1/outcome',
  ]) {
    assert.ok(paths.has(path), `the client's pact covers ${path}`);
  }

  const findings = await checkPactsAgainstSpec([file]);
  assert.deepEqual(
    findings.filter((f) => f.type === 'error'),
    [],
  );
});

test('a pact asking for what contracts/openapi.yaml does not allow is caught before any provider sees it', async () => {
  const file = join(scratch, 'bad-consumer-flexfactor.json');
  const json = (content: unknown) => ({ content, contentType: 'application/json', encoded: false });
  const interaction = (description: string, request: object, response: object) => ({
    type: 'Synchronous/HTTP',
    description,
    request: { headers: { Authorization: ['Bearer x'] }, ...request },
    response,
  });
  writeFileSync(
    file,
    JSON.stringify({
      consumer: { name: 'bad-consumer' },
      provider: { name: 'flexfactor' },
      metadata: { pactSpecification: { version: '4.0' } },
      interactions: [
        interaction(
          'a void that does not exist',
          { method: 'POST', path: '/v1/orders/o-1/void' },
          { status: 200 },
        ),
        interaction(
          'an order in a status the API never sends',
          { method: 'GET', path: '/v1/orders/o-1' },
          { status: 200, body: json({ statusName: 'FINISHED' }) },
        ),
        interaction(
          'a capture with the amount as a string',
          {
            method: 'POST',
            path: '/v1/capture',
            headers: { Authorization: ['Bearer x'], 'Content-Type': ['application/json'] },
            body: json({
              idempotencyKey: 'k',
              orderId: 'e97b1ff1-4449-46da-bc6c-a76d23f16353',
              amount: '15.00',
              currency: 'USD',
            }),
          },
          { status: 200, body: json({ status: 'SUCCESS' }) },
        ),
      ],
    }),
  );
  const errors = (await checkPactsAgainstSpec([file])).filter((f) => f.type === 'error');
  assert.deepEqual(
    errors.map((f) => [f.interaction, f.code]),
    [
      ['a void that does not exist', 'request.path-or-method.unknown'],
      ['an order in a status the API never sends', 'response.body.incompatible'],
      ['a capture with the amount as a string', 'request.body.incompatible'],
    ],
  );
  assert.match(errors[1]?.location ?? '', /response\.body\.statusName$/);
});
