// Card data and secrets never reach a sink, whatever field carries them: the journal, the HAR export, webhook
// deliveries (as kept and as received), admin answers, error messages and log lines. Against a real socket server.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { requestLine } from '../mock/http/request-log.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import type { Exchange } from '../mock/http/types.js';
import {
  cardSafeId,
  hasCardData,
  redact,
  redactHeaders,
  redactingLogger,
  redactPath,
  redactStringsJson,
  redactText,
  redactUrl,
} from '../mock/support/redact.js';
import { evaluateBody, guid } from './helpers.js';

const PANS = ['4242424242424242', '5555555555554444', '4111111111111111'];
/** Anything of these in a sink is a leak. */
const FORBIDDEN = [
  ...PANS,
  'cvv 739',
  '"739"',
  'DOE/JOHN^2512101',
  '2512101000',
  'sk_test_51Habcdefghijklmnop',
  'hunter2-app-secret',
  'my-secret-api-key',
];

/**
 * What attackers split card numbers with: format characters (zero-width space and joiner, soft hyphen, BOM, bidi
 * mark, word joiner), a combining mark, an en dash and an ideographic space; then blank letters (Hangul fillers, the
 * Braille blank), line and paragraph separators, control characters (NUL, line breaks, ESC, DEL, C1 controls), lone
 * surrogate halves, dot-like marks (minus sign, middle dot, tatweel, the half-width voiced mark), the replacement
 * characters and the underscore.
 */
const SPLITTERS = [
  '\u200b',
  '\u200d',
  '\u00ad',
  '\ufeff',
  '\u200e',
  '\u2060',
  '\u0301',
  '\u2013',
  '\u3000',
  '\u3164',
  '\u115f',
  '\u1160',
  '\uffa0',
  '\u2800',
  '\u2028',
  '\u2029',
  '\u0000',
  '\b',
  '\v',
  '\f',
  '\r',
  '\n',
  '\r\n',
  '\u001b',
  '\u007f',
  '\u0080',
  '\u0085',
  '\ud800',
  '\udc00',
  '\u2212',
  '\u00b7',
  '\u0640',
  '\uff9e',
  '\ufffc',
  '\ufffd',
  '_',
];

/** The test PANs in `text` once every splitter above is taken out. */
function pansIn(text: string): string[] {
  const joined = text.replace(
    /[\p{Cf}\p{Mn}\p{Me}\p{Pd}\p{Zs}\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Pc}\u115f\u1160\u3164\uffa0\u2800\ufffc\ufffd\u2212\u00b7\u0640\uff9e]/gu,
    '',
  );
  return PANS.filter((pan) => joined.includes(pan));
}

function leaks(text: string): string[] {
  return FORBIDDEN.filter((f) => text.includes(f));
}

/** A finished GET of `path`, as the request log and the journal get it. */
function exchangeOf(path: string): Exchange {
  return {
    session: 'default',
    method: 'GET',
    path,
    query: {},
    operationId: 'getOrder',
    at: 0,
    durationMs: 1,
    status: 404,
    requestHeaders: {},
    requestBody: undefined,
    responseHeaders: {},
    responseBody: undefined,
    scenarios: [],
  } as Exchange;
}

