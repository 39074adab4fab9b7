// The request journal: per-session entries, scenario names, an order's timeline, HAR export, the ring's capacity,
// body truncation, and redaction (unit tests of redact() and a scan of everything recorded after real traffic).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, type MerchantAccount } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import type { MockApp } from '../mock/http/app.js';
import type { RequestHooks } from '../mock/http/types.js';
import { Journal, type RequestEntry } from '../mock/journal/journal.js';
import {
  luhnValid,
  maskPan,
  REDACTED,
  REDACTED_TOKEN,
  type RedactOptions,
  redact,
  redactHeaders,
  redactingLogger,
  redactJson,
  redactText,
  redactUrl,
} from '../mock/support/redact.js';
import { evaluateBody, guid, makeApp, T0, tokenFor, tokenizeBody } from './helpers.js';

const SESSION = 'x-mock-session';
type Json = Record<string, unknown>;

function tokenize(
  app: MockApp,
  session: string,
  number: string,
  account: MerchantAccount = DEFAULT_MERCHANT,
) {
  return request(app)
    .post(`/v1/tokenize?mid=${account.mid}&environment=${account.tokenizationKey}`)
    .set(SESSION, session)
    .send(tokenizeBody(number));
}

function post(app: MockApp, session: string, token: string, path: string, body: unknown) {
  return request(app)
    .post(path)
    .set(SESSION, session)
    .set('authorization', `Bearer ${token}`)
    .send(body as object);
}

function get(app: MockApp, session: string, token: string, path: string) {
  return request(app).get(path).set(SESSION, session).set('authorization', `Bearer ${token}`);
}

// ---------------------------------------------------------------------------------------------------------------
// redact()
// ---------------------------------------------------------------------------------------------------------------

