// The reference FlexFactor v1 client: typed with the types generated from contracts/openapi.yaml, built on fetch,
// no framework. It does what the docs advise and nothing cleverer:
// - one bearer token, cached and reused until a call answers 401; then one new token and one retry of that call;
// - a new idempotency key per call (evaluate, capture, cancel, external-cancel), the same key on every retry;
// - retries with exponential backoff on 502/503/504, timeouts and failed connections, only for calls that are
//   safe to repeat (read-only, or carrying an idempotency key; see RETRY_SAFE);
// - errors as FlexFactorError (HTTP status + six-digit code) or FlexFactorTransportError (no answer).

import { randomUUID } from 'node:crypto';
import { FlexFactorError, FlexFactorTransportError } from './errors.js';
import type {
  CaptureRequest,
  CaptureResponse,
  EvaluateRequest,
  EvaluateResponse,
  ListOrdersQuery,
  Order,
  OrderList,
  OutcomeResponse,
  RefundRequest,
  RefundResponse,
  TokenizeRequest,
  TokenizeResponse,
  TokenResponse,
  TransmitRequest,
  TransmitResponse,
} from './types.gen.js';

/** Where the client keeps its bearer token; share one between clients (or workers) to share the token. */
export interface TokenCache {
  get(): string | undefined;
  set(token: string | undefined): void;
}

/** A token cache in memory, optionally holding a token already (e.g. one another process fetched). */
export function memoryTokenCache(initial?: string): TokenCache {
  let token = initial;
  return {
    get: () => token,
    set: (value) => {
      token = value;
    },
  };
}

export interface RetryInfo {
  operation: string;
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  reason: 'unauthorized' | 'timeout' | 'network' | `HTTP ${number}`;
  /** How long the client waits before it (0 after a 401: a new token is fetched instead). */
  delayMs: number;
}

export interface FlexFactorClientOptions {
  /** The API root as the docs print it, `/v1` included: `https://api-sandbox.flexfactor.io/v1`. */
  baseUrl: string;
  /** API key (portal: Developers > Api Keys). */
  appKey: string;
  appSecret: string;
  /** Merchant id: sent as `mid` on evaluate and transmit unless the request has one, and used by tokenize. */
  mid?: string;
  /** Tokenization key (portal: Developers > Tokenization); only tokenize() needs it. */
  tokenizationKey?: string;
  /** Per-attempt timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries after the first attempt, for calls that are safe to repeat (default 2). */
  maxRetries?: number;
  /** Delay before the first retry in ms, doubled for each further retry (default 250). */
  backoffMs?: number;
  /** Upper bound of any delay, a server's Retry-After included (default 5 000). */
  maxBackoffMs?: number;
  /** Headers sent on every request (e.g. `x-mock-session` to isolate a test worker on the mock). */
  headers?: Record<string, string>;
  /** Token storage (default: in memory, per client). */
  tokenCache?: TokenCache;
  /** Idempotency key factory (default: crypto.randomUUID). */
  newIdempotencyKey?: () => string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Told before every retry; for logs and metrics. */
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Which calls are repeated after a timeout, a failed connection or a 502/503/504. A call is safe to repeat when it
 * changes nothing (token, reads, the deprecated outcome poll) or carries an idempotency key that the client reuses on
 * every attempt. Tokenize, transmit and refund have no key: repeating them after a lost answer could vault the card
 * twice, record the copy twice, or refund twice, so their transport failures go straight to the caller. Every call
 * gets the one retry after a 401, which means the request was not applied.
 */
export const RETRY_SAFE = {
  createToken: true,
  tokenize: false,
  evaluate: true,
  transmit: false,
  getOutcome: true,
  listOrders: true,
  getOrder: true,
  captureOrder: true,
  refundOrder: false,
  cancelOrder: true,
  externalCancelOrder: true,
} as const;

type OperationId = keyof typeof RETRY_SAFE;

/** An evaluate request; the client adds `idempotencyKey` (a new one per call) and `mid` when you leave them out. */
export type EvaluateInput = Omit<EvaluateRequest, 'idempotencyKey'> & { idempotencyKey?: string };
export type CaptureInput = Omit<CaptureRequest, 'idempotencyKey'> & { idempotencyKey?: string };
export interface CancelOptions {
  /** Default: a new key per call (reused on the call's retries). */
  idempotencyKey?: string;
}

/** 502, 503 and 504 mean "try again"; everything else is the answer. */
const RETRY_STATUSES = new Set([502, 503, 504]);
/** The first request with this idempotency key is still being handled (the mock's code): wait and ask again. */
const IN_PROGRESS_CODE = '409002';

interface Call {
  operation: OperationId;
  method: 'GET' | 'POST';
  /** Below the base URL, e.g. `/orders/{id}` with the id filled in. */
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  bearer: boolean;
}

/**
 * A typed client of the FlexFactor Core API v1 (merchant endpoints).
 *
 * @example
 * const client = new FlexFactorClient({
 *   baseUrl: 'http://127.0.0.1:4848/v1', // or https://api-sandbox.flexfactor.io/v1
 *   appKey: process.env.FLEXFACTOR_APP_KEY ?? '',
 *   appSecret: process.env.FLEXFACTOR_APP_SECRET ?? '',
 * });
 * const decision = await client.evaluate({ isDeclined: true, orderId: 'ORDER-1', transaction, payer,
 *   billingInformation, paymentMethod });
 * if (decision.status === 'CAPTUREREQUIRED') await client.capture({ orderId: decision.orderId, amount, currency });
 */
export class FlexFactorClient {
  readonly #baseUrl: string;
  readonly #options: FlexFactorClientOptions;
  readonly #tokens: TokenCache;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #newKey: () => string;
  #pendingToken: Promise<string> | null = null;

