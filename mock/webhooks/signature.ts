// Signs and verifies FlexFactor webhook deliveries (x-fc-* HMAC-SHA512 headers, fact sheet §3.4).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The signature headers FlexFactor sends with every webhook delivery (besides `Host`). */
export interface SignedHeaders {
  'x-fc-date': string;
  'x-fc-nonce': string;
  'x-fc-content-sha512': string;
  'x-fc-authorization': string;
  'x-fc-signature': string;
}

/** Input of {@link signWebhook}. */
export interface SignWebhookInput {
  /** Exact body bytes to be sent (a string is encoded as UTF-8). */
  body: string | Buffer;
  /** Subscriber key from the portal, base64 encoded. */
  subscriberKey: string;
  /** Receiver host; a scheme and a `:port` are stripped. */
  host: string;
  /** A `Date` is formatted RFC 1123 (`toUTCString()`); a string is used verbatim. */
  date: Date | string;
  /** Delivery nonce (FlexFactor sends 32 lower-case hex chars). */
  nonce: string;
}

/** Input of {@link verifyWebhookSignature}. */
export interface VerifyWebhookInput {
  /** The raw request body, exactly as received. */
  body: string | Buffer;
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** Subscriber key from the portal, base64 encoded. */
  subscriberKey: string;
  /** Host the sender signed for; defaults to the `Host` header. A `:port` is stripped. */
  host?: string;
  /** Reference time for the tolerance check; defaults to the current time. */
  now?: Date;
  /** Max allowed distance in seconds between `x-fc-date` and `now`. Unset: no date check (none is documented). */
  toleranceSeconds?: number;
}

export type VerifyWebhookResult = { ok: true } | { ok: false; reason: string };

const SIGNED_HEADERS = 'x-fc-nonce;x-fc-date;host;x-fc-content-sha512';
const AUTHORIZATION_PATTERN = /^HMAC-SHA512 SignedHeaders=([^&]*)&Signature=(.*)$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SHA512_BYTES = 64;

/**
 * Computes the FlexFactor webhook signature headers for a delivery (fact sheet §3.4).
 *
 * The mock uses it to sign the webhooks it sends; tests can use it to build signed requests.
 * Throws a `TypeError` if `subscriberKey` is not valid, non-empty base64 and a `RangeError` for an invalid `Date`.
 *
 * @example
 * ```ts
 * import { signWebhook } from 'flexfactor-mock/webhooks';
 *
 * const body = JSON.stringify({ Event: 'order.completed', OrderId: 'ac9674ed-…', IsResent: false });
 * const headers = signWebhook({
 *   body,
 *   subscriberKey: process.env.FLEX_WEBHOOK_KEY ?? '',
 *   host: 'localhost:3000', // port is stripped: signs for "localhost"
 *   date: new Date(),
 *   nonce: crypto.randomUUID().replaceAll('-', ''),
 * });
 * // Deliver it to an Express receiver that keeps the raw body (see verifyWebhookSignature):
 * await fetch('http://localhost:3000/webhooks/flex', {
 *   method: 'POST',
 *   headers: { ...headers, 'content-type': 'text/plain' },
 *   body,
 * });
 * ```
 */
export function signWebhook(input: SignWebhookInput): SignedHeaders {
  const key = decodeBase64(input.subscriberKey);
  if (key === undefined || key.length === 0) {
    throw new TypeError('subscriberKey must be non-empty base64');
  }
  let date: string;
  if (typeof input.date === 'string') {
    date = input.date;
  } else {
    if (Number.isNaN(input.date.getTime())) throw new RangeError('date is an invalid Date');
    date = input.date.toUTCString();
  }
  const body = toBytes(input.body);
  if (body === undefined) throw new TypeError('body must be a string or a Buffer');
  const contentHash = createHash('sha512').update(body).digest('base64');
  const stringToSign = buildStringToSign(input.nonce, date, normalizeHost(input.host), contentHash);
  const signature = createHmac('sha512', key).update(stringToSign).digest('base64');
  return {
    'x-fc-date': date,
    'x-fc-nonce': input.nonce,
    'x-fc-content-sha512': contentHash,
    'x-fc-authorization': `HMAC-SHA512 SignedHeaders=${SIGNED_HEADERS}&Signature=${signature}`,
    'x-fc-signature': createHmac('sha512', key).update(body).digest('base64'),
  };
}