describe('card data and secrets never reach a sink', { timeout: 60_000 }, () => {
  let mock: MockServer;
  let receiver: Server;
  const received: string[] = [];
  const logs: string[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(`${JSON.stringify(req.headers)}\n${body}`);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const logger = {
      info: (m: string) => logs.push(m),
      warn: (m: string) => logs.push(m),
      error: (m: string) => logs.push(m),
    };
    mock = await startMock({ profile: 'lenient', clock: { frozen: true }, logger });
    const { port } = receiver.address() as AddressInfo;
    mock.webhooks.addReceiver({ mid: mock.credentials.mid, url: `http://127.0.0.1:${port}/hooks` });
  });

  after(async () => {
    await mock.close();
    await new Promise((r) => receiver.close(r));
  });

  async function evaluate(session: string, overrides: Record<string, unknown>, headers = {}) {
    const token = await mock.token(undefined, session);
    return fetch(`${mock.baseUrl}/evaluate?api_key=my-secret-api-key`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-mock-session': session,
        ...headers,
      },
      body: JSON.stringify(evaluateBody(overrides)),
    });
  }

  test('PANs touching other digits, CVVs by header and text, track data and secrets are redacted', async () => {
    const session = 'pci-lenient';
    const res = await evaluate(
      session,
      {
        orderId: 'O-4242424242424242-1',
        payer: { email: 'john@example.com', phone: '+1 5555555555554444' },
        billingInformation: {
          addressLine2: 'cvv 739; %B4111111111111111^DOE/JOHN^25121010000000000000?',
          city: 'AppSecret=hunter2-app-secret',
        },
        transaction: { id: 'sk_test_51Habcdefghijklmnop' },
      },
      { 'x-cvv': '739', 'x-api-key': 'my-secret-api-key' },
    );
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    await mock.webhooks.flush();
    const admin = { 'x-mock-session': session };
    const journal = await (await fetch(`${mock.url}/__admin/journal`, { headers: admin })).text();
    const har = await (await fetch(`${mock.url}/__admin/journal/har`, { headers: admin })).text();
    const deliveries = await (
      await fetch(`${mock.url}/__admin/webhooks/deliveries`, { headers: admin })
    ).text();
    assert.ok(journal.includes('424242******4242'), 'the masked orderId is still recognisable');
    assert.ok(received.length > 0, 'a webhook was delivered');
    assert.ok(deliveries.includes('ExternalOrderId'), 'the delivery list has the payload');
    for (const [sink, text] of [
      ['journal', journal],
      ['HAR', har],
      ['deliveries', deliveries],
      ['received webhooks', received.join('\n')],
      ['logs', logs.join('\n')],
    ] as const) {
      assert.deepEqual(leaks(text), [], `${sink} leaks`);
    }
  });

  test('split card numbers are refused by strict; cut, glued or encoded tokens and secrets reach no sink', async () => {
    const strict = await startMock({ clock: { frozen: true } });
    try {
      const token = await strict.token();
      for (const separator of SPLITTERS) {
        const split = ['4111', '1111', '1111', '1111'].join(separator);
        for (const [field, overrides] of [
          ['orderId', { orderId: split }],
          ['payer.phone', { payer: { email: 'a@example.com', phone: split } }],
          ['billingInformation.firstName', { billingInformation: { firstName: split } }],
        ] as const) {
          const res = await fetch(`${strict.baseUrl}/evaluate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(evaluateBody(overrides)),
          });
          const body = await res.text();
          assert.equal(res.status, 400, `${field} ${JSON.stringify(separator)}: ${body}`);
          assert.equal(JSON.parse(body).code, '400041', body);
          assert.ok(body.includes(field), body);
          assert.deepEqual(pansIn(body), [], body);
        }
      }
    } finally {
      await strict.close();
    }

    const session = 'pci-split';
    const token = await mock.token(undefined, session);
    const headerless = token.slice(token.indexOf('.') + 1);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const { appSecret } = mock.credentials;
    const split = '4111\u200b1111\u200b1111\u200b1111';
    const res = await evaluate(session, {
      orderId: `O-${split}`,
      payer: { email: 'john@example.com', phone: split },
      billingInformation: {
        firstName: headerless,
        lastName: `z${appSecret}`,
        addressLine1: appSecret.toUpperCase(),
        addressLine2: `${token.slice(0, 30)}\u200b${token.slice(30)}`,
        city: Buffer.from(appSecret).toString('base64'),
        ｃｖｖ: 739,
      },
    });
    const answer = await res.text();
    assert.equal(res.status, 200, answer);
    const orderId = (JSON.parse(answer) as { orderId?: string; result?: { orderId?: string } }).orderId;
    const headers = { authorization: `Bearer ${token}`, 'x-mock-session': session };
    const orderRes = await fetch(`${mock.baseUrl}/orders/${orderId}`, { headers });
    const order = await orderRes.text();
    assert.equal(orderRes.status, 200, order);
    const missing = await (
      await fetch(`${mock.baseUrl}/orders/4111%E2%80%8B1111111111111111`, { headers })
    ).text();
    const admin = { 'x-mock-session': session };
    const journal = await (await fetch(`${mock.url}/__admin/journal`, { headers: admin })).text();
    const har = await (await fetch(`${mock.url}/__admin/journal/har`, { headers: admin })).text();
    assert.ok(journal.includes('411111'), 'the masked number is still recognisable');
    const base64Secret = Buffer.from(appSecret).toString('base64').replace(/=+$/, '');
    for (const [sink, text] of [
      ['evaluate answer', answer],
      ['order answer', order],
      ['404 answer', missing],
      ['journal', journal],
      ['HAR', har],
      ['logs', logs.join('\n')],
    ] as const) {
      assert.deepEqual(pansIn(text), [], `${sink} keeps a card number`);
      const visible = text.replace(/[\p{Cf}]/gu, '');
      for (const secret of [signature, appSecret, appSecret.toUpperCase(), base64Secret, headerless])
        assert.ok(!visible.includes(secret), `${sink} keeps ${secret.slice(0, 12)}…`);
      assert.ok(!/ｃｖｖ"?:\s*"?739/.test(text), `${sink} keeps the full-width cvv`);
    }
  });

  test('a session named like a card number is refused, not stored', async () => {
    const res = await fetch(`${mock.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'w-4242424242424242' },
      body: JSON.stringify({ AppKey: mock.credentials.appKey, AppSecret: mock.credentials.appSecret }),
    });
    const body = await res.text();
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(body).code, '400040');
    assert.deepEqual(leaks(body), []);
    const sessions = await (await fetch(`${mock.url}/__admin/sessions`)).text();
    assert.deepEqual(leaks(sessions), []);
  });

  test('a session named after a millisecond timestamp is accepted, even one that passes the Luhn check', async () => {
    // Luhn-valid 13-digit timestamps, as `run-${Date.now()}` gives about one start in ten (docs/behaviour.md).
    const stamps = ['1796235971159', '1796235971159.2', '1796236432748', '1000000000009'];
    for (const stamp of stamps) {
      const res = await fetch(`${mock.baseUrl}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-session': `run-${stamp}` },
        body: JSON.stringify({ AppKey: mock.credentials.appKey, AppSecret: mock.credentials.appSecret }),
      });
      assert.equal(res.status, 200, `run-${stamp}: ${await res.text()}`);
    }
    const sessions = (await (await fetch(`${mock.url}/__admin/sessions`)).json()) as { sessions: string[] };
    for (const stamp of stamps) assert.ok(sessions.sessions.includes(`run-${stamp}`), stamp);
    // A 13-digit card number (Visa's old length) is still card data.
    const visa13 = await fetch(`${mock.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'run-4222222222222' },
      body: '{}',
    });
    assert.equal(visa13.status, 400);
    assert.equal(((await visa13.json()) as { code: string }).code, '400040');
    // A card number after a leading 1 is still one: only the whole run is no issuer's.
    const glued = await fetch(`${mock.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': 'run-14111111111111111' },
      body: '{}',
    });
    assert.equal(((await glued.json()) as { code: string }).code, '400040');
  });

  test('error messages that echo input are redacted', async () => {
    const token = await mock.token();
    const res = await fetch(`${mock.baseUrl}/evaluate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/x-4242424242424242' },
      body: '{}',
    });
    const body = await res.text();
    assert.equal(res.status, 415);
    assert.deepEqual(leaks(body), []);
    assert.match(body, /424242\*+4242/);
  });

  test('a card number or secret written with percent-escapes in the path is kept decoded and redacted', async () => {
    const session = 'pci-encoded-path';
    const token = await mock.token(undefined, session);
    const digits = [...'4111111111111111'].map((d) => `%${d.charCodeAt(0).toString(16)}`).join('');
    const paths = [
      '/v1/orders/4111%201111%201111%201111',
      `/v1/orders/${digits}`,
      '/v1/orders/4111%2D1111%2D1111%2D1111',
      '/v1/orders/%254111111111111111',
      '/v1/orders/sk%5Ftest%5F51Habcdefghijklmnop',
    ];
    /** Every form of each path's secret: as sent, and decoded once. */
    const forms = paths.flatMap((p) => {
      const tail = p.slice('/v1/orders/'.length);
      return [tail, decodeURIComponent(tail)];
    });
    const kept = (text: string) => [...leaks(text), ...forms.filter((f) => text.includes(f))];
    for (const path of paths) {
      const res = await fetch(`${mock.url}${path}`, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-mock-session': session,
          accept: 'application/problem+json',
        },
      });
      const body = await res.text();
      assert.equal(res.status, 404, `${path}: ${body}`);
      const problem = JSON.parse(body) as { instance: string };
      assert.match(problem.instance, /^\/v1\/orders\/(%25)?(411111\*{6}1111|\[redacted-key\])$/, path);
      assert.deepEqual(kept(body), [], path);
    }
    const admin = { 'x-mock-session': session };
    const journal = (await (await fetch(`${mock.url}/__admin/journal`, { headers: admin })).json()) as {
      entries: { path: string }[];
    };
    const journalPaths = journal.entries.map((e) => e.path).filter((p) => p.startsWith('/v1/orders/'));
    assert.equal(journalPaths.length, paths.length, JSON.stringify(journalPaths));
    for (const path of journalPaths)
      assert.match(path, /^\/v1\/orders\/(%25)?(411111\*{6}1111|\[redacted-key\])$/);
    const har = await (await fetch(`${mock.url}/__admin/journal/har`, { headers: admin })).text();
    const urls = (JSON.parse(har) as { log: { entries: { request: { url: string } }[] } }).log.entries.map(
      (e) => e.request.url,
    );
    for (const url of urls) assert.doesNotThrow(() => new URL(url), url);
    assert.deepEqual(kept(har), [], 'HAR');
    assert.deepEqual(kept(JSON.stringify(journal)), [], 'journal');
    // The request log line (`--log info`) and a webhook receiver's URL as the journal keeps it.
    for (const path of paths) {
      const line = requestLine(exchangeOf(path));
      assert.deepEqual(kept(line.path), [], path);
      assert.deepEqual(kept(redactUrl(`http://hooks.example${path}?n=4111%201111%201111%201111`)), [], path);
    }
    // A path whose decoded form is clean is kept as sent.
    assert.equal(redactPath('/v1/orders/ORDER%20A%2F1'), '/v1/orders/ORDER%20A%2F1');
  });

  test('strict profile: card data outside the card fields is a 400 that names the field', async () => {
    const strict = await startMock({ clock: { frozen: true } });
    try {
      const token = await strict.token();
      const send = (overrides: Record<string, unknown>, headers = {}) =>
        fetch(`${strict.baseUrl}/evaluate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
          body: JSON.stringify(evaluateBody(overrides)),
        });
      const cases: [Record<string, unknown>, Record<string, string>, string][] = [
        [{ payer: { email: 'a@example.com', phone: '+1 5555555555554444' } }, {}, 'payer.phone'],
        [{ orderId: 'O-4242424242424242-1' }, {}, 'orderId'],
        [
          { billingInformation: { addressLine1: '4111\t1111\t1111\t1111' } },
          {},
          'billingInformation.addressLine1',
        ],
        [{ billingInformation: { addressLine2: 'cvv 739' } }, {}, 'billingInformation.addressLine2'],
        [{}, { 'x-cvv': '739' }, 'x-cvv'],
        [{}, { 'x-note': '4111%201111%201111%201111' }, 'x-note'],
      ];
      for (const [overrides, headers, field] of cases) {
        const res = await send(overrides, headers);
        const body = await res.text();
        assert.equal(res.status, 400, `${field}: ${body}`);
        const problem = JSON.parse(body);
        assert.equal(problem.code, '400041', field);
        assert.ok(problem.detail.includes(field), `${field} named in ${problem.detail}`);
        assert.equal(problem.detail.split('would have accepted').length, 2, `said once: ${problem.detail}`);
        assert.deepEqual(leaks(body), [], field);
      }
      // The card field itself still takes a test card, and GUID-shaped ids are not card data.
      const ok = await send({ orderId: `ORDER-${guid()}` });
      assert.equal(ok.status, 200, await ok.text());
    } finally {
      await strict.close();
    }
  });

  test('card groups split by tabs, no-break or thin spaces are one card number, masked as a spaced one is', () => {
    for (const separator of ['\t', '\u00a0', '\u2007', '\u2009', '\u202f']) {
      const groups = ['4111', '1111', '1111', '1111'];
      assert.equal(
        redactText(`card ${groups.join(separator)} on file`),
        'card 411111******1111 on file',
        JSON.stringify(separator),
      );
      assert.equal(hasCardData(`x${groups.join(separator)}`), true, JSON.stringify(separator));
      // Inside a longer run, only the card's window is hidden and the separators stay where they were.
      assert.equal(
        redactText(`7${separator}${groups.join(separator)}`),
        `7${separator}${['4111', '11**', '****', '1111'].join(separator)}`,
        JSON.stringify(separator),
      );
    }
    // Two separators in a row still end a run, as two spaces do: a phone number beside a date stays as written.
    assert.equal(redactText('4111\t\t1111 1111 1111'), '4111\t\t1111 1111 1111');
  });

  test('card groups split by invisible characters, Unicode dashes or spaces are card data everywhere it is looked for', () => {
    const logged: string[] = [];
    const logger = redactingLogger({
      info: (m: string) => logged.push(m),
      warn: (m: string) => logged.push(m),
      error: (m: string) => logged.push(m),
    });
    for (const separator of SPLITTERS) {
      const split = ['4111', '1111', '1111', '1111'].join(separator);
      const name = JSON.stringify(separator);
      assert.equal(hasCardData(split), true, name);
      assert.equal(hasCardData(`order ${split}-1`), true, name);
      assert.deepEqual(pansIn(redactText(`card ${split} on file`)), [], name);
      assert.ok(redactText(split).includes('411111'), `${name}: still recognisable as masked`);
      assert.deepEqual(pansIn(cardSafeId(split)), [], name);
      assert.notEqual(cardSafeId(split), cardSafeId(['4242', '4242', '4242', '4242'].join(separator)), name);
      assert.deepEqual(pansIn(JSON.stringify(redact({ orderId: split, payer: { phone: split } }))), [], name);
      // A lone surrogate half has no UTF-8 form, so it cannot be in a path.
      if (!/\p{Cs}/u.test(separator)) {
        const encoded = encodeURIComponent(split);
        assert.deepEqual(pansIn(redactPath(`/v1/orders/${encoded}1111`)), [], name);
        assert.deepEqual(pansIn(decodeURIComponent(redactPath(`/v1/orders/${encoded}`))), [], name);
        assert.deepEqual(pansIn(requestLine(exchangeOf(`/v1/orders/${encoded}`)).path), [], name);
      }
      logger.info(`GET /v1/orders/${split} 404`);
    }
    assert.deepEqual(pansIn(logged.join('\n')), []);
    // Several invisible characters in a row, or one beside a visible separator, still join the groups.
    assert.equal(hasCardData('4111\u200b\u200b\u200b1111\u00ad1111 \u200d1111'), true);
    // Text that is not card data keeps its invisible characters and accents: only a text with something to hide
    // loses them.
    const plain = [
      'Jose\u0301 Cafe\u0301 12 34',
      'a\u200bb 2026\u20131\u20132',
      'ｃｖｖ is a word',
      '電話 03\u30001234\u30005678',
      'line one\nline two 2026-12-03',
      'order_2026_12_03',
      'tel 555\n0100',
    ];
    for (const text of plain) assert.deepEqual([redactText(text), hasCardData(text)], [text, false], text);
  });

  test('a JWS payload and signature without the header are redacted; keys in full-width letters keep their rule', () => {
    const payload = Buffer.from(
      JSON.stringify({ sub: 'a0b1c2d3', 'custom:mid': 'M1', exp: 2_000_000_000 }),
    ).toString('base64url');
    const signature = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    for (const text of [`${payload}.${signature}`, `name ${payload}.${signature} end`]) {
      const out = redactText(text);
      assert.ok(!out.includes(signature) && !out.includes(payload), out);
    }
    const zwsp = `eyJhbGciOiJIUzI1NiJ9.${payload.slice(0, 9)}\u200b${payload.slice(9)}.${signature}`;
    assert.ok(!redactText(zwsp).includes(signature), redactText(zwsp));
    // Two dotted words that start like base64 JSON but are too short for a payload and a signature stay.
    assert.equal(redactText('see eyJobs.readme'), 'see eyJobs.readme');
    const copy = JSON.stringify(
      redact({ ｃｖｖ: 739, 'cv\u200bv': '739', ｃａｒｄＮｕｍｂｅｒ: '4111111111111111' }),
    );
    assert.ok(!copy.includes('739') && !copy.includes('4111111111111111'), copy);
  });

  test('a card number behind percent-escapes is found in any text, and the text keeps its shape', () => {
    for (const escaped of [
      '4111%201111%201111%201111',
      '%34%31%31%31111111111111',
      '%2534%2531%2531%2531111111111111',
    ]) {
      assert.equal(redactText(escaped), '411111******1111', escaped);
      assert.equal(hasCardData(`x-note ${escaped}`), true, escaped);
    }
    // Inside JSON text only the escaped word changes: the text is still JSON.
    const json = JSON.stringify({ detail: 'No order %22,"x":"4111%201111%201111%201111.' });
    assert.deepEqual(JSON.parse(redactText(json)), { detail: 'No order %22,"x":"411111******1111.' });
    // Escapes that hide nothing stay as written.
    for (const clean of ['100%25 done', 'a%20b', '%E2%82%AC 15.00']) {
      assert.equal(redactText(clean), clean);
      assert.equal(hasCardData(clean), false, clean);
    }
  });

  test('a field or query parameter called token is redacted; the paymentMethod.token flag and vault tokens stay', async () => {
    const session = 'plain-token';
    const res = await fetch(`${mock.url}/v1/orders?token=SECRETQ_zz9plain`, {
      headers: {
        authorization: `Bearer ${await mock.token()}`,
        'x-mock-session': session,
        'x-token': 'SECRETH_zz9plain',
      },
    });
    await res.arrayBuffer();
    const vault = '5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
    assert.deepEqual(
      redact({
        token: 'SECRETB_1plain',
        paymentMethod: { cardNumber: vault, token: true },
        vault: { token: vault },
      }),
      { token: '[redacted]', paymentMethod: { cardNumber: vault, token: true }, vault: { token: vault } },
    );
    // The GUID exception is the vault token's, under the bare name only: a session token may well be a GUID.
    for (const name of ['sessionToken', 'csrfToken', 'authToken', 'bearerToken', 'xsrf_token'])
      assert.deepEqual(redact({ [name]: vault }), { [name]: '[redacted]' }, name);
    const kept = JSON.stringify(mock.journal.entries({ session }));
    assert.ok(kept.includes('"token":"[redacted]"'), kept);
    for (const secret of ['SECRETQ_zz9plain', 'SECRETH_zz9plain']) assert.ok(!kept.includes(secret), secret);
  });

  test('a card-safe id cannot be turned back into the card number: its digest is keyed', () => {
    const pan = '4111111111111111';
    const id = cardSafeId(pan);
    assert.match(id, /^411111\*{6}1111~[0-9a-f]{16}$/);
    const plain = createHash('sha256').update(pan).digest('hex').slice(0, 16);
    assert.notEqual(id.split('~')[1], plain, 'not a plain digest of the number');
    assert.equal(cardSafeId(pan), id, 'the same number gives the same id');
    assert.notEqual(cardSafeId('5555555555554444'), id);
    assert.equal(cardSafeId('ORDER-1'), 'ORDER-1');
  });

  test('ids stay ids: GUIDs and trace ids are kept, a card number in 4-4-4-4 groups beside hex is not', () => {
    for (const id of [
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-73849362514820a1b2c3d4e5f6a7b8c9-1234567890123abc-01',
      '00000000-0000-4000-8000-000000000042',
      'ORDER-00000000-0000-4000-8000-000000000042',
    ]) {
      assert.equal(redactText(id), id);
    }
    assert.equal(redactText('4242-4242-4242-4242-cafebabecafe'), '424242******4242-cafebabecafe');
  });

  test('an Authorization header keeps only its scheme, and a scheme that is card data is masked too', () => {
    const out = redactHeaders({
      authorization: 'x4111111111111111 secret-part',
      'proxy-authorization': 'Bearer abc.def.ghi',
      'x-authorization': 'plain',
    });
    assert.equal(out.authorization, 'x411111******1111 [redacted]');
    assert.equal(out['proxy-authorization'], 'Bearer [redacted]');
    assert.equal(out['x-authorization'], '[redacted]');
    for (const value of Object.values(out))
      assert.ok(!value.includes('4111111111111111') && !value.includes('secret'));
  });

  test('admin answers and error bodies stay JSON: numbers are not card data, quoted input is redacted', async () => {
    // A millisecond timestamp can be a Luhn-valid 13-digit run: as a number it must stay a number.
    const text = redactStringsJson({ nowMs: 1796114306147, detail: 'cvv 739 for 4111111111111111' });
    assert.deepEqual(JSON.parse(text), {
      nowMs: 1796114306147,
      detail: 'cvv [redacted] for 411111******1111',
    });
    for (let i = 0; i < 20; i += 1) {
      const res = await fetch(`${mock.url}/__admin/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: 1_234_567 + i }),
      });
      const body = (await res.json()) as { nowMs: number };
      assert.equal(typeof body.nowMs, 'number');
    }
  });

  test('a number is card data by the integer part of its absolute value; past 2^53 by its first digit', () => {
    // Numbers as a client writes them in JSON: JSON.parse gives floats, negatives, or doubles that lost digits.
    const masked = (json: string) => (redact(JSON.parse(`{"n":${json}}`)) as { n: unknown }).n;
    for (const json of [
      '4111111111111111.5',
      '-4111111111111111',
      '4.111111111111111e15',
      '-5555555555554444.25',
    ])
      assert.match(String(masked(json)), /^(411111|555555)\*{6}(1111|4444)$/, json);
    // 19 digits read as a double keep their first digits only: masked whatever their Luhn sum.
    assert.equal(masked('4111111111111111111'), '411111*********1000');
    assert.equal(masked('-6011000990139424123'), '601100*********4000');
    // Not card data: timestamps (ms, ns) and ids starting with 1, numbers starting with 7–9 (2^53 + 1 included), a
    // Luhn-invalid 16-digit number, 20 digits and more, Infinity (1e999) and small amounts.
    const kept =
      '1796238278552 1796238278552.5 1733150000000123458 9007199254740993 4111111111111112 41111111111111111111';
    for (const json of [...kept.split(' '), '1e999', '19.99'])
      assert.equal(masked(json), JSON.parse(json), json);
    for (const value of [Number.NaN, Number.NEGATIVE_INFINITY])
      assert.equal((redact({ n: value }) as { n: unknown }).n, value);
  });

  test('redacting JSON text keeps it JSON, whatever the quoted input', () => {
    for (const value of [
      'appSecret=abc\\"x',
      '%B4111111111111111^DOE/JOHN^2512101abc\\"',
      ';4111111111111111=25121010000\\"?',
      'cvv \\"739',
      'Bearer abcdefghijk\\"',
    ]) {
      const text = redactText(JSON.stringify({ detail: value }));
      assert.doesNotThrow(() => JSON.parse(text), text);
      assert.deepEqual(leaks(text), [], text);
    }
  });

  test('a log line cannot forge another line', () => {
    const lines: string[] = [];
    const log = redactingLogger({
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    });
    log.warn('fields ignored: payer.x\nerror: forged line\r\u001b[2J');
    assert.equal(lines.length, 1);
    for (const c of ['\r', '\n', '\u001b']) assert.ok(!(lines[0] ?? '').includes(c), lines[0]);
    assert.match(lines[0] ?? '', /payer\.x\\nerror: forged/);
  });
});
