// No answer carries card data: not an error's field names (a client's key is written as a JSON key, which string
// redaction never reaches), not what an answer echoes back (tokenize's names, an order's fields, partner records),
// and the strict profile refuses card data in every part of every request. Against real socket servers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { answerText, cardNumbersIn, evaluateBody, guid, tokenizeBody } from './helpers.js';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
/** Anything of these in an answer is a leak. */
const FORBIDDEN = [
  '4111111111111111',
  '4111-1111-1111-1111',
  '4111 1111 1111 1111',
  '5555555555554444',
  'cvv 739',
];

function leaks(text: string): string[] {
  return FORBIDDEN.filter((f) => text.includes(f));
}

interface Answer {
  status: number;
  code: string | null;
  text: string;
  json: Record<string, unknown>;
  /** Status, headers and body in one text: what must hold no card number. */
  whole: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    code: res.headers.get('x-mock-error-code'),
    text,
    json: JSON.parse(text),
    whole: answerText(res, text),
  };
}

/** A body with `raw` JSON text in place of the string `"@"`: numbers JSON.stringify would write otherwise. */
function withRaw(body: unknown, raw: string): string {
  return JSON.stringify(body).replace('"@"', raw);
}

function jsonPost(token: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

describe('strict profile: card data is refused without being echoed', { timeout: 60_000 }, () => {
  let mock: MockServer;
  let token: string;
  before(async () => {
    mock = await startMock({ clock: { frozen: true }, logger: silent });
    token = await mock.token();
  });
  after(() => mock.close());

  test('400041 redacts the field it names in errors as in detail: body keys, query names, header names', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const evaluateWithPayerKey = (key: string) =>
      call(
        `${mock.baseUrl}/evaluate`,
        jsonPost(token, evaluateBody({ payer: { email: 'a@b.c', [key]: 'x' } })),
      );
    const cases: [string, Promise<Answer>, string][] = [
      ['payer key', evaluateWithPayerKey('4111111111111111'), 'payer.411111******1111'],
      ['dashed payer key', evaluateWithPayerKey('4111-1111-1111-1111'), 'payer.411111******1111'],
      ['CVV payer key', evaluateWithPayerKey('cvv 739'), 'payer.cvv [redacted]'],
      [
        'evaluate query name',
        call(`${mock.baseUrl}/evaluate?4111111111111111=1`, jsonPost(token, evaluateBody())),
        '411111******1111',
      ],
      [
        'orders query name',
        call(`${mock.baseUrl}/orders?4111111111111111=1`, { headers: auth }),
        '411111******1111',
      ],
      [
        'orders header name',
        call(`${mock.baseUrl}/orders`, { headers: { ...auth, 'x-4111111111111111': '1' } }),
        'header x-411111******1111',
      ],
    ];
    for (const [label, pending, field] of cases) {
      const answer = await pending;
      assert.equal(answer.status, 400, `${label}: ${answer.text}`);
      assert.equal(answer.json.code, '400041', label);
      assert.deepEqual(Object.keys(answer.json.errors as object), [field], label);
      assert.ok(String(answer.json.detail).includes(field), `${label}: ${answer.json.detail}`);
      assert.deepEqual(leaks(answer.text), [], label);
    }
  });

  test('query strings, headers and path parameters are checked on every operation, not only evaluate', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, Promise<Answer>, string][] = [
      ['list query', call(`${mock.baseUrl}/orders?note=4111111111111111`, { headers: auth }), 'note'],
      [
        'list header',
        call(`${mock.baseUrl}/orders`, { headers: { ...auth, 'x-note': '4111 1111 1111 1111' } }),
        'header x-note',
      ],
      [
        'list CVV header',
        call(`${mock.baseUrl}/orders`, { headers: { ...auth, 'x-cvv': '739' } }),
        'header x-cvv',
      ],
      ['order path', call(`${mock.baseUrl}/orders/4111111111111111`, { headers: auth }), 'path parameter id'],
      [
        'capture header',
        call(
          `${mock.baseUrl}/capture`,
          jsonPost(
            token,
            { idempotencyKey: guid(), orderId: guid(), amount: 100, currency: 'USD' },
            { 'x-note': 'cvv 739' },
          ),
        ),
        'header x-note',
      ],
      [
        'tokenize query',
        call(
          `${mock.baseUrl}/tokenize?note=5555555555554444`,
          jsonPost(token, tokenizeBody(TEST_CARDS.approved)),
        ),
        'note',
      ],
    ];
    for (const [label, pending, field] of cases) {
      const answer = await pending;
      assert.equal(answer.status, 400, `${label}: ${answer.text}`);
      assert.equal(answer.code, '400041', `${label}: ${answer.text}`);
      assert.deepEqual(Object.keys(answer.json.errors as object), [field], label);
      assert.deepEqual(leaks(answer.text), [], label);
    }
    const plain = await call(`${mock.baseUrl}/orders?pageSize=5`, {
      headers: { ...auth, 'x-note': 'hello 42' },
    });
    assert.equal(plain.status, 200, plain.text);
  });

  test('ids that tracing, proxies and caches put in headers are not card data, however their digits fall', async () => {
    const auth = { authorization: `Bearer ${token}` };
    // Luhn-valid runs that start like a card (4, 5): what a random decimal id is about one time in ten.
    const ids = { decimal: '4000000000000000006', sixteen: '5555555555554444' };
    const headers = {
      'x-datadog-trace-id': ids.decimal,
      'x-datadog-parent-id': ids.sixteen,
      'x-request-id': ids.sixteen,
      'x-correlation-id': ids.decimal,
      'if-none-match': `W/"${ids.sixteen}"`,
      'x-request-start': `t=${ids.sixteen}`,
      'x-cid': '42',
    };
    for (const [name, value] of Object.entries(headers)) {
      const answer = await call(`${mock.baseUrl}/orders?pageSize=1`, { headers: { ...auth, [name]: value } });
      assert.equal(answer.status, 200, `${name}: ${answer.text}`);
    }
    // Luhn-valid as a whole, but starting with 1 as no card does but UATP's 15-digit ones: a ms timestamp, and
    // longer ids without a card number inside.
    for (const id of ['1796238278552', '1796238278552122', '1733150000000123458']) {
      const answer = await call(`${mock.baseUrl}/orders?pageSize=1`, { headers: { ...auth, 'x-note': id } });
      assert.equal(answer.status, 200, `${id}: ${answer.text}`);
    }
    // Headers that carry the application's own data alongside trace ids are checked.
    for (const name of ['baggage', 'tracestate']) {
      const answer = await call(`${mock.baseUrl}/orders?pageSize=1`, {
        headers: { ...auth, [name]: `pan=${ids.sixteen}` },
      });
      assert.equal(answer.code, '400041', `${name}: ${answer.text}`);
    }
    // Any other header is still checked, and a card number after a 1 (or more digits) is a card number.
    for (const value of [
      ids.sixteen,
      `1${ids.sixteen}`,
      `11${ids.sixteen}`,
      `1${ids.sixteen}00`,
      '1378282246310005',
    ]) {
      const refused = await call(`${mock.baseUrl}/orders?pageSize=1`, {
        headers: { ...auth, 'x-note': value },
      });
      assert.equal(refused.code, '400041', `${value}: ${refused.text}`);
    }
  });

  test('a card number written as a JSON float, a negative, an exponent or past 2^53 is refused too', async () => {
    const send = (raw: string) =>
      call(`${mock.baseUrl}/evaluate`, {
        ...jsonPost(token, {}),
        body: withRaw(evaluateBody({ payer: { email: 'a@b.c', note: '@' } }), raw),
      });
    // JSON.parse reads these as a float, a negative number, or (past 2^53) a number whose last digits are lost.
    for (const raw of [
      '4111111111111111.5',
      '-4111111111111111',
      '4.111111111111111e15',
      '-4.1111111111111115e15',
      '4111111111111111111',
      '6011000990139424123',
    ]) {
      const answer = await send(raw);
      assert.equal(answer.code, '400041', `${raw}: ${answer.text}`);
      assert.deepEqual(Object.keys(answer.json.errors as object), ['payer.note'], raw);
      assert.deepEqual(cardNumbersIn(answer.whole), [], raw);
    }
    // Numbers that are no card number: amounts, Luhn-valid millisecond and nanosecond timestamps (they start with 1).
    for (const raw of [
      '19.99',
      '-1796238278552',
      '1796238278552.5',
      '1733150000000123458',
      '9007199254740993',
    ]) {
      const answer = await send(raw);
      assert.equal(answer.status, 200, `${raw}: ${answer.text}`);
    }
  });

  test('only an onboarding application’s bank account object may hold an account number shaped like a card', async () => {
    const token = await mock.token();
    for (const payer of [
      { email: 'a@b.c', bankaccountX: { note: '5555555555554444' } },
      { email: 'a@b.c', bankAccountInformation: { accountNumber: '5555555555554444' } },
    ]) {
      const answer = await call(`${mock.baseUrl}/evaluate`, jsonPost(token, evaluateBody({ payer })));
      assert.equal(answer.code, '400041', answer.text);
    }
  });

  test('a multipart boundary is the HTTP library’s random text, not card data', async () => {
    const partner = await mock.token(DEFAULT_PARTNER);
    const created = await call(
      `${mock.baseUrl}/onboarding/application`,
      jsonPost(partner, { LegalEntityName: 'Acme LLC', Dba: 'Acme' }),
    );
    assert.equal(created.status, 200, created.text);
    // A Luhn-valid 16-digit run, as curl's hex boundaries sometimes are.
    const boundary = '------------------------4111111111111111';
    const part = (headers: string, content: string) => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
    const body =
      part('Content-Disposition: form-data; name="documentType"', 'ID') +
      part(
        'Content-Disposition: form-data; name="document"; filename="id.pdf"\r\nContent-Type: application/pdf',
        '%PDF-1.4 test',
      ) +
      `--${boundary}--\r\n`;
    const up = await call(`${mock.baseUrl}/onboarding/application/${created.json.id}/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${partner}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
    });
    assert.equal(up.status, 200, up.text);
  });
});

describe('lenient profile: no answer carries card data', { timeout: 60_000 }, () => {
  let mock: MockServer;
  let token: string;
  before(async () => {
    mock = await startMock({ profile: 'lenient', clock: { frozen: true }, logger: silent });
    token = await mock.token();
  });
  after(() => mock.close());

  test('a limit error names the client’s key: redacted in the flat ModelState and the problem body', async () => {
    // 1e999 parses to Infinity: the JSON limits name the field that holds it, key and all.
    const withKey = (body: Record<string, unknown>, parent: string) =>
      JSON.stringify({ ...body, [parent]: { '4111111111111111': 0 } }).replace(
        '"4111111111111111":0',
        '"4111111111111111":1e999',
      );
    const requests: [string, string, string][] = [
      ['evaluate', `${mock.baseUrl}/evaluate`, withKey(evaluateBody(), 'payer')],
      [
        'capture',
        `${mock.baseUrl}/capture`,
        withKey({ idempotencyKey: guid(), orderId: guid(), amount: 100, currency: 'USD' }, 'extra'),
      ],
      ['tokenize', `${mock.baseUrl}/tokenize`, withKey(tokenizeBody(TEST_CARDS.approved), 'payment_method')],
    ];
    for (const [label, url, raw] of requests) {
      for (const accept of ['application/json', 'application/problem+json']) {
        const answer = await call(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept },
          body: raw,
        });
        assert.equal(answer.status, 400, `${label}: ${answer.text}`);
        assert.equal(answer.code, '400001', label);
        const fields = accept === 'application/json' ? answer.json : (answer.json.errors as object);
        assert.ok(
          Object.keys(fields).some((field) => field.includes('411111******1111')),
          `${label} ${accept}: ${answer.text}`,
        );
        assert.deepEqual(leaks(answer.text), [], `${label} ${accept}`);
      }
    }
  });

  test('tokenize echoes the cardholder names with card data masked', async () => {
    const body = tokenizeBody(TEST_CARDS.approved);
    const card = (body.payment_method as { credit_card: Record<string, unknown> }).credit_card;
    card.first_name = '4111111111111111';
    card.last_name = 'cvv 739';
    const { mid } = mock.credentials;
    const answer = await call(`${mock.baseUrl}/tokenize?mid=${mid}`, jsonPost(token, body));
    assert.equal(answer.status, 200, answer.text);
    const method = (answer.json.transaction as { payment_method: Record<string, unknown> }).payment_method;
    assert.equal(method.first_name, '411111******1111');
    assert.equal(method.last_name, 'cvv [redacted]');
    assert.deepEqual(leaks(answer.text), []);
  });

  test('an order keeps and answers its fields redacted, the merchant orderId in a card-safe form', async () => {
    const orderId = `O-5555555555554444-${guid()}`;
    const evaluated = await call(
      `${mock.baseUrl}/evaluate`,
      jsonPost(
        token,
        evaluateBody({
          orderId,
          senseKey: 'cvv 739',
          correlationId: '4111111111111111',
          transaction: { id: '4111-1111-1111-1111' },
          payer: { email: 'a@b.c', phone: '4111 1111 1111 1111' },
          billingInformation: { firstName: 'cvv 739', addressLine1: '4111111111111111' },
        }),
      ),
    );
    assert.equal(evaluated.status, 200, evaluated.text);
    assert.equal(evaluated.json.senseKey, 'cvv [redacted]');
    assert.deepEqual(leaks(evaluated.text), []);
    const id = evaluated.json.orderSessionKey as string;
    const auth = { authorization: `Bearer ${token}` };
    const refunded = await call(
      `${mock.baseUrl}/orders/${id}/refund`,
      jsonPost(token, {
        amountToRefund: 1,
        refundMessage: 'card 4111111111111111',
        transactionId: 'cvv 739',
      }),
    );
    assert.equal(refunded.status, 200, refunded.text);
    assert.deepEqual(leaks(refunded.text), []);
    const read = await call(`${mock.baseUrl}/orders/${id}`, { headers: auth });
    assert.equal(read.status, 200, read.text);
    // The merchant's orderId is the lookup key: with card data in it, it is kept and echoed in its card-safe form
    // (masked, with a digest that keeps two numbers apart), and the merchant's own id still finds the order.
    assert.match(String(read.json.externalOrderId), /^O-555555\*{9}4-.*~[0-9a-f]{16}$/);
    assert.deepEqual(leaks(read.text), []);
    const cancel = await call(
      `${mock.baseUrl}/orders/${encodeURIComponent(orderId)}/external-cancel`,
      jsonPost(token, { idempotencyKey: guid() }),
    );
    assert.notEqual(cancel.status, 404, cancel.text);
    assert.equal(read.json.phone, '411111******1111');
    assert.equal(read.json.firstName, 'cvv [redacted]');
    assert.equal((read.json.refunds as { message: string }[])[0]?.message, 'card 411111******1111');
    const list = await call(`${mock.baseUrl}/orders?orderId=${orderId}`, { headers: auth });
    assert.equal((list.json.items as unknown[]).length, 1, list.text);
    assert.deepEqual(leaks(list.text), []);
  });

  test('an order keeps its currency redacted; capture compares that form and quotes nothing raw', async () => {
    // A session of its own: the order list holds only this test's orders (an earlier one echoes its orderId).
    const session = { 'x-mock-session': 'currency' };
    const own = await mock.token(undefined, 'currency');
    const auth = { authorization: `Bearer ${own}`, ...session };
    const authorize = (currency: string) =>
      call(
        `${mock.baseUrl}/evaluate`,
        jsonPost(
          own,
          evaluateBody({
            transactionType: 'Authorization',
            transaction: { currency },
            paymentMethod: { cardNumber: TEST_CARDS.visaAuthorization, token: false },
          }),
          session,
        ),
      );
    const capture = (orderId: unknown, amount: number, currency: string) =>
      call(
        `${mock.baseUrl}/capture`,
        jsonPost(own, { idempotencyKey: guid(), orderId, amount, currency }, session),
      );

    const evaluated = await authorize('4111111111111111');
    assert.equal(evaluated.json.status, 'CAPTUREREQUIRED', evaluated.text);
    assert.deepEqual(cardNumbersIn(evaluated.whole), []);
    const id = evaluated.json.orderSessionKey as string;
    const read = await call(`${mock.baseUrl}/orders/${id}`, { headers: auth });
    assert.equal(read.json.currencyCode, '411111******1111');
    assert.equal(read.json.currencySymbol, '411111******1111');
    assert.deepEqual(cardNumbersIn(read.whole), []);
    const list = await call(`${mock.baseUrl}/orders?pageSize=50`, { headers: auth });
    assert.ok(list.text.includes('411111******1111'), list.text.slice(0, 300));
    assert.deepEqual(cardNumbersIn(list.whole), []);

    // A refusal quotes the request's amount and currency, redacted.
    const refused = await capture(id, 4111111111111111, '5555555555554444');
    assert.equal(refused.json.status, 'FAILED', refused.text);
    assert.match(refused.text, /Capture 411111\*+1111 555555\*+4444 does not match/);
    assert.deepEqual(cardNumbersIn(refused.whole), []);
    // Compared redacted: another card number with the same first six and last four matches just as well, so trying
    // captures cannot confirm which number the order holds.
    const captured = await capture(id, 1500, '4111110000091111');
    assert.equal(captured.json.status, 'SUCCESS', captured.text);

    // A real currency is unchanged, whatever its case.
    const usd = await authorize('usd');
    const usdId = usd.json.orderSessionKey as string;
    assert.equal((await call(`${mock.baseUrl}/orders/${usdId}`, { headers: auth })).json.currencySymbol, '$');
    assert.equal((await capture(usdId, 1500, 'Usd')).json.status, 'SUCCESS');
  });

  test('a secret sent as a currency is redacted as sent, not upper-cased past the case-sensitive rules', async () => {
    const session = { 'x-mock-session': 'secret-currency' };
    const own = await mock.token(undefined, 'secret-currency');
    const auth = { authorization: `Bearer ${own}`, ...session };
    const secrets = [
      DEFAULT_MERCHANT.appSecret,
      'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ];
    for (const secret of secrets) {
      const evaluated = await call(
        `${mock.baseUrl}/evaluate`,
        jsonPost(own, evaluateBody({ transaction: { currency: secret } }), session),
      );
      assert.equal(evaluated.status, 200, evaluated.text);
      const id = evaluated.json.orderSessionKey as string;
      const read = await call(`${mock.baseUrl}/orders/${id}`, { headers: auth });
      assert.equal(read.status, 200, read.text);
      for (const form of [secret, secret.toUpperCase()]) {
        assert.ok(!read.whole.includes(form), `${secret} kept as ${form}: ${read.text.slice(0, 400)}`);
      }
      assert.match(String(read.json.currencyCode), /\[redacted/, secret);
      assert.equal(read.json.currencySymbol, read.json.currencyCode);
    }
  });

  test('a refund refusal quotes the amount asked for redacted', async () => {
    const evaluated = await call(`${mock.baseUrl}/evaluate`, jsonPost(token, evaluateBody()));
    const id = evaluated.json.orderSessionKey as string;
    for (const raw of ['4111111111111111', '4111111111111111.5', '4.111111111111111e15']) {
      const refused = await call(`${mock.baseUrl}/orders/${id}/refund`, {
        ...jsonPost(token, {}),
        body: withRaw({ amountToRefund: '@' }, raw),
      });
      assert.equal(refused.json.responseCode, '2001', `${raw}: ${refused.text}`);
      assert.match(String(refused.json.responseMessage), /Amount to refund \(411111\*+1111\.\d\d\)/);
      assert.deepEqual(cardNumbersIn(refused.whole), [], raw);
    }
  });

  test('the journal masks a card number written as a JSON float, a negative or past 2^53', async () => {
    const session = 'numbers';
    const sessionToken = await mock.token(undefined, session);
    const raws = ['4111111111111111.5', '-5555555555554444', '4111111111111111111'];
    for (const raw of raws) {
      const answer = await call(`${mock.baseUrl}/evaluate`, {
        ...jsonPost(sessionToken, {}, { 'x-mock-session': session }),
        body: withRaw(evaluateBody({ payer: { email: 'a@b.c', note: '@' } }), raw),
      });
      assert.equal(answer.status, 200, `${raw}: ${answer.text}`);
    }
    const res = await fetch(`${mock.url}/__admin/journal`, { headers: { 'x-mock-session': session } });
    const journal = await res.text();
    assert.ok(journal.includes('"note":"411111******1111"'), journal.slice(0, 500));
    assert.ok(journal.includes('"note":"555555******4444"'));
    // Past 2^53 the last digits are gone: masked whatever its Luhn sum, BIN kept.
    assert.ok(journal.includes('"note":"411111*********'));
    assert.deepEqual(cardNumbersIn(answerText(res, journal)), []);
  });

  test('an API key keeps its scopes redacted', async () => {
    const partner = await mock.token(DEFAULT_PARTNER);
    const created = await call(
      `${mock.baseUrl}/api-keys`,
      jsonPost(partner, {
        mid: mock.credentials.mid,
        name: 'scoped',
        type: 'secret',
        scopes: ['charges:read', '4111111111111111', 'cvv 739'],
      }),
    );
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json.scopes, ['charges:read', '411111******1111', 'cvv [redacted]']);
    assert.deepEqual(cardNumbersIn(created.whole), []);
    assert.deepEqual(leaks(created.text), []);
    const read = await call(`${mock.baseUrl}/api-keys/${created.json.id}`, {
      headers: { authorization: `Bearer ${partner}` },
    });
    assert.deepEqual(read.json.scopes, ['charges:read', '411111******1111', 'cvv [redacted]']);
    assert.deepEqual(cardNumbersIn(read.whole), []);
  });

  test('partner records answer their texts redacted: applications, API key names, document descriptions', async () => {
    const partner = await mock.token(DEFAULT_PARTNER);
    const auth = { authorization: `Bearer ${partner}` };
    const created = await call(
      `${mock.baseUrl}/onboarding/application`,
      jsonPost(partner, {
        LegalEntityName: 'Acme LLC',
        Dba: 'Acme 4111111111111111',
        Description: 'cvv 739',
        PrimaryContact: { FirstName: 'Ann', Phone: '5555555555554444' },
      }),
    );
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.description, 'cvv [redacted]');
    assert.deepEqual(leaks(created.text), []);
    const read = await call(`${mock.baseUrl}/onboarding/application/${created.json.id}`, { headers: auth });
    assert.deepEqual(leaks(read.text), []);
    const listed = await call(`${mock.baseUrl}/onboarding/application/list`, { headers: auth });
    assert.deepEqual(leaks(listed.text), []);

    const key = await call(
      `${mock.baseUrl}/api-keys`,
      jsonPost(partner, { mid: mock.credentials.mid, name: 'key cvv 739', type: 'secret' }),
    );
    assert.equal(key.status, 200, key.text);
    assert.equal(key.json.name, 'key cvv [redacted]');
    const keyRead = await call(`${mock.baseUrl}/api-keys/${key.json.id}`, { headers: auth });
    assert.deepEqual(leaks(keyRead.text), []);

    const form = new FormData();
    form.set('documentType', 'ID 5555\t5555\t5555\t4444');
    form.set('description', 'card 4111111111111111');
    form.set('document', new Blob(['%PDF-1.4 test'], { type: 'application/pdf' }), 'cvv 739.pdf');
    // A UTF-8 file name whose card groups are split by no-break spaces (read as Latin-1, each became two characters).
    const second = new FormData();
    second.set('documentType', 'ID');
    second.set(
      'document',
      new Blob(['%PDF-1.4 test'], { type: 'application/pdf' }),
      '4111\u00a01111\u00a01111\u00a01111.pdf',
    );
    const up = await call(`${mock.baseUrl}/onboarding/application/${created.json.id}/documents`, {
      method: 'POST',
      headers: auth,
      body: form,
    });
    assert.equal(up.status, 200, up.text);
    const upSecond = await call(`${mock.baseUrl}/onboarding/application/${created.json.id}/documents`, {
      method: 'POST',
      headers: auth,
      body: second,
    });
    assert.equal(upSecond.status, 200, upSecond.text);
    const docs = await call(`${mock.baseUrl}/onboarding/application/${created.json.id}/documents`, {
      headers: auth,
    });
    const [doc] = docs.json.documents as Record<string, unknown>[];
    assert.equal(doc?.description, 'card 411111******1111');
    assert.equal(doc?.fileName, 'cvv [redacted].pdf');
    assert.equal(doc?.documentType, 'ID 555555******4444');
    assert.equal((docs.json.documents as Record<string, unknown>[])[1]?.fileName, '411111******1111.pdf');
    assert.deepEqual(leaks(docs.text), []);
  });
});
