// An integrator's own project, in miniature: a tiny client of its own (not ours), consumer pacts written with Pact
// (a happy path, refused credentials, a refused token, an order given a provider state, and an order.completed
// webhook message), then verified with the built CLI against the mock. The provider-state endpoint is exercised in
// the verifiers' convention shape, by raw HTTP and by Pact's Rust verifier (pact-core, the engine behind
// pact_verifier_cli) pointed at a `serve` process. An unreachable --base-url exits 2 with the cause.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import pactCore, { type VerifierOptions } from '@pact-foundation/pact-core';
import { booked } from '../contracts/pact/recorded.js';
import { runCli, startCli, stopCli } from './harness-cli.js';

process.env.PACT_DO_NOT_TRACK = 'true';
// pact-core's default export is the engine's facade (its CommonJS default); the types describe the module instead.
const rustVerifier = pactCore as unknown as { verifyPacts(options: VerifierOptions): Promise<string> };
const { fromProviderState, like, uuid } = MatchersV3;

/** The shop's own FlexFactor client: camelCase keys, as the official sample client sends them. */
class ShopClient {
  #token: string | undefined;
  constructor(
    private readonly base: string,
    private readonly key: string,
    private readonly secret: string,
  ) {}
  async login(): Promise<{ ok: boolean; status: number }> {
    const res = await fetch(`${this.base}/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: this.key, appSecret: this.secret }),
    });
    if (res.ok) this.#token = ((await res.json()) as { accessToken: string }).accessToken;
    return { ok: res.ok, status: res.status };
  }
  useToken(token: string): void {
    this.#token = token;
  }
  async order(id: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.base}/v1/orders/${id}`, {
      headers: { authorization: `Bearer ${this.#token}` },
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }
}

/** The shop's webhook handler: what it reads from an order.completed event. */
function onWebhook(body: unknown): { orderId: string; completed: boolean } {
  const event = body as { Event: string; OrderId: string };
  return { orderId: event.OrderId, completed: event.Event === 'order.completed' };
}

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const ORDER_ID = 'e97b1ff1-4449-46da-bc6c-a76d23f16353';
const scratch = mkdtempSync(join(tmpdir(), 'ff-harness-consumer-'));
const pacts = join(scratch, 'pacts');
const rustPacts = join(scratch, 'rust-pacts');

async function writeShopPacts(): Promise<void> {
  const pact = () =>
    new PactV4({ consumer: 'shop-backend', provider: 'flexfactor', dir: pacts, logLevel: 'warn' });
  await pact()
    .addInteraction()
    .uponReceiving('a token request with the shop credentials')
    .withRequest('POST', '/v1/oauth2/token', (req) =>
      req.jsonBody({ appKey: 'shop-key', appSecret: 'shop-secret' }),
    )
    .willRespondWith(200, (res) => res.jsonBody({ accessToken: like('eyJ.shop.token') }))
    .executeTest(
      booked(async (server) =>
        assert.equal((await new ShopClient(server.url, 'shop-key', 'shop-secret').login()).ok, true),
      ),
    );
  await pact()
    .addInteraction()
    .uponReceiving('a token request with a wrong secret')
    .withRequest('POST', '/v1/oauth2/token', (req) =>
      req.jsonBody({ appKey: 'shop-key', appSecret: 'wrong-secret' }),
    )
    .willRespondWith(400)
    .executeTest(
      booked(async (server) =>
        assert.equal((await new ShopClient(server.url, 'shop-key', 'wrong-secret').login()).status, 400),
      ),
    );
  await pact()
    .addInteraction()
    .uponReceiving('an order request with a token that is not a token')
    .withRequest('GET', `/v1/orders/${ORDER_ID}`, (req) =>
      req.headers({ authorization: 'Bearer not-a-token' }),
    )
    .willRespondWith(401)
    .executeTest(
      booked(async (server) => {
        const client = new ShopClient(server.url, 'k', 's');
        client.useToken('not-a-token');
        assert.equal((await client.order(ORDER_ID)).status, 401);
      }),
    );
  await pact()
    .addInteraction()
    .given('an approved order exists', { amount: 2500 })
    .uponReceiving('an order request for an approved order')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression, not a template.
    .withRequest('GET', fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`), (req) =>
      req.headers({ authorization: like('Bearer eyJ.shop.token') }),
    )
    .willRespondWith(200, (res) => res.jsonBody({ id: uuid(ORDER_ID), statusName: 'COMPLETED' }))
    .executeTest(
      booked(async (server) => {
        const client = new ShopClient(server.url, 'k', 's');
        client.useToken('eyJ.shop.token');
        assert.equal((await client.order(ORDER_ID)).status, 200);
      }),
    );
  await pact()
    .addAsynchronousInteraction()
    .expectsToReceive('an order.completed webhook', (m) =>
      m.withJSONContent({
        Event: 'order.completed',
        OrderId: uuid(ORDER_ID),
        ExternalOrderId: like('ORDER-1'),
        ConfirmationId: like('ABCD1234'),
        IsTestMode: like(true),
      }),
    )
    .executeTest(async (message) => {
      assert.deepEqual(onWebhook(message.contents.content), { orderId: ORDER_ID, completed: true });
    });

  // What a verifier in another language replays: a state-driven interaction, and one without a state (for which
  // the verifiers call the state-change URL with an empty state).
  await new PactV4({ consumer: 'shop-backend-jvm', provider: 'flexfactor', dir: rustPacts, logLevel: 'warn' })
    .addInteraction()
    .uponReceiving('a token request')
    .withRequest('POST', '/v1/oauth2/token', (req) =>
      req.jsonBody({
        AppKey: 'ffmock_pk_sandbox_merchant_0001',
        AppSecret: 'AQAAAAEAACcQmock-sandbox-merchant-secret',
      }),
    )
    .willRespondWith(200, (res) => res.jsonBody({ accessToken: like('eyJ.token') }))
    .executeTest(
      booked(async (server) => {
        const res = await fetch(`${server.url}/v1/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            AppKey: 'ffmock_pk_sandbox_merchant_0001',
            AppSecret: 'AQAAAAEAACcQmock-sandbox-merchant-secret',
          }),
        });
        assert.equal(res.status, 200);
      }),
    );
  await new PactV4({ consumer: 'shop-backend-jvm', provider: 'flexfactor', dir: rustPacts, logLevel: 'warn' })
    .addInteraction()
    .given('a captured order is completed', { amount: 1800 })
    .uponReceiving('an order request for a captured order')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression, not a template.
    .withRequest('GET', fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`))
    .willRespondWith(200, (res) => res.jsonBody({ id: uuid(ORDER_ID), statusName: 'COMPLETED' }))
    .executeTest(
      booked(async (server) => {
        const res = await fetch(`${server.url}/v1/orders/${ORDER_ID}`);
        assert.equal(res.status, 200);
      }),
    );
}

const customPacts = join(scratch, 'custom-pacts');
const statesModule = join(scratch, 'states.mjs');

/** A pact whose state only the shop's own states module knows. */
async function writeCustomStatePact(): Promise<void> {
  writeFileSync(
    statesModule,
    `export default {\n  'no order has this id': async () => ({ orderId: '0b0e6a4c-5d1f-4e8a-9c3b-2f7d6e5a4b3c' }),\n};\n`,
  );
  await new PactV4({
    consumer: 'shop-backend-custom',
    provider: 'flexfactor',
    dir: customPacts,
    logLevel: 'warn',
  })
    .addInteraction()
    .given('no order has this id')
    .uponReceiving('an order request for an id nobody issued')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Pact provider-state expression, not a template.
    .withRequest('GET', fromProviderState('/v1/orders/${orderId}', `/v1/orders/${ORDER_ID}`), (req) =>
      req.headers({ authorization: like('Bearer eyJ.shop.token') }),
    )
    .willRespondWith(404)
    .executeTest(
      booked(async (server) => {
        const client = new ShopClient(server.url, 'k', 's');
        client.useToken('eyJ.shop.token');
        assert.equal((await client.order(ORDER_ID)).status, 404);
      }),
    );
}

describe('the contract harness from an integrator project', { timeout: 180_000 }, () => {
  before(async () => {
    await writeShopPacts();
    await writeCustomStatePact();
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('verify: the shop pacts, negative interactions and the webhook message included, pass against the mock', async () => {
    const json = join(scratch, 'report.json');
    const junit = join(scratch, 'report.xml');
    const r = await runCli(['verify', '--pacts', pacts, '--json', json, '--junit', junit]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok {3}a token request with a wrong secret/);
    assert.match(r.stdout, /ok {3}an order request with a token that is not a token/);
    assert.match(r.stdout, /ok {3}an order.completed webhook \[message\]/);
    assert.match(r.stdout, /OK: 5 of 5 interactions verified/);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      ok: boolean;
      exitCode: number;
      interactions: unknown[];
    };
    assert.equal(report.ok, true);
    assert.equal(report.exitCode, 0);
    assert.equal(report.interactions.length, 5);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuite name="[^"]*shop-backend-flexfactor.json" tests="5" failures="0">/);
  });

  test('verify --states: the shop’s own provider states run next to the built-in ones', async () => {
    const without = await runCli(['verify', '--pacts', customPacts, '--no-spec-check']);
    assert.equal(without.code, 1, without.stdout + without.stderr);
    assert.match(without.stdout, /Provider states with no handler[^\n]*\n {2}- no order has this id/);
    const r = await runCli(['verify', '--pacts', customPacts, '--states', statesModule, '--no-spec-check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /ok {3}an order request for an id nobody issued \(given "no order has this id"\)/);
  });

  test('verify: --provider leaves out other providers’ files; a name no file has is a usage error (exit 2)', async () => {
    const none = await runCli(['verify', '--pacts', pacts, '--provider', 'someone-else']);
    assert.equal(none.code, 2, none.stdout + none.stderr);
    assert.match(
      none.stderr,
      /no pact file matches --provider\/--consumer \(the files are: shop-backend → flexfactor\)/,
    );
    const missing = await runCli(['verify', '--pacts', join(scratch, 'no-such-folder')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Run your consumer \(Pact\) tests first/);
  });

  test('verify: an unreachable --base-url exits 2 with the cause, well before a request would time out', async () => {
    // A port nothing listens on (just freed): the token request is refused at once. The kill after 10 s makes a hang
    // a failure.
    const port = await freePort();
    const r = await runCli(
      [
        'verify',
        '--pacts',
        pacts,
        '--base-url',
        `http://127.0.0.1:${port}/v1`,
        '--app-key',
        'k',
        '--app-secret',
        's',
      ],
      { timeoutMs: 10_000 },
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/v1: ECONNREFUSED`));
  });

  test('POST /__admin/provider-states follows the verifiers’ convention, and Pact’s Rust verifier uses it', async () => {
    const { child, match: url } = await startCli(
      ['serve', '--port', '0'],
      /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    try {
      const change = (body: unknown) =>
        fetch(`${url}/__admin/provider-states`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const setup = await change({
        state: 'a managed MIT order is submitted',
        params: { amount: 1200 },
        action: 'setup',
      });
      assert.equal(setup.status, 200);
      const values = (await setup.json()) as { orderId: string };
      const token = await fetch(`${url}/v1/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          AppKey: 'ffmock_pk_sandbox_merchant_0001',
          AppSecret: 'AQAAAAEAACcQmock-sandbox-merchant-secret',
        }),
      }).then((r) => r.json() as Promise<{ accessToken: string }>);
      const order = await fetch(`${url}/v1/orders/${values.orderId}`, {
        headers: { authorization: `Bearer ${token.accessToken}` },
      }).then((r) => r.json() as Promise<{ statusName: string }>);
      // A managed MIT order FlexFactor is still working on is a DRAFT order (statusName) until it is rescued.
      assert.equal(order.statusName, 'DRAFT');

      const teardown = await change({
        state: 'a managed MIT order is submitted',
        params: {},
        action: 'teardown',
      });
      assert.equal(teardown.status, 200);
      assert.deepEqual(await teardown.json(), {});
      const stateless = await change({ state: '', params: {}, action: 'setup' });
      assert.equal(stateless.status, 200);
      assert.deepEqual(await stateless.json(), {});
      const unknown = await change({ state: 'the moon is full', action: 'setup' });
      assert.equal(unknown.status, 400);
      const problem = (await unknown.json()) as { code: string; detail: string };
      assert.equal(problem.code, '400080');
      assert.match(problem.detail, /Known states: .*"an approved order exists"/);

      await rustVerifier.verifyPacts({
        providerBaseUrl: url,
        pactUrls: [join(rustPacts, 'shop-backend-jvm-flexfactor.json')],
        providerStatesSetupUrl: `${url}/__admin/provider-states`,
        providerStatesSetupTeardown: true,
        providerStatesSetupBody: true,
        customProviderHeaders: [`Authorization: Bearer ${token.accessToken}`],
        logLevel: 'error',
      });
    } finally {
      await stopCli(child);
    }
  });
});
