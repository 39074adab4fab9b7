// The six-digit error catalog: one table, one constructor. Every non-2xx response the mock sends is built here.
//
// FlexFactor documents the format (first three digits = HTTP status, last three = the specific error) but not the
// list, so every entry below is invented (labelled so in the README and in contracts/openapi.yaml).

import { redactPath, redactText } from '../support/redact.js';

export interface CatalogEntry {
  /** HTTP status the code is sent with; always the code's first three digits. */
  status: number;
  /** Short, stable title. */
  title: string;
  /** Default detail: what the client should do to fix the request. Individual errors may add specifics. */
  fix: string;
}

export const ERROR_CATALOG = {
  '400001': {
    status: 400,
    title: 'One or more validation errors occurred.',
    fix: 'Correct the fields listed in `errors` (names as the real API reports them, e.g. `Transaction.Amount`) and resend. The request schema is in contracts/openapi.yaml.',
  },
  '400002': {
    status: 400,
    title: 'The request body is not valid JSON.',
    fix: 'Send a complete, well-formed JSON document (check for trailing commas, unquoted keys or a truncated body).',
  },
  '400003': {
    status: 400,
    title: 'Invalid API credentials.',
    fix: 'Send the AppKey and AppSecret of a configured merchant (see the credentials the server printed at start-up, or your --merchants file).',
  },
  '400004': {
    status: 400,
    title: 'Amount outside the sandbox range.',
    fix: 'In the sandbox, transaction.amount must be greater than 10 and less than 20000 cents ($0.11 to $199.99).',
  },
  '400005': {
    status: 400,
    title: 'Card number is not a whitelisted test card.',
    fix: 'Use one of the test cards listed in the README (TEST_CARDS in the package); the sandbox never accepts real card numbers.',
  },
  '400006': {
    status: 400,
    title: 'Unknown card token.',
    fix: 'Send a token returned by /v1/tokenize for this merchant with paymentMethod.token = true, or send a test card number with token = false.',
  },
  '400007': {
    status: 400,
    title: 'Amount must be integer cents (strict profile).',
    fix: 'Send amounts as an integer number of cents: $19.99 is 1999. The real API would have accepted this request, but it would have charged a different amount than you meant.',
  },
  '400008': {
    status: 400,
    title: 'expiryDateUtc must be an ISO 8601 UTC timestamp (strict profile).',
    fix: 'Send expiryDateUtc like 2026-12-15T00:00:00Z (ISO 8601, UTC, with a Z or +00:00). The real API parses other forms, such as the RFC 1123 strings of Date.prototype.toUTCString(), but their meaning depends on the server and they are not the documented format.',
  },
  '400009': {
    status: 400,
    title: 'Invalid tokenization key.',
    fix: 'Pass the merchant MID as `mid` and its tokenization key as `environment` in the query string of /v1/tokenize.',
  },
  '400010': {
    status: 400,
    title: 'The card has expired.',
    fix: 'Send an expiry month and year that are not in the past (the test cards accept any future date).',
  },
  '400011': {
    status: 400,
    title: 'Unknown mock scenario.',
    fix: 'Name a scenario that is loaded (GET /__admin/scenarios lists them) in the x-mock-scenario header.',
  },
  '400012': {
    status: 400,
    title: 'Invalid query or path parameter.',
    fix: 'Correct the parameters listed in `errors` and resend.',
  },
  // Requests Node's HTTP parser rejects before Express sees them (mock/http/server.ts).
  '400013': {
    status: 400,
    title: 'Malformed HTTP request.',
    fix: 'The request line or headers could not be parsed (invalid characters, a bad Content-Length or Transfer-Encoding, a body shorter than its Content-Length). Send a well-formed HTTP/1.1 request.',
  },
  '400020': {
    status: 400,
    title: 'Clock value out of range.',
    fix: 'Keep the virtual clock within 100 years of the real current time: advance by a duration from 0 to 100 years (e.g. 30s, 10m, 2h, 3d) and set or freeze it at an ISO 8601 instant in that range.',
  },
  '400021': {
    status: 400,
    title: 'Missing Host header.',
    fix: 'Send a Host header (HTTP/1.1 requires one), e.g. `Host: 127.0.0.1:4848`; HTTP clients add it themselves.',
  },
  '400040': {
    status: 400,
    title: 'Session name looks like card data.',
    fix: 'Name the x-mock-session after the test or worker (letters, digits, dots, colons, underscores, dashes), not after a card number: session names are stored and listed, card numbers never are.',
  },
  '400041': {
    status: 400,
    title: 'Card data outside the card fields (strict profile).',
    fix: "Send card numbers only in paymentMethod.cardNumber (or tokenize's payment_method.credit_card.number) and CVVs only in verification_value; remove the card number, CVV or track data from the field named in detail. The real API would have accepted this request, but it would have stored the card data where nothing protects it (start with --profile lenient to allow it).",
  },
  '400042': {
    status: 400,
    title: 'Webhook receiver not allowed.',
    fix: "Webhook receivers must be loopback http(s) URLs (127.0.0.0/8, ::1, localhost) on a port other than the mock's own and other than system ports below 1024 (80 and 443 excepted), without user:password@. To send webhooks elsewhere, start the mock with --allow-webhook-host <host> (createApp({ webhooks: { allowHosts } })).",
  },
  '400043': {
    status: 400,
    title: 'Too many webhook receivers.',
    fix: 'Remove receivers you no longer need (DELETE /__admin/webhooks/receivers/{id}) before adding more; the limits per session and per server are in docs/security.md ("Webhook receivers").',
  },
  // Strict profile: the real API reads numbers from JSON strings (ASP.NET's web defaults), but a quoted amount is the
  // usual sign of money formatted as text ("15.00"), the unit bug the integration prerequisites warn about.
  '400060': {
    status: 400,
    title: 'Amount sent as a string (strict profile).',
    fix: 'Send amounts as JSON numbers: integer cents for transaction.amount and capture amount (1999, not "1999"), dollars for amountToRefund (12.5, not "12.50"). The real API would have accepted the string, but a quoted amount is usually money formatted as text, in the wrong unit.',
  },
  '401001': {
    status: 401,
    title: 'Missing bearer token.',
    fix: 'Get a token from POST /v1/oauth2/token and send it as `Authorization: Bearer <accessToken>`.',
  },
  '401002': {
    status: 401,
    title: 'Malformed bearer token.',
    fix: 'Send the accessToken exactly as /v1/oauth2/token returned it, after the word Bearer and one space.',
  },
  '401003': {
    status: 401,
    title: 'Invalid bearer token.',
    fix: 'The token was not issued by this server (or was tampered with). Fetch a new token from POST /v1/oauth2/token.',
  },
  '401004': {
    status: 401,
    title: 'Bearer token expired.',
    fix: 'Tokens live 600 seconds. Fetch a new token from POST /v1/oauth2/token and retry the request once.',
  },
  '401005': {
    status: 401,
    title: 'Admin token required.',
    fix: 'This server has an admin token (given with --admin-token, or made and printed at start-up because it binds a non-loopback address): send it in x-mock-admin-token (or Authorization: Bearer).',
  },
  '401040': {
    status: 401,
    title: 'Session token required.',
    fix: "This server isolates sessions (--isolate-sessions): send the session's token in x-mock-session-token (ask whoever holds the admin token for it: POST /__admin/session/token, or sessionToken() in-process), or the admin token for calls about every session.",
  },
  '403001': {
    status: 403,
    title: 'Access to this merchant is denied.',
    fix: 'The `mid` in the request is neither the merchant of your token nor one your partner account acts for. Use your own MID or a token of that merchant.',
  },
  '403002': {
    status: 403,
    title: 'Partner access required.',
    fix: 'This endpoint is for partner accounts. Use the credentials of a partner (see the README, "Credentials").',
  },
  '403100': {
    status: 403,
    title: 'Admin call under a foreign host name.',
    fix: 'The connection reached a loopback address but the Host header names another host, which is what a DNS-rebinding web page does. Open the inspector and call /__admin as http://127.0.0.1:<port> or http://localhost:<port>.',
  },
  '403101': {
    status: 403,
    title: 'Admin call from a page of another origin.',
    fix: 'A web page on another origin (its Origin or Sec-Fetch-Site header says so) tried to change the mock through the browser. Drive /__admin from your tests, curl, or the inspector the mock serves itself (http://127.0.0.1:<port>/__admin/ui).',
  },
  '404001': {
    status: 404,
    title: 'No such endpoint.',
    fix: 'Check the path against contracts/openapi.yaml; every path starts with /v1/.',
  },
  '404100': {
    status: 404,
    title: 'No such admin endpoint.',
    fix: 'Use one of the admin paths listed in `detail`; contracts/admin.yaml describes each (the FlexFactor API itself is under /v1/).',
  },
  '404002': {
    status: 404,
    title: 'Order not found.',
    fix: 'Use the orderSessionKey (the FlexFactor order id) returned by /v1/evaluate, for an order of this merchant and test session.',
  },
  '404003': {
    status: 404,
    title: 'API key not found.',
    fix: 'Use an id returned by POST /v1/api-keys for a merchant you act for.',
  },
  '404004': {
    status: 404,
    title: 'Merchant not found.',
    fix: 'Use the MID of a merchant your partner account acts for (GET /v1/merchants lists them).',
  },
  '404005': {
    status: 404,
    title: 'Application not found.',
    fix: 'Use an id returned by POST /v1/onboarding/application.',
  },
  '404006': {
    status: 404,
    title: 'Document not found.',
    fix: 'Use a documentId returned by the document upload of this application.',
  },
  '405001': {
    status: 405,
    title: 'Method not allowed.',
    fix: 'Use one of the methods in the Allow header for this path.',
  },
  // The request did not arrive in time (Node's headersTimeout/requestTimeout; mock/http/server.ts).
  '408001': {
    status: 408,
    title: 'Request timeout.',
    fix: 'Send the whole request promptly: the server waits 20 s for the headers and 30 s for the whole request, then closes the connection.',
  },
  '400080': {
    status: 400,
    title: 'Unknown provider state.',
    fix: 'Send a state the server knows (the error lists them), spelled exactly as in given(...), or add it with the --states module (serve) or the stateHandlers option (createApp/startMock).',
  },
  '409080': {
    status: 409,
    title: 'The provider state could not be set up.',
    fix: 'Read the detail for the step that failed; a state built on a test card needs the default outcome table (no scenario overriding evaluate on this session).',
  },
  '409001': {
    status: 409,
    title: 'Idempotency key reused with a different request.',
    fix: 'Send a new idempotencyKey (a fresh GUID) for a different request; reuse a key only to retry the identical request.',
  },
  '409002': {
    status: 409,
    title: 'A request with this idempotency key is still in progress.',
    fix: 'Wait for the first request to finish, then retry with the same idempotencyKey to get its result.',
  },
  '409003': {
    status: 409,
    title: 'The order is not in a state that allows this action.',
    fix: 'Read the order with GET /v1/orders/{id}; the README lists which action each status allows.',
  },
  '409004': {
    status: 409,
    title: 'The application is not in a state that allows this action.',
    fix: 'Read the application with GET /v1/onboarding/application/{id} and follow its status rules.',
  },
  '413001': {
    status: 413,
    title: 'Request body too large.',
    fix: 'Send a smaller body; the limit is shown in `detail`.',
  },
  '415001': {
    status: 415,
    title: 'Unsupported content type.',
    fix: 'Send the body in the content type the endpoint takes: JSON (`application/json` or `application/*+json`) everywhere, except the onboarding document upload, which takes `multipart/form-data`.',
  },
  '417001': {
    status: 417,
    title: 'Expectation not supported.',
    fix: 'Send no Expect header, or `Expect: 100-continue` (the only expectation HTTP/1.1 defines).',
  },
  '429001': {
    status: 429,
    title: 'Too many requests.',
    fix: 'Wait for the number of seconds in the Retry-After header, then retry.',
  },
  // Node's HTTP parser refuses header sections over its limit (16 KiB by default; mock/http/server.ts).
  '431001': {
    status: 431,
    title: 'Request header fields too large.',
    fix: 'Keep the request line and all headers together under 16 KiB: shorten the URL (query string) and drop oversized or repeated headers.',
  },
  '500001': {
    status: 500,
    title: 'Internal server error.',
    fix: 'Retry the request; if it keeps failing, report it with the traceId.',
  },
  '500002': {
    status: 500,
    title: 'The mock produced a response that does not match contracts/openapi.yaml.',
    fix: 'This is a bug in the mock (response validation is on). Report it with the listed violations.',
  },
  '500003': {
    status: 500,
    title: "A scenario's templates rendered a response that does not match contracts/openapi.yaml.",
    fix: 'The scenario named in the detail answers a status the contract declares, but its templates filled in values the contract does not allow there (listed in `errors`). Fix that scenario file: template a value of the right type, or answer a status the contract does not declare. This is not a bug in the mock.',
  },
  '502001': {
    status: 502,
    title: 'Bad gateway.',
    fix: 'An upstream service failed. Retry with the same idempotencyKey after a short backoff.',
  },
  '503001': {
    status: 503,
    title: 'Service unavailable.',
    fix: 'The service is temporarily unavailable. Retry with the same idempotencyKey after the Retry-After delay.',
  },
  '503100': {
    status: 503,
    title: "The mock's shared store (Redis) is unreachable.",
    fix: 'The mock runs with --store redis://…; start or reach that Redis and retry (with the same idempotencyKey): the mock reconnects by itself, and nothing of a refused request was applied.',
  },
  '503101': {
    status: 503,
    title: 'The test session is busy in another mock process.',
    fix: 'Another process sharing the Redis store held this session too long (or died holding it; its lock expires within 10 s). Retry with the same idempotencyKey.',
  },
  '503102': {
    status: 503,
    title: 'The mock is holding too many unfinished request bodies.',
    fix: 'Other connections have started large bodies and not finished them; retry after the Retry-After delay (the mock bounds what unfinished bodies may hold, so its memory stays bounded). If only your own tests run, send each body whole, or open fewer connections with large bodies at once.',
  },
  '503103': {
    status: 503,
    title: 'The mock is already sending as many large admin exports as it allows.',
    fix: 'The journal, its HAR log and order timelines are written a slice at a time, a few at once per server and one at a time per connection, so their unsent text stays bounded. Read each export whole before asking for the next on the same connection, and retry after the Retry-After delay.',
  },
  '504001': {
    status: 504,
    title: 'Gateway timeout.',
    fix: 'The request timed out upstream; it may or may not have been applied. Retry with the same idempotencyKey to learn the outcome.',
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The problem body every non-2xx response carries. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  traceId: string;
  instance?: string;
  errors?: Record<string, string[]>;
  warnings?: string[];
}

/** A detail and the fix after it, as two sentences: a detail written without its full stop gets one. */
function joinSentences(detail: string, fix: string): string {
  const text = detail.trimEnd();
  return /[.!?…]["'”’)\]]*$/.test(text) ? `${text} ${fix}` : `${text}. ${fix}`;
}

/** A catalog error in flight: thrown (or passed to next) anywhere, written by the one error middleware. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors: Record<string, string[]> | undefined;
  readonly headers: Record<string, string> | undefined;
  /** The detail as given, without the catalog's fix. */
  readonly #given: string | undefined;

  constructor(
    code: ErrorCode,
    options: {
      detail?: string;
      errors?: Record<string, string[]>;
      headers?: Record<string, string>;
      /** Instead of the catalog's fix (which speaks of requests and headers). */
      fix?: string;
    } = {},
  ) {
    const entry: CatalogEntry = ERROR_CATALOG[code];
    super(entry.title);
    this.name = 'ApiError';
    this.code = code;
    this.status = entry.status;
    const fix = options.fix ?? entry.fix;
    this.detail = options.detail ? joinSentences(options.detail, fix) : fix;
    this.errors = options.errors && safeFieldNames(options.errors);
    this.headers = options.headers;
    this.#given = options.detail;
  }

  /**
   * The same problem thrown to a caller in this process (startMock's methods): `fix` says what to change in the call,
   * and the message carries the detail, because test runners (Vitest, Jest) print an error's message, not its fields.
   */
  forCaller(fix: string): ApiError {
    const error = new ApiError(this.code, {
      ...(this.#given !== undefined ? { detail: this.#given } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.headers ? { headers: this.headers } : {}),
      fix,
    });
    error.message = `${error.message} ${error.detail}`;
    return error;
  }

  toBody(traceId: string, instance?: string): ProblemBody {
    const body: ProblemBody = {
      type: `urn:flexfactor-mock:error:${this.code}`,
      title: ERROR_CATALOG[this.code].title,
      status: this.status,
      code: this.code,
      detail: this.detail,
      traceId,
    };
    // The path as the client wrote it, so checked decoded too: `4111%201111…` is a card number.
    if (instance !== undefined) body.instance = redactPath(instance);
    if (this.errors && Object.keys(this.errors).length > 0) body.errors = this.errors;
    return body;
  }
}

/**
 * Field errors whose names carry no card data or secret. A name is often the client's own key (a body field, a query
 * parameter), and it is written as a JSON key, which the writer's string redaction never reaches; redacting it here,
 * in the one constructor, covers every error of every shape. Names that redact alike share their messages.
 */
function safeFieldNames(errors: Record<string, string[]>): Record<string, string[]> {
  const names = Object.keys(errors);
  if (names.every((name) => redactText(name) === name)) return errors;
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const safe = redactText(name);
    const messages = errors[name] ?? [];
    const earlier = Object.hasOwn(out, safe) ? (out[safe] as string[]) : [];
    // defineProperty: a field named `__proto__` stays a field.
    Object.defineProperty(out, safe, {
      value: [...earlier, ...messages.filter((m) => !earlier.includes(m))],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Shorthand constructor: `throw apiError('404002')`. */
export function apiError(
  code: ErrorCode,
  options?: { detail?: string; errors?: Record<string, string[]>; headers?: Record<string, string> },
): ApiError {
  return new ApiError(code, options);
}