describe('redact()', () => {
  test('Luhn and masking helpers', () => {
    assert.equal(luhnValid('4111111111111111'), true);
    assert.equal(luhnValid('4111111111111112'), false);
    assert.equal(maskPan('4111111111111111'), '411111******1111');
    assert.equal(maskPan('51002600235851'), '510026****5851');
    assert.equal(maskPan('12345'), REDACTED);
  });

  test('card-number keys keep at most BIN6 + last4; vault tokens survive', () => {
    const out = redact({
      paymentMethod: { cardNumber: '4111 1111 1111 1111', token: false },
      other: { CardNumber: 4000009900000012, pan: 'not-a-number' },
      tokenized: { cardNumber: 'd3e10716-6aac-4eb8-a74d-c1a3027f1d96', token: true },
      payment_method: { credit_card: { number: '4111111111111112', month: '09' }, number: null },
      cards: [{ number: '4000009900000020' }],
    }) as Json;
    assert.deepEqual(out, {
      paymentMethod: { cardNumber: '411111******1111', token: false },
      other: { CardNumber: '400000******0012', pan: REDACTED },
      tokenized: { cardNumber: 'd3e10716-6aac-4eb8-a74d-c1a3027f1d96', token: true },
      payment_method: { credit_card: { number: '411111******1112', month: '09' }, number: null },
      cards: [{ number: '400000******0020' }],
    });
  });

  test('`number` outside a card object is left alone unless it looks like a PAN', () => {
    assert.deepEqual(redact({ address: { number: '12' }, page: { number: 3 } }), {
      address: { number: '12' },
      page: { number: 3 },
    });
  });

  test('CVV and secret keys are replaced, case-insensitively; null and empty stay visible', () => {
    const out = redact({
      verification_value: '999',
      verificationValue: '123',
      CVV: 999,
      cvc: '1234',
      AppSecret: 'AQAAAAEAACcQmock-sandbox-merchant-secret',
      appsecret: 'x',
      accessToken: 'opaque',
      refresh_token: 'r',
      Authorization: 'Basic abc',
      password: 'hunter2',
      secret: 's',
      subscriberKey: 'k',
      'x-fc-signature': 'sig',
      nested: { deeper: { Password: 'p' } },
      cvv2: null,
      secretEmpty: '',
      AppKey: 'ffmock_pk_sandbox_merchant_0001',
    }) as Json;
    for (const key of [
      'verification_value',
      'verificationValue',
      'CVV',
      'cvc',
      'AppSecret',
      'appsecret',
      'accessToken',
      'refresh_token',
      'Authorization',
      'password',
      'secret',
      'subscriberKey',
      'x-fc-signature',
    ]) {
      assert.equal(out[key], REDACTED, key);
    }
    assert.deepEqual(out.nested, { deeper: { Password: REDACTED } });
    assert.equal(out.cvv2, null);
    assert.equal(out.secretEmpty, '');
    assert.equal(out.AppKey, 'ffmock_pk_sandbox_merchant_0001', 'public app keys are not secrets');
  });

  test('the value of an API key object is replaced; other `value` fields are not', () => {
    assert.deepEqual(
      redact({ id: 'k1', type: 'secret', value: 'sk_test_abcdefghijklmnopqrstuvwx', scopes: [] }),
      {
        id: 'k1',
        type: 'secret',
        value: REDACTED,
        scopes: [],
      },
    );
    assert.deepEqual(redact({ apiKey: { value: 'opaque' } }), { apiKey: REDACTED });
    assert.deepEqual(redact({ keys: [{ name: 'n', value: 'opaque' }] }), {
      keys: [{ name: 'n', value: 'opaque' }],
    });
    assert.deepEqual(redact({ name: 'color', value: 'blue' }), { name: 'color', value: 'blue' });
  });

  test('PAN-shaped strings anywhere are masked; GUIDs, dates and short numbers are not', () => {
    assert.equal(
      redactText('card 4111-1111-1111-1111 declined, then 4000 0099 0000 0012'),
      'card 411111******1111 declined, then 400000******0012',
    );
    assert.equal(redactText('4111111111111112 fails Luhn'), '4111111111111112 fails Luhn');
    for (const kept of [
      '00000000-0000-4000-8000-000000000012',
      '2026-06-01T12:00:00.000Z',
      '3478613',
      '+1 555 0100',
      'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45',
      // Luhn-valid millisecond timestamps: 13 digits starting with 1 are no issuer's card numbers.
      'run-1796235971159',
      'at 1000000000009 ms',
    ]) {
      assert.equal(redactText(kept), kept);
    }
    assert.deepEqual(redact({ note: 'pan 5100260023585 1', n: 4111111111111111, ts: 1780315200000 }), {
      note: 'pan 510026****5851',
      n: '411111******1111',
      ts: 1780315200000,
    });
    assert.deepEqual(redact({ '4111111111111111': true }), { '411111******1111': true });
  });

  test('JWTs, bearer credentials and API-key values in text are replaced', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    assert.equal(redactText(jwt), REDACTED_TOKEN);
    assert.equal(redactText(`token=${jwt};`), `token=${REDACTED_TOKEN};`);
    assert.equal(redactText('Authorization: Bearer abcdef0123456789'), `Authorization: Bearer ${REDACTED}`);
    assert.equal(redactText('key sk_test_4eC39HqLyjWDarjtT1zdp7dc'), 'key [redacted-key]');
    assert.deepEqual(redact({ refresh: jwt }), { refresh: REDACTED_TOKEN });
  });

  test('headers: Authorization keeps its scheme, cookies are dropped, secrets replaced', () => {
    assert.deepEqual(
      redactHeaders({
        Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc',
        cookie: 'a=b',
        'Set-Cookie': ['x=y'],
        'x-fc-signature': 'sig',
        'x-fc-authorization': 'HMAC-SHA512 SignedHeaders=x-fc-nonce;x-fc-date&Signature=abc',
        'x-api-key': 'k',
        'content-type': 'application/json',
        'x-multi': ['a', 'b'],
        empty: undefined,
      }),
      {
        authorization: `Bearer ${REDACTED}`,
        'x-fc-signature': REDACTED,
        'x-fc-authorization': `HMAC-SHA512 ${REDACTED}`,
        'x-api-key': REDACTED,
        'content-type': 'application/json',
        'x-multi': 'a, b',
      },
    );
    assert.deepEqual(redactHeaders({ authorization: 'garbage' }), { authorization: REDACTED });
    assert.deepEqual(redactHeaders(null), {});
  });

  test('URLs lose credentials and secret query values', () => {
    assert.equal(
      redactUrl('https://user:pw@hooks.example/x?token=abc&env=1&environment=tk', ['environment']),
      'https://redacted:redacted@hooks.example/x?token=%5Bredacted%5D&env=1&environment=%5Bredacted%5D',
    );
    assert.equal(redactUrl('not a url 4111111111111111'), 'not a url 411111******1111');
  });

  test('never throws: cycles, depth, exotic values, hostile getters; the input is not modified', () => {
    const cyclic: Json = { a: 1 };
    cyclic.self = cyclic;
    assert.deepEqual(redact(cyclic), { a: 1, self: '[circular]' });
    let deep: Json = { leaf: true };
    for (let i = 0; i < 100; i += 1) deep = { deep };
    assert.match(JSON.stringify(redact(deep)), /\[depth-limit\]/);
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('nope');
      },
    });
    assert.deepEqual(redact(hostile), { boom: '[unreadable]' });
    assert.deepEqual(
      redact({
        when: new Date(T0),
        buf: Buffer.from('4111111111111111'),
        fn: () => 1,
        big: 4111111111111111n,
        map: new Map([['cvv', '999']]),
        set: new Set(['x']),
      }),
      {
        when: T0,
        buf: '[binary 16 bytes]',
        fn: undefined,
        big: '411111******1111',
        map: { cvv: REDACTED },
        set: ['x'],
      },
    );
    const input = { cardNumber: '4111111111111111' };
    redact(input);
    assert.equal(input.cardNumber, '4111111111111111');
    const wide = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(redact(wide, { maxNodes: 10 }), [...wide.slice(0, 9), ...Array(41).fill('[truncated]')]);
  });

  test('redactingLogger masks every line', () => {
    const lines: string[] = [];
    const log = redactingLogger({
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    });
    log.info('card 4111111111111111');
    log.warn('Bearer abcdefghijk');
    log.error('eyJhbGciOiJIUzI1NiJ9.e30.sig');
    assert.deepEqual(lines, ['card 411111******1111', `Bearer ${REDACTED}`, REDACTED_TOKEN]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// redactJson(): the journal's one-pass writer, and the fast paths of redactText / redactHeaders
// ---------------------------------------------------------------------------------------------------------------

const JWT_SAMPLE =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

/** Inputs where a writer of its own could part from JSON.stringify(redact(x)). */
function trickyInputs(): [string, unknown, RedactOptions?][] {
  const cyclic: Json = { a: 1, list: [] };
  cyclic.self = cyclic;
  (cyclic.list as unknown[]).push(cyclic, { back: cyclic });
  let deep: Json = { leaf: '4111111111111111' };
  for (let i = 0; i < 60; i += 1) deep = { deep, i };
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  sparse[6] = '4111111111111111';
  const hostile = Object.defineProperty({ ok: 1 }, 'boom', {
    enumerable: true,
    get() {
      throw new Error('nope');
    },
  });
  const noKeys = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('no keys');
      },
    },
  );
  class Thing {
    cardNumber = '4111111111111111';
    note = 'x';
  }
  const nullProto = Object.assign(Object.create(null) as Json, { pan: '4111111111111111', k: 'v' });
  return [
    [
      'nested cards',
      {
        paymentMethod: {
          cardNumber: '4111 1111 1111 1111',
          card: { number: 4000009900000012, Number: '4111111111111111' },
        },
        cards: [{ number: '4000009900000020' }, { pan: 'd3e10716-6aac-4eb8-a74d-c1a3027f1d96' }],
      },
    ],
    [
      'arrays of PANs',
      [
        '4111111111111111',
        4111111111111111,
        '4111-1111-1111-1111 and 4000 0099 0000 0012',
        [['5100260023585 1', '4111111111111112']],
      ],
    ],
    [
      'JWTs and credentials inside strings',
      {
        note: `token=${JWT_SAMPLE};`,
        whole: JWT_SAMPLE,
        auth: `Bearer ${JWT_SAMPLE}`,
        basic: 'Basic dXNlcjpwYXNzd29yZA==',
        key: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      },
    ],
    [
      'secrets under odd casing',
      {
        APPSECRET: 'x',
        App_Secret: 'y',
        'X-FC-SIGNATURE': 'z',
        Pass_Word: 'p',
        ACCESS_TOKEN: 't',
        cVv: 123,
        verification_VALUE: '999',
        secretEmpty: '',
        Password: null,
        cvc: undefined,
      },
    ],
    ['cycles', cyclic],
    ['very deep objects', deep],
    ['maxDepth', deep, { maxDepth: 5 }],
    ['maxNodes', Array.from({ length: 40 }, (_, i) => ({ i, s: `v${i}` })), { maxNodes: 25 }],
    [
      'extra keys',
      { environment: 'tk_abc', Environment: 'x', number: '12', card: { number: '4111111111111111' } },
      { keys: ['environment', 'number'] },
    ],
    [
      'API key objects',
      {
        apiKeys: [{ value: 'opaque' }],
        k: { type: 'Secret', value: 'v' },
        s: { scopes: [], value: 'v' },
        plain: { name: 'n', value: 'keep' },
      },
    ],
    [
      'sparse arrays, undefined, functions, symbols',
      { sparse, u: undefined, f: () => 1, sym: Symbol('s'), arr: [undefined, () => 1, Symbol('x'), null] },
    ],
    [
      'numbers',
      {
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        negZero: -0,
        big: 4111111111111111n,
        small: 12n,
        ts: 1780315200000,
        huge: 1.5e300,
        e21: 1e21,
      },
    ],
    [
      'dates, binary, errors, sets, maps',
      {
        when: new Date(T0),
        invalid: new Date(Number.NaN),
        buf: Buffer.from('4111111111111111'),
        ab: new ArrayBuffer(8),
        err: new Error('card 4111111111111111'),
        set: new Set(['4111111111111111', 1]),
        map: new Map<unknown, unknown>([
          ['cvv', '999'],
          [4111111111111111, 'k'],
          ['b', 1],
          ['1', 2],
        ]),
      },
    ],
    [
      '__proto__ and toJSON keys',
      JSON.parse(
        '{"__proto__":{"cardNumber":"4111111111111111"},"a":{"__proto__":"x"},"toJSON":"t","o":{"toJSON":1}}',
      ),
    ],
    [
      'keys that need redaction, colliding',
      { '4111111111111111': 1, '4111 1111 1111 1111': 2, other: 3, [`k ${JWT_SAMPLE}`]: 4 },
    ],
    ['integer-like keys', { b: 1, 2: 'two', 1: 'one', '01': 'zero-one', 4294967295: 'big' }],
    [
      'strings JSON escapes',
      {
        quote: 'say "hi"\\',
        control: 'a\nb\tc\u0001',
        lone: 'x\ud800y',
        pair: '😀',
        separator: 'a\u2028b',
        pan: '"4111111111111111"\n',
      },
    ],
    ['hostile getter', hostile],
    ['proxy that cannot list its keys', { p: noKeys, after: 1 }],
    ['class instance, null prototype', { thing: new Thing(), bare: nullProto }],
    ['top-level string', 'card 4111111111111111'],
    ['top-level PAN number', 4111111111111111],
    ['top-level undefined', undefined],
    ['top-level function', () => 1],
    ['top-level null', null],
    ['empty containers', { o: {}, a: [], nested: [[], [{}]] }],
  ];
}