/**
 * Verifies a FlexFactor webhook delivery: the content hash, the `x-fc-authorization` signature and
 * `x-fc-signature`, all compared in constant time. Never throws: bad input yields `{ ok: false, reason }`.
 *
 * The body must be the raw body as received (not re-serialised JSON), so do not put `express.json()` in front
 * of the route. FlexFactor may not send `application/json`, hence `express.text({ type: '*\/*' })` (`*\/*` is
 * escaped only because it would close this comment; `express.raw` works too). Behind a proxy that rewrites
 * `Host`, pass the public host as `host`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { verifyWebhookSignature } from 'flexfactor-mock/webhooks';
 *
 * const app = express();
 * app.post('/webhooks/flex', express.text({ type: '*\/*' }), (req, res) => {
 *   const result = verifyWebhookSignature({
 *     body: req.body ?? '',
 *     headers: req.headers,
 *     subscriberKey: process.env.FLEX_WEBHOOK_KEY ?? '',
 *     toleranceSeconds: 300, // optional; FlexFactor documents no tolerance
 *   });
 *   if (!result.ok) {
 *     res.status(401).send(result.reason);
 *     return;
 *   }
 *   const event = JSON.parse(req.body) as { Event: string; OrderId: string };
 *   // ... handle event.Event ...
 *   res.sendStatus(200);
 * });
 * ```
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): VerifyWebhookResult {
  if (typeof input !== 'object' || input === null) return fail('input must be an object');
  const body = toBytes(input.body);
  if (body === undefined) return fail('body must be the raw request body (string or Buffer)');
  if (typeof input.headers !== 'object' || input.headers === null) return fail('headers must be an object');
  if (typeof input.subscriberKey !== 'string') return fail('subscriberKey must be a string');
  const key = decodeBase64(input.subscriberKey.trim());
  if (key === undefined || key.length === 0) return fail('subscriberKey is not valid non-empty base64');

  const headers = lowerCaseHeaders(input.headers);
  const values: Partial<Record<keyof SignedHeaders, string>> = {};
  for (const name of [
    'x-fc-nonce',
    'x-fc-date',
    'x-fc-content-sha512',
    'x-fc-authorization',
    'x-fc-signature',
  ] as const) {
    const value = singleHeader(headers, name);
    if (!value.ok) return value;
    values[name] = value.value;
  }
  const nonce = values['x-fc-nonce'] ?? '';
  const date = values['x-fc-date'] ?? '';
  const contentHashHeader = values['x-fc-content-sha512'] ?? '';
  const authorization = values['x-fc-authorization'] ?? '';
  const signatureHeader = values['x-fc-signature'] ?? '';

  let host: string;
  if (input.host !== undefined) {
    if (typeof input.host !== 'string') return fail('host must be a string');
    host = input.host;
  } else {
    const value = singleHeader(headers, 'host');
    if (!value.ok) return value;
    host = value.value;
  }
  host = normalizeHost(host);
  if (host === '') return fail('host is empty');
  // ';' separates the signed fields; refusing it keeps the string-to-sign unambiguous.
  if (nonce.includes(';')) return fail("x-fc-nonce contains ';'");
  if (date.includes(';')) return fail("x-fc-date contains ';'");
  if (host.includes(';')) return fail("host contains ';'");

  const expectedHash = createHash('sha512').update(body).digest();
  const receivedHash = decodeBase64(contentHashHeader);
  if (receivedHash === undefined) return fail('x-fc-content-sha512 is not valid base64');
  if (!digestsEqual(receivedHash, expectedHash)) return fail('content hash does not match body');

  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (match === null)
    return fail('x-fc-authorization is malformed (expected "HMAC-SHA512 SignedHeaders=…&Signature=…")');
  if (match[1] !== SIGNED_HEADERS) return fail(`x-fc-authorization SignedHeaders is not ${SIGNED_HEADERS}`);
  const receivedSignature = decodeBase64(match[2] ?? '');
  if (receivedSignature === undefined) return fail('x-fc-authorization Signature is not valid base64');
  // The documented string-to-sign uses the content hash header, which was just checked against the body.
  const stringToSign = buildStringToSign(nonce, date, host, contentHashHeader);
  const expectedSignature = createHmac('sha512', key).update(stringToSign).digest();
  if (!digestsEqual(receivedSignature, expectedSignature))
    return fail('x-fc-authorization signature mismatch');

  const receivedBodySignature = decodeBase64(signatureHeader);
  if (receivedBodySignature === undefined) return fail('x-fc-signature is not valid base64');
  const expectedBodySignature = createHmac('sha512', key).update(body).digest();
  if (!digestsEqual(receivedBodySignature, expectedBodySignature)) return fail('x-fc-signature mismatch');

  if (input.toleranceSeconds !== undefined) {
    const tolerance = input.toleranceSeconds;
    if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
      return fail('toleranceSeconds must be a non-negative finite number');
    }
    const sentAt = Date.parse(date);
    if (Number.isNaN(sentAt)) return fail('x-fc-date is not a valid date');
    const now = input.now ?? new Date();
    const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
    if (Number.isNaN(nowMs)) return fail('now must be a valid Date');
    if (Math.abs(nowMs - sentAt) > tolerance * 1000) return fail('x-fc-date outside tolerance');
  }
  return { ok: true };
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function buildStringToSign(nonce: string, date: string, host: string, contentHash: string): string {
  return `POST\n${nonce};${date};${host};${contentHash}`;
}

/** Host without scheme, path or `:port` (`https://a.example:8443/x` → `a.example`, `[::1]:80` → `[::1]`). */
function normalizeHost(host: string): string {
  let value = host.trim().replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '');
  const slash = value.indexOf('/');
  if (slash !== -1) value = value.slice(0, slash);
  return value.replace(/:\d*$/, '');
}

/** Strict base64 decoding; `undefined` if `value` is not canonical padded base64. */
function decodeBase64(value: string): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

function toBytes(body: unknown): Buffer | undefined {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

function digestsEqual(received: Buffer, expected: Buffer): boolean {
  return (
    received.length === SHA512_BYTES &&
    expected.length === SHA512_BYTES &&
    timingSafeEqual(received, expected)
  );
}

function lowerCaseHeaders(headers: Record<string, unknown>): Map<string, unknown> {
  const result = new Map<string, unknown>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const previous = result.get(lower);
    if (previous === undefined) result.set(lower, value);
    else if (value !== undefined) result.set(lower, [previous, value].flat());
  }
  return result;
}

function singleHeader(
  headers: Map<string, unknown>,
  name: string,
): { ok: true; value: string } | { ok: false; reason: string } {
  let value = headers.get(name);
  if (Array.isArray(value)) {
    if (value.length > 1) return fail(`multiple ${name} headers`);
    value = value[0];
  }
  if (value === undefined || value === null || value === '') return fail(`missing ${name} header`);
  if (typeof value !== 'string') return fail(`${name} header is not a string`);
  return { ok: true, value: value.trim() };
}
