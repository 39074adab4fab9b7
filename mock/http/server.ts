// Listening: bind an app to host:port and close it gracefully (in-flight requests finish, idle sockets close).

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { apiError, type ErrorCode } from '../errors/catalog.js';
import { ERROR_CODE_HEADER } from '../errors/shape.js';
import { closeMock, type MockApp } from './app.js';
import { BodyBudget, DEFAULT_BODY_BUDGET_BYTES, meteredRequests } from './body-budget.js';
import { installFastLane } from './fast-lane.js';
import { holdContinue } from './go-ahead.js';

export interface RunningServer {
  server: Server;
  /** Base URL without the /v1 prefix, e.g. http://127.0.0.1:4848 */
  url: string;
  port: number;
  host: string;
  /** Stop accepting connections, let in-flight requests finish (at most `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_PORT = 4848;
export const DEFAULT_HOST = '127.0.0.1';

export interface ListenOptions {
  port?: number;
  host?: string;
  /** The most all unfinished request bodies may hold together (default 64 MiB; see body-budget.ts). */
  bodyBudgetBytes?: number;
  /** How long a client may take to send a whole request, headers and body (default 30 s; then 408001). */
  requestTimeoutMs?: number;
}

/** The fast lane's server classes, with requests that charge their body bytes to the body budget. */
function metered(classes: ReturnType<typeof installFastLane>): ReturnType<typeof installFastLane> {
  return { ...classes, IncomingMessage: meteredRequests(classes.IncomingMessage) };
}

/** A request's headers must arrive within this (and within the request timeout). */
const HEADERS_TIMEOUT_MS = 20_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function listen(app: MockApp, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const budget = new BodyBudget(
    options.bodyBudgetBytes ?? DEFAULT_BODY_BUDGET_BYTES,
    app.mock.settings.bodyLimit,
  );
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (budget.admit(req, res, transportTraceId)) app(req, res);
  };
  return new Promise((resolve, reject) => {
    // Node answers a missing Host header itself, with an empty 400; the app answers it with a catalog problem.
    // Node's own request timeout is 300 s, checked every 30 s: a client trickling its body a byte at a time held the
    // body's memory (and its share of the budget) for minutes.
    const server = createServer(
      {
        ...metered(installFastLane(app)),
        requireHostHeader: false,
        requestTimeout,
        headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
        connectionsCheckingInterval: Math.max(250, Math.min(5_000, Math.floor(requestTimeout / 4))),
      },
      handler,
    ).listen(options.port ?? DEFAULT_PORT, host);
    // `Expect: 100-continue`: the client waits for a go-ahead before it sends its body. Node's own handling says
    // "100 Continue" before the request is seen, so a body the budget or the route's limit then refuses was uploaded
    // into a closing socket. Here the budget decides first, and the go-ahead is left to the reader of the body, which
    // refuses a declared length over its limit instead (go-ahead.ts).
    // Then the request goes the usual way ('request'), so the shutdown's bookkeeping sees it as it sees every other.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (!budget.fits(req, res, transportTraceId)) return;
      holdContinue(req, res);
      server.emit('request', req, res);
    });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      // Keep-alive sockets must not outlive a test that forgot to close its agent.
      server.keepAliveTimeout = 5_000;
      answerTransportErrors(server, app);
      const closing = closeConnectionsWhenDone(server);
      const { port } = server.address() as AddressInfo;
      // Webhook receivers on the mock's own address would let a session drive the admin API through deliveries.
      app.mock.webhooks?.setSelf({ host, port });
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        url: `http://${shownHost}:${port}`,
        port,
        host,
        close: (graceMs = 5_000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            // A request a `hang` fault holds never ends by itself: waiting for it would only wait for the timer.
            app.mock.scenarios.endHung();
            closing();
            server.close(() => {
              clearTimeout(timer);
              // Then the engine: scenario file watchers and webhook timers (pending deliveries stay recorded).
              closeMock(app.mock).then(done, done);
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/**
 * Graceful shutdown: once closing, every answer not yet started — the in-flight ones included — says
 * `Connection: close`, so its socket ends with the answer. Before, an in-flight request finished with `keep-alive` and
 * its socket kept the server open until the grace timer cut it (SIGTERM took the whole 4 s). Returns `closing()`.
 *
 * Nothing else is waited for: a connection that has sent no byte yet (clients such as fetch open spares) is not idle
 * to Node's closeIdleConnections(), and is ended at once; it kept close() waiting for the client's own keep-alive
 * timeout. (Requests a `hang` fault holds are the scenario engine's to end: close() calls endHung() first.)
 */
function closeConnectionsWhenDone(server: Server): () => void {
  const open = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return () => {
    closing = true;
    for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false;
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  };
}

/**
 * Requests that never reach Express still get a catalog problem body. Without this, Node's HTTP
 * parser answered a bare `400 Bad Request` / `431` / `408` with no body (malformed request lines or headers, a body
 * shorter than its Content-Length, headers over 16 KiB), and a CONNECT request got no answer at all.
 */
function answerTransportErrors(server: Server, app: MockApp): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's default handler: answer only if nothing of a response has been written on this socket yet.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const code = transportErrorCode(error.code);
    const detail =
      code === '400013'
        ? `Node's HTTP parser reported ${error.code ?? 'an error'}.`
        : code === '413001'
          ? 'The limit for chunk extensions is 16 KiB.'
          : undefined;
    writeProblem(socket, code, detail);
  });
  // An Expect header other than 100-continue: Node's default is an empty 417.
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const problem = apiError('417001').toBody(transportTraceId());
    const body = JSON.stringify(problem);
    res.writeHead(417, {
      'Content-Type': 'application/problem+json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      [ERROR_CODE_HEADER]: '417001',
    });
    res.end(body);
  });
  // CONNECT is not a request Express sees: hand it to the app with a response bound to the socket (→ 405001 with
  // Allow); an authority-form target (`CONNECT host:443`) has no path to route, so it is answered 404001 here.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    if (!req.url?.startsWith('/')) {
      writeProblem(socket, '404001', 'CONNECT with a host:port target: this server is not a proxy.');
      return;
    }
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Parameters<ServerResponse['assignSocket']>[0]);
    res.once('finish', () => socket.end());
    app(req, res);
  });
}

/** Write a catalog problem straight to a socket and close it (no Express response exists here). */
function writeProblem(socket: Duplex, code: ErrorCode, detail?: string): void {
  const problem = apiError(code, detail ? { detail } : {}).toBody(transportTraceId());
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `${ERROR_CODE_HEADER}: ${code}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // A client that never closes its side must not keep the socket.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

function transportErrorCode(code: string | undefined): ErrorCode {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return '431001';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return '408001';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return '413001';
    default:
      return '400013';
  }
}

/** These answers belong to no test session, so their trace ids do not draw from a session's seeded stream. */
function transportTraceId(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