/** Brute force: a Luhn-valid 13–19 digit window starting with 2–6 in any digit chain of the text. */
function survivingPan(text: string): string | null {
  for (const chain of text.match(/\d(?:[ -]?\d)*/g) ?? []) {
    const digits = chain.replace(/[ -]/g, '');
    for (let s = 0; s < digits.length; s += 1) {
      for (let len = 13; len <= 19 && s + len <= digits.length; len += 1) {
        const w = digits.slice(s, s + len);
        if (/^[2-6]/.test(w) && luhnValid(w)) return w;
      }
    }
  }
  return null;
}

describe('redactJson()', () => {
  test('is exactly JSON.stringify(redact(x)) over tricky inputs', () => {
    for (const [name, value, options] of trickyInputs()) {
      assert.equal(redactJson(value, options), JSON.stringify(redact(value, options)), name);
    }
    // Spot checks that the table really exercised the rules.
    assert.equal(redactJson({ cardNumber: '4111111111111111' }), '{"cardNumber":"411111******1111"}');
    assert.equal(redactJson([4111111111111111, undefined]), '["411111******1111",null]');
    assert.equal(redactJson(undefined), undefined);
  });

  test('a getter that redacts during the walk does not disturb the walk', () => {
    const inner = { password: 'p', note: 'x' };
    const outer = {
      first: '4111111111111111',
      get nested() {
        return redactJson(inner);
      },
      last: { cvv: '999' },
    };
    assert.equal(
      redactJson(outer),
      '{"first":"411111******1111","nested":"{\\"password\\":\\"[redacted]\\",\\"note\\":\\"x\\"}","last":{"cvv":"[redacted]"}}',
    );
    assert.equal(redactJson(outer), JSON.stringify(redact(outer)));
  });

  test('redactText: no card-number window survives in generated text, and redacting twice changes nothing', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    // No hex letters: GUID-like and hex ids are exempt on purpose (docs/security.md), tested elsewhere.
    const pieces = [
      ...'0145 9- ',
      '  ',
      ' -',
      ...'gHJy._+/',
      'eyJ',
      '_test_',
      'Bearer ',
      'pk_live_ghijklmn12',
      '4111111111111111',
      '4111 1111 1111 1111',
      '4000-0099-0000-0012',
      '"',
      '\\',
      '\n',
      'é',
      '0123456789',
    ];
    let changed = 0;
    for (let t = 0; t < 4000; t += 1) {
      let text = '';
      if (t % 2 === 0) {
        for (let i = random(25); i >= 0; i -= 1) text += pieces[random(pieces.length)];
      } else {
        for (let i = 10 + random(30); i > 0; i -= 1)
          text += String(random(10)) + ['', '', '', ' ', '-'][random(5)];
        text = `${pieces[random(pieces.length)]}${text}${pieces[random(pieces.length)]}`;
      }
      const out = redactText(text);
      if (out !== text) changed += 1;
      assert.equal(survivingPan(out), null, JSON.stringify(text));
      assert.equal(redactText(out), out, JSON.stringify(text));
    }
    assert.ok(changed > 1000, `the generated text exercised the rules (${changed} changed)`);
  });

  test('headers: names are looked up once, values are still redacted on every call', () => {
    for (let call = 0; call < 3; call += 1) {
      assert.deepEqual(
        redactHeaders({
          Authorization: `Bearer ${JWT_SAMPLE}`,
          AUTHORIZATION: 'Basic abc',
          'X-Note': 'card 4111111111111111',
          'x-api-key': 'k',
          Cookie: 'a=b',
        }),
        {
          authorization: `Basic ${REDACTED}`,
          'x-note': 'card 411111******1111',
          'x-api-key': REDACTED,
        },
        `call ${call}`,
      );
    }
  });

  test('the journal stores each body as exactly JSON.stringify(redact(body))', () => {
    const journal = new Journal();
    const inputs = trickyInputs().filter(([, , options]) => options === undefined);
    for (const [name, body] of inputs) {
      journal.recordExchange({
        session: 's',
        method: 'POST',
        path: '/v1/evaluate',
        query: {},
        operationId: name,
        at: Date.parse(T0),
        durationMs: 1,
        status: 200,
        requestHeaders: { authorization: `Bearer ${JWT_SAMPLE}` },
        requestBody: body,
        responseHeaders: {},
        responseBody: { echo: body },
        scenarios: [],
      });
    }
    const har = journal.toHar('s').log.entries;
    assert.equal(har.length, inputs.length);
    inputs.forEach(([name, body], i) => {
      const entry = har[i] as (typeof har)[number];
      assert.equal(entry._operationId, name);
      // A body JSON leaves out (a function) is stored as null; no body at all has no postData.
      const expected = body === undefined ? undefined : (JSON.stringify(redact(body)) ?? 'null');
      assert.equal(entry.request.postData?.text, expected, name);
      assert.equal(entry.response.content.text, JSON.stringify(redact({ echo: body })), name);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The journal over HTTP
// ---------------------------------------------------------------------------------------------------------------

describe('journal', () => {
  test('records every request of a session with method, path, status, timing, operation and headers', async () => {
    const { app } = makeApp();
    const token = await tokenFor(app, DEFAULT_MERCHANT, 'alpha');
    await post(app, 'alpha', token, '/v1/evaluate', evaluateBody());
    await get(app, 'alpha', token, '/v1/orders?pageSize=5');
    await request(app).get('/v1/orders').set(SESSION, 'beta');
    await request(app).get('/v1/nowhere').set(SESSION, 'beta');

    const alpha = app.mock.journal.entries({ session: 'alpha', kind: 'request' }) as RequestEntry[];
    assert.deepEqual(
      alpha.map((e) => [e.method, e.path, e.status, e.operationId]),
      [
        ['POST', '/v1/oauth2/token', 200, 'createToken'],
        ['POST', '/v1/evaluate', 200, 'evaluate'],
        ['GET', '/v1/orders', 200, 'listOrders'],
      ],
    );
    const evaluate = alpha[1] as RequestEntry;
    assert.equal(evaluate.session, 'alpha');
    assert.equal(evaluate.at, Date.parse(T0));
    assert.equal(evaluate.time, T0);
    assert.ok(evaluate.durationMs >= 0);
    assert.deepEqual(evaluate.scenarios, []);
    assert.equal(evaluate.requestHeaders.authorization, 'Bearer [redacted]');
    assert.match(evaluate.responseHeaders['content-type'] ?? '', /application\/json/);
    assert.equal((evaluate.responseBody as Json).status, 'APPROVED');
    assert.deepEqual(alpha[2]?.query, { pageSize: '5' });

    const beta = app.mock.journal.entries({ session: 'beta' }) as RequestEntry[];
    assert.deepEqual(
      beta.map((e) => [e.path, e.status, e.operationId]),
      [
        ['/v1/orders', 401, 'listOrders'],
        ['/v1/nowhere', 404, null],
      ],
    );
    // Transitions are journaled too, and only in their own session.
    const transitions = app.mock.journal.entries({ session: 'alpha', kind: 'transition' });
    assert.deepEqual(
      transitions.map((t) => t.kind === 'transition' && [t.transition, t.statusName]),
      [['approve', 'COMPLETED']],
    );
    assert.equal(app.mock.journal.entries({ session: 'beta', kind: 'transition' }).length, 0);
    // limit keeps the newest; since/afterSeq filter.
    assert.deepEqual(
      app.mock.journal.entries({ session: 'alpha', limit: 1 }).map((e) => e.kind === 'request' && e.path),
      ['/v1/orders'],
    );
    assert.equal(app.mock.journal.entries({ since: Date.parse(T0) + 1 }).length, 0);
    assert.equal(app.mock.journal.entries({ since: T0 }).length, 6);
    const firstSeq = app.mock.journal.entries()[0]?.seq ?? 0;
    assert.equal(app.mock.journal.entries({ afterSeq: firstSeq }).length, 5);
    // clear(session) drops one session only.
    assert.equal(app.mock.journal.clear('beta'), 2);
    assert.equal(app.mock.journal.entries({ session: 'beta' }).length, 0);
    assert.equal(app.mock.journal.entries({ session: 'alpha' }).length, 4);
    app.mock.journal.clear();
    assert.equal(app.mock.journal.size, 0);
  });

  test('names the scenarios that applied (res.locals.scenarios)', async () => {
    const scenarioHook: RequestHooks = {
      name: 'fake-scenarios',
      onRequest: (req, res) => {
        if (req.get('x-test-scenario')) res.locals.scenarios = [String(req.get('x-test-scenario'))];
      },
    };
    const { app } = makeApp({ hooks: [scenarioHook] });
    await request(app).get('/v1/orders').set('x-test-scenario', 'slow-orders');
    await request(app).get('/v1/orders');
    const entries = app.mock.journal.entries({ kind: 'request' }) as RequestEntry[];
    assert.deepEqual(
      entries.map((e) => e.scenarios),
      [['slow-orders'], []],
    );
    assert.deepEqual(
      app.mock.journal.toHar().log.entries.map((e) => e._scenarios),
      [['slow-orders'], []],
    );
  });

  test("one order's timeline: evaluate → capture → refund with its transitions and webhooks, in order", async () => {
    const { app } = makeApp();
    const s = 'timeline';
    const token = await tokenFor(app, DEFAULT_MERCHANT, s);
    const externalId = `ORDER-${guid()}`;
    const evaluated = await post(
      app,
      s,
      token,
      '/v1/evaluate',
      evaluateBody({
        orderId: externalId,
        paymentMethod: { cardNumber: TEST_CARDS.captureRequired, token: false },
      }),
    );
    assert.equal(evaluated.body.status, 'CAPTUREREQUIRED', evaluated.text);
    const id = evaluated.body.orderSessionKey as string;
    // Another order in the same session must not show up.
    await post(app, s, token, '/v1/evaluate', evaluateBody());
    app.mock.clock.advance(60_000);
    const captured = await post(app, s, token, '/v1/capture', {
      idempotencyKey: guid(),
      orderId: id,
      amount: 1500,
      currency: 'USD',
    });
    assert.equal(captured.status, 200, captured.text);
    app.mock.clock.advance(60_000);
    app.mock.journal.recordWebhook({
      session: s,
      orderId: id,
      event: 'order.completed',
      url: 'https://user:pw@hooks.example/flexfactor?token=abc',
      attempt: 1,
      statusCode: 500,
      durationMs: 12,
      payload: { orderId: id, cardNumber: TEST_CARDS.captureRequired },
      deliveryId: 'delivery-1',
      status: 'pending',
      requestHeaders: { 'content-type': 'application/json', 'x-fc-signature': 'c2lnbmF0dXJl' },
    });
    const refunded = await post(app, s, token, `/v1/orders/${id}/refund`, { amountToRefund: 15 });
    assert.equal(refunded.status, 200, refunded.text);
    await get(app, s, token, `/v1/orders/${id}`);

    const timeline = app.mock.journal.timeline(s, id);
    const steps = timeline.map((e) =>
      e.kind === 'request'
        ? `${e.method} ${e.operationId}`
        : e.kind === 'transition'
          ? e.transition
          : e.event,
    );
    assert.deepEqual(steps, [
      'POST evaluate',
      'requireCapture',
      'POST captureOrder',
      'capture',
      'order.completed',
      'POST refundOrder',
      'refundFully',
      'GET getOrder',
    ]);
    assert.deepEqual(
      timeline.flatMap((e) => (e.kind === 'transition' ? [e.statusName] : [])),
      ['CAPTUREREQUIRED', 'COMPLETED', 'RETURNED'],
    );
    const webhook = timeline.find((e) => e.kind === 'webhook');
    assert.ok(webhook && webhook.kind === 'webhook');
    assert.equal(webhook.url, 'https://redacted:redacted@hooks.example/flexfactor?token=%5Bredacted%5D');
    assert.equal(webhook.statusCode, 500);
    assert.equal(webhook.isResent, false);
    assert.equal(webhook.deliveryId, 'delivery-1');
    assert.equal(webhook.deliveryStatus, 'pending');
    assert.deepEqual(webhook.requestHeaders, {
      'content-type': 'application/json',
      'x-fc-signature': REDACTED,
    });
    assert.deepEqual(webhook.payload, { orderId: id, cardNumber: '400000******0087' });
    // The merchant's own orderId finds the same timeline; another session finds nothing.
    assert.deepEqual(
      app.mock.journal.timeline(s, externalId).map((e) => e.seq),
      timeline.map((e) => e.seq),
    );
    assert.deepEqual(app.mock.journal.timeline('other', id), []);
    const times = timeline.map((e) => e.at);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
  });

  test('HAR export: HAR 1.2 with every required field, JSON-serialisable, one entry per request', async () => {
    const drop: RequestHooks = {
      name: 'drop',
      beforeHandler: (ctx, res) => {
        if (!ctx.req.get('x-test-drop')) return undefined;
        res.socket?.destroy();
        return 'handled';
      },
    };
    const { app } = makeApp({ hooks: [drop] });
    const s = 'har';
    const token = await tokenFor(app, DEFAULT_MERCHANT, s);
    await post(app, s, token, '/v1/evaluate', evaluateBody());
    await get(app, s, token, '/v1/orders?pageSize=2&pageNumber=1');
    await request(app).get('/v1/orders').set(SESSION, 'elsewhere');
    await assert.rejects(get(app, s, token, '/v1/orders').set('x-test-drop', '1'));
    for (
      let i = 0;
      i < 2_000 && app.mock.journal.entries({ session: s, kind: 'request' }).length < 4;
      i += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }

    const har = JSON.parse(JSON.stringify(app.mock.journal.toHar(s)));
    assert.equal(har.log.version, '1.2');
    assert.deepEqual(Object.keys(har.log.creator).sort(), ['name', 'version']);
    assert.equal(har.log.entries.length, 4);
    assert.equal(app.mock.journal.toHar().log.entries.length, 5);
    for (const entry of har.log.entries) {
      for (const field of ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'])
        assert.ok(field in entry, field);
      assert.ok(!Number.isNaN(Date.parse(entry.startedDateTime)));
      for (const field of [
        'method',
        'url',
        'httpVersion',
        'cookies',
        'headers',
        'queryString',
        'headersSize',
        'bodySize',
      ])
        assert.ok(field in entry.request, `request.${field}`);
      for (const field of [
        'status',
        'statusText',
        'httpVersion',
        'cookies',
        'headers',
        'content',
        'redirectURL',
      ])
        assert.ok(field in entry.response, `response.${field}`);
      for (const field of ['size', 'mimeType'])
        assert.ok(field in entry.response.content, `content.${field}`);
      assert.equal(typeof entry.timings.wait, 'number');
      assert.match(entry.request.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\//);
      for (const h of [...entry.request.headers, ...entry.response.headers]) {
        assert.equal(typeof h.name, 'string');
        assert.equal(typeof h.value, 'string');
      }
    }
    const [tokenCall, evaluateCall, list, dropped] = har.log.entries;
    assert.equal(tokenCall.request.method, 'POST');
    assert.equal(JSON.parse(tokenCall.request.postData.text).AppSecret, REDACTED);
    assert.equal(JSON.parse(tokenCall.response.content.text).accessToken, REDACTED);
    assert.equal(evaluateCall.response.status, 200);
    assert.equal(evaluateCall.response.statusText, 'OK');
    assert.equal(evaluateCall.request.postData.mimeType, 'application/json');
    assert.equal(JSON.parse(evaluateCall.response.content.text).status, 'APPROVED');
    assert.match(list.request.url, /\/v1\/orders\?pageSize=2&pageNumber=1$/);
    assert.deepEqual(list.request.queryString, [
      { name: 'pageSize', value: '2' },
      { name: 'pageNumber', value: '1' },
    ]);
    assert.equal(list.request.postData, undefined);
    assert.equal(dropped.response.status, 0);
    assert.match(dropped.response._error, /without a response/);
    const entry = app.mock.journal.entries({ session: s, kind: 'request' })[3] as RequestEntry;
    assert.equal(entry.status, null);
  });

  test('the ring keeps the newest `journalSize` entries', async () => {
    const { app } = makeApp({ journalSize: 50 });
    for (let i = 0; i < 200; i += 1) await request(app).get(`/v1/orders/order-${i}`);
    const entries = app.mock.journal.entries() as RequestEntry[];
    assert.equal(entries.length, 50);
    assert.equal(app.mock.journal.size, 50);
    assert.equal(app.mock.journal.capacity, 50);
    assert.equal(app.mock.journal.recorded, 200);
    assert.deepEqual(
      entries.map((e) => e.path),
      Array.from({ length: 50 }, (_, i) => `/v1/orders/order-${150 + i}`),
    );
    assert.deepEqual(entries[0]?.orderIds, ['order-150']);
    assert.throws(() => new Journal({ capacity: 0 }), RangeError);
  });

  test('bodies over 8 KB are cut with a marker', async () => {
    const { app } = makeApp();
    const big = 'x'.repeat(20_000);
    await request(app).post('/v1/oauth2/token').send({ AppKey: 'k', AppSecret: 's', padding: big });
    const entry = app.mock.journal.entries({ kind: 'request' })[0] as RequestEntry;
    assert.equal(entry.requestBodyTruncated, true);
    assert.equal(entry.responseBodyTruncated, false);
    assert.equal(typeof entry.requestBody, 'string');
    const text = entry.requestBody as string;
    assert.ok(text.length < 8 * 1024 + 100, `kept ${text.length} characters`);
    assert.match(text, /\.\.\.\[truncated: 200\d\d characters\]$/);
    assert.ok(!text.includes('"s"'), 'the secret was redacted before the cut');
    const har = app.mock.journal.toHar();
    assert.match(har.log.entries[0]?.request.postData?.text ?? '', /\[truncated/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The redaction scan: drive every kind of secret through the mock, then search everything it kept or printed.
// ---------------------------------------------------------------------------------------------------------------

describe('redaction scan', () => {
  test('no PAN, CVV, secret, token or key survives in the journal, the HAR export or the logs', async () => {
    const { app, logs } = makeApp({ profile: 'strict' });
    const s = 'scan';
    const secrets: string[] = [
      DEFAULT_MERCHANT.appSecret,
      DEFAULT_PARTNER.appSecret,
      DEFAULT_MERCHANT.tokenizationKey,
      DEFAULT_MERCHANT.subscriberKey,
      DEFAULT_PARTNER.subscriberKey,
    ];
    // Tokens: the bearer and refresh tokens of the merchant and the partner.
    const issued: string[] = [];
    for (const account of [DEFAULT_MERCHANT, DEFAULT_PARTNER]) {
      const res = await request(app)
        .post('/v1/oauth2/token')
        .set(SESSION, s)
        .send({ AppKey: account.appKey, AppSecret: account.appSecret });
      assert.equal(res.status, 200);
      issued.push(res.body.accessToken, res.body.refreshToken);
    }
    const [merchantToken, , partnerToken] = issued as [string, string, string, string];
    // A wrong secret is journaled too (and must be redacted as well).
    await request(app)
      .post('/v1/oauth2/token')
      .set(SESSION, s)
      .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: 'wrong-but-still-secret' });
    secrets.push('wrong-but-still-secret');

    // Every test card, raw and tokenized (CVV 999), and evaluated both ways.
    const cards = Object.values(TEST_CARDS);
    for (const number of cards) {
      const tokenized = await tokenize(app, s, number);
      assert.equal(tokenized.status, 200, tokenized.text);
      const vaultToken = tokenized.body.transaction.payment_method.token as string;
      const viaToken = await post(
        app,
        s,
        merchantToken,
        '/v1/evaluate',
        evaluateBody({ paymentMethod: { cardNumber: vaultToken, token: true } }),
      );
      assert.equal(viaToken.status, 200, viaToken.text);
      const raw = await post(
        app,
        s,
        merchantToken,
        '/v1/evaluate',
        evaluateBody({
          paymentMethod: { cardNumber: number, token: false },
          payer: { phone: '+1 555 0100' },
        }),
      );
      assert.equal(raw.status, 200, raw.text);
    }
    // A card that is not whitelisted (rejected), a spaced PAN in free text, a card number in a query string.
    await tokenize(app, s, '4242424242424242');
    await post(
      app,
      s,
      merchantToken,
      '/v1/evaluate',
      evaluateBody({
        paymentMethod: { cardNumber: '4111 1111 1111 1111', token: false },
        note: 'card 4111 1111 1111 1111',
      }),
    );
    await get(app, s, merchantToken, `/v1/orders?search=${TEST_CARDS.visa}`);
    await get(app, s, merchantToken, `/v1/orders/${TEST_CARDS.approved}`);

    // A partner API key: its value is shown once, in the response.
    const key = await post(app, s, partnerToken, '/v1/api-keys', {
      mid: DEFAULT_MERCHANT.mid,
      name: 'Checkout backend',
      type: 'secret',
      scopes: ['charges:read'],
    });
    assert.equal(key.status, 200, key.text);
    secrets.push(key.body.value);
    // A webhook attempt carrying the subscriber key's signature and a card number (as a dispatcher bug would).
    app.mock.journal.recordWebhook({
      session: s,
      orderId: null,
      event: 'order.completed',
      url: `http://127.0.0.1:9/hook?secret=${DEFAULT_MERCHANT.appSecret}`,
      attempt: 2,
      error: `ECONNREFUSED while sending Bearer ${merchantToken}`,
      isResent: true,
      payload: { subscriberKey: DEFAULT_MERCHANT.subscriberKey, card: TEST_CARDS.visa, cvv: '999' },
    });
    app.mock.log.warn(`a handler printed ${TEST_CARDS.visa} and Bearer ${merchantToken}`);

    const journalText = JSON.stringify(app.mock.journal.entries());
    const harText = JSON.stringify(app.mock.journal.toHar());
    const logText = logs.join('\n');
    assert.ok(app.mock.journal.entries({ session: s }).length > 60, 'the scan saw the traffic');
    assert.ok(logs.length > 0, 'the scan saw log lines');
    const spaced = TEST_CARDS.visa.replace(/(\d{4})(?=\d)/g, '$1 ');
    for (const [where, text] of [
      ['journal', journalText],
      ['HAR', harText],
      ['logs', logText],
    ] as const) {
      for (const number of [...cards, '4242424242424242', spaced]) {
        assert.ok(!text.includes(number), `${where} contains the card number ${number}`);
      }
      assert.ok(!text.includes('"999"'), `${where} contains the CVV`);
      assert.ok(!text.includes('\\"999\\"'), `${where} contains the CVV (in embedded JSON)`);
      for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains a secret`);
      for (const token of issued) assert.ok(!text.includes(token), `${where} contains a token`);
      // No JWT signature part either (a token cut anywhere would still leak its parts).
      for (const token of issued) {
        const parts = token.split('.');
        if (parts.length === 3)
          assert.ok(!text.includes(parts[2] as string), `${where} contains a JWT signature`);
      }
    }
    // What survives: BIN + last four, and the vault tokens.
    assert.match(journalText, /411111\*{6}1111/);
  });
});