  constructor(options: FlexFactorClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError(`baseUrl must be an http(s) URL such as https://api-sandbox.flexfactor.io/v1`);
    }
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
    this.#tokens = options.tokenCache ?? memoryTokenCache();
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    this.#newKey = options.newIdempotencyKey ?? randomUUID;
  }

  /** The cached bearer token, or a new one from POST /oauth2/token (concurrent callers share one request). */
  async accessToken(): Promise<string> {
    const cached = this.#tokens.get();
    if (cached) return cached;
    this.#pendingToken ??= this.createToken()
      .then((response) => {
        this.#tokens.set(response.accessToken);
        return response.accessToken;
      })
      .finally(() => {
        this.#pendingToken = null;
      });
    return this.#pendingToken;
  }

  /** POST /oauth2/token. Prefer accessToken(), which caches; this always asks for a new token. */
  createToken(): Promise<TokenResponse> {
    return this.#call({
      operation: 'createToken',
      method: 'POST',
      path: '/oauth2/token',
      body: { AppKey: this.#options.appKey, AppSecret: this.#options.appSecret },
      bearer: false,
    });
  }

  /** POST /tokenize?mid=…&environment=…: vault a card; send the token later with `paymentMethod.token = true`. */
  tokenize(request: TokenizeRequest): Promise<TokenizeResponse> {
    const { mid, tokenizationKey } = this.#options;
    if (!mid || !tokenizationKey) throw new TypeError('tokenize() needs the mid and tokenizationKey options');
    return this.#call({
      operation: 'tokenize',
      method: 'POST',
      path: '/tokenize',
      query: { mid, environment: tokenizationKey },
      body: request,
      bearer: false,
    });
  }

  /** POST /evaluate: hand a declined transaction over for rescue. DECLINED is an answer, not an error. */
  evaluate(request: EvaluateInput): Promise<EvaluateResponse> {
    const body: EvaluateRequest = {
      ...request,
      idempotencyKey: request.idempotencyKey ?? this.#newKey(),
      ...(request.mid === undefined && this.#options.mid ? { mid: this.#options.mid } : {}),
    };
    return this.#call({ operation: 'evaluate', method: 'POST', path: '/evaluate', body, bearer: true });
  }

  /** POST /transmit: a copy of a processed transaction (no rescue). Not repeated after a lost answer. */
  transmit(request: TransmitRequest): Promise<TransmitResponse> {
    const body: TransmitRequest = {
      ...request,
      ...(request.mid === undefined && this.#options.mid ? { mid: this.#options.mid } : {}),
    };
    return this.#call({ operation: 'transmit', method: 'POST', path: '/transmit', body, bearer: true });
  }

  /** POST /capture: capture a CAPTUREREQUIRED order, amount in integer cents. FAILED is an answer. */
  capture(request: CaptureInput): Promise<CaptureResponse> {
    const body: CaptureRequest = { ...request, idempotencyKey: request.idempotencyKey ?? this.#newKey() };
    return this.#call({ operation: 'captureOrder', method: 'POST', path: '/capture', body, bearer: true });
  }

  /** POST /orders/{id}/refund: `amountToRefund` in dollars. FAILED is an answer; never repeated automatically. */
  refund(orderId: string, request: RefundRequest): Promise<RefundResponse> {
    return this.#call({
      operation: 'refundOrder',
      method: 'POST',
      path: `/orders/${encodeURIComponent(orderId)}/refund`,
      body: request,
      bearer: true,
    });
  }

  /** POST /orders/{id}/cancel: void an order that was not captured (the answer is an empty 200). */
  async cancel(orderId: string, options: CancelOptions = {}): Promise<void> {
    await this.#call({
      operation: 'cancelOrder',
      method: 'POST',
      path: `/orders/${encodeURIComponent(orderId)}/cancel`,
      body: { idempotencyKey: options.idempotencyKey ?? this.#newKey() },
      bearer: true,
    });
  }

  /** POST /orders/{externalOrderId}/external-cancel: cancel by your own order id (after an evaluate timeout). */
  async externalCancel(externalOrderId: string, options: CancelOptions = {}): Promise<void> {
    await this.#call({
      operation: 'externalCancelOrder',
      method: 'POST',
      path: `/orders/${encodeURIComponent(externalOrderId)}/external-cancel`,
      body: { idempotencyKey: options.idempotencyKey ?? this.#newKey() },
      bearer: true,
    });
  }

  /** GET /orders/{id}: the order by FlexFactor's id (evaluate's `orderSessionKey`). */
  getOrder(orderId: string): Promise<Order> {
    return this.#call({
      operation: 'getOrder',
      method: 'GET',
      path: `/orders/${encodeURIComponent(orderId)}`,
      bearer: true,
    });
  }

  /** GET /orders: one page of orders. */
  listOrders(query: ListOrdersQuery = {}): Promise<OrderList> {
    return this.#call({
      operation: 'listOrders',
      method: 'GET',
      path: '/orders',
      query: { ...query },
      bearer: true,
    });
  }

  /** POST /outcome (deprecated by FlexFactor in favour of getOrder): the decision for an orderSessionKey. */
  outcome(orderSessionKey: string): Promise<OutcomeResponse> {
    return this.#call({
      operation: 'getOutcome',
      method: 'POST',
      path: '/outcome',
      body: { orderSessionKey },
      bearer: true,
    });
  }

  async #call<T>(call: Call): Promise<T> {
    const url = this.#url(call.path, call.query);
    // Built once: every attempt sends the same bytes, idempotency key included.
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const retrySafe = RETRY_SAFE[call.operation];
    const maxRetries = this.#options.maxRetries ?? 2;
    let attempts = 0;
    let retries = 0;
    let reauthenticated = false;
    for (;;) {
      const token = call.bearer ? await this.accessToken() : undefined;
      attempts += 1;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      let errorCode: string | null;
      try {
        ({ status, text, retryAfter, errorCode } = await this.#attempt(call.method, url, payload, token));
      } catch (error) {
        const kind = isTimeout(error) ? 'timeout' : 'network';
        if (retrySafe && retries < maxRetries) {
          retries += 1;
          await this.#backoff(call.operation, attempts + 1, kind, retries, null);
          continue;
        }
        throw new FlexFactorTransportError(call.operation, kind, attempts, error);
      }
      if (status === 401 && token !== undefined && !reauthenticated) {
        // The docs: reuse the token until a 401, then fetch a new one and retry once.
        reauthenticated = true;
        if (this.#tokens.get() === token) this.#tokens.set(undefined);
        this.#options.onRetry?.({
          operation: call.operation,
          attempt: attempts + 1,
          reason: 'unauthorized',
          delayMs: 0,
        });
        continue;
      }
      const body = parseBody(text);
      const code = errorCode ?? (body as { code?: unknown } | null)?.code;
      const inProgress = status === 409 && code === IN_PROGRESS_CODE;
      if ((RETRY_STATUSES.has(status) || inProgress) && retrySafe && retries < maxRetries) {
        retries += 1;
        await this.#backoff(call.operation, attempts + 1, `HTTP ${status}`, retries, retryAfter);
        continue;
      }
      if (status < 200 || status > 299)
        throw new FlexFactorError(call.operation, status, body, attempts, errorCode);
      return body as T;
    }
  }

  /** One HTTP exchange under the per-attempt timeout (which also covers reading the body). */
  async #attempt(
    method: string,
    url: string,
    payload: string | undefined,
    token: string | undefined,
  ): Promise<{ status: number; text: string; retryAfter: string | null; errorCode: string | null }> {
    // Asking for problem details gets the six-digit code inside error bodies; a server that ignores the request (the
    // real sandbox's flat ModelState) is read too, and the mock's x-mock-error-code header gives the code there.
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...this.#options.headers,
    };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await this.#fetch(url, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    return {
      status: response.status,
      text,
      retryAfter: response.headers.get('retry-after'),
      errorCode: response.headers.get('x-mock-error-code'),
    };
  }

  async #backoff(
    operation: string,
    attempt: number,
    reason: RetryInfo['reason'],
    retry: number,
    retryAfter: string | null,
  ): Promise<void> {
    const base = (this.#options.backoffMs ?? 250) * 2 ** (retry - 1);
    const serverSays = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : 0;
    const delayMs = Math.min(Math.max(base, serverSays), this.#options.maxBackoffMs ?? 5_000);
    this.#options.onRetry?.({ operation, attempt, reason, delayMs });
    await this.#sleep(delayMs);
  }

  #url(path: string, query: Record<string, unknown> = {}): string {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) search.append(name, String(item));
      }
    }
    const qs = search.toString();
    return `${this.#baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** JSON when it parses; null for an empty body (cancel); the text otherwise. */
function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
