// `flexfactor-mock record --target <base-url>`: a recording proxy. Point a client at it instead of the real sandbox;
// every exchange is forwarded, answered as the target answered, and written as a scenario file that replays it
// offline (`x-mock-scenario: <name>`), with card data, secrets, tokens and personal data redacted by the journal's
// rules and `source: observed` plus the date. `--har` also writes the exchanges as a HAR file.

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { Contract } from '../contract/contract.js';
import { SCENARIO_EFFECTS } from '../domain/scenario-effects.js';
import { apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER } from '../errors/shape.js';
import type { Har, HarEntry } from '../journal/har.js';
import { HAR_CREATOR } from '../journal/har.js';
import { recordedDigest } from '../scenarios/body-check.js';
import { DEFAULT_SCENARIO_MAX_BYTES, describeBytes } from '../scenarios/limits.js';
import { builtInScenarioDir } from '../scenarios/loader.js';
import { redact, redactHeaders, redactPath, redactText, redactUrl } from '../support/redact.js';
import { yaml } from '../support/yaml.js';
import { describeFsError, makeFolder, OutputPathError } from './output-files.js';
import { clearReadyFile, writeReadyFailure, writeReadyFile } from './serve-support.js';

/** Personal data the journal keeps but a recording shared in a repository must not (names, contacts, addresses). */
export const PERSONAL_KEYS = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'addressLine1',
  'addressLine2',
  'zipCode',
  'ipAddress',
  'appKey',
  'subscriberKey',
  'environment',
];

/** Response headers worth replaying (the rest describe the hop or the real server's infrastructure). */
const KEPT_HEADERS = /^(content-type|retry-after|www-authenticate|x-correlation-id|location)$/i;

const MAX_BODY = 1024 * 1024;
/** The most of a target's answer the recorder holds (a list of orders is a few hundred KB). */
const MAX_ANSWER = 16 * 1024 * 1024;
/** The HAR keeps the newest exchanges within these bounds (the journal's defaults). */
const MAX_HAR_ENTRIES = 5_000;
const MAX_HAR_BYTES = 32 * 1024 * 1024;
/** How often, at most, the HAR file is written again while exchanges arrive. */
const HAR_WRITE_MS = 250;
/** The longest a target may take for a whole answer. */
const ANSWER_DEADLINE_MS = 60_000;

export interface RecorderOptions {
  /** The base URL to forward to, e.g. https://api-sandbox.flexfactor.io/v1 (a trailing /v1 is dropped). */
  target: string;
  /** Folder for the scenario files (created). */
  out: string;
  /** Also write the exchanges to this HAR file (the newest 5,000 within 32 MiB; rewritten every 250 ms at most). */
  har?: string;
  port?: number;
  host?: string;
  /** Prefix of scenario names (default `recorded`). */
  prefix?: string;
  /** Told about each file written, one line. */
  log?: (line: string) => void;
  /** The recording date (default: now); tests pass a fixed one. */
  now?: () => Date;
}

export interface Recorder {
  url: string;
  /** Scenario files written so far. */
  files: string[];
  /** Files that could not be written (one line each): the exchange was answered, but its recording is lost. */
  writeErrors: string[];
  close(): Promise<void>;
}

/** Start the recording proxy on loopback (port 0 picks a free port). */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const refused = targetProblem(options.target);
  if (refused) throw new TypeError(refused);
  const target = new URL(options.target);
  const origin = `${target.origin}${target.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
  const contract = new Contract();
  const operations = [...contract.operations.values()];
  const out = resolve(options.out);
  makeFolder(out, `--out ${options.out}`, 'give a folder for the scenario files');
  const har: Har = { log: { version: '1.2', creator: HAR_CREATOR, pages: [], entries: [] } };
  // Written (empty) before listening: a HAR path that cannot be written is found now, not after the first
  // exchange, when the recording is already lost. Its folder is created, as --out's is.
  if (options.har) {
    makeFolder(dirname(resolve(options.har)), `--har ${options.har}`, 'give a file path for the HAR');
    try {
      writeFileSync(options.har, `${JSON.stringify(har, null, 2)}\n`);
    } catch (error) {
      throw new OutputPathError(
        `--har ${options.har}: cannot write it (${describeFsError(error)}); give a file path for the HAR`,
      );
    }
  }
  // Editors find the schema of the installed package from the recorded files' own folder.
  const schema = relative(out, join(builtInScenarioDir(), 'scenario.schema.json')).split('\\').join('/');
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const prefix = options.prefix ?? 'recorded';
  const files: string[] = [];
  const writeErrors: string[] = [];
  let seq = 0;
  // A failed write is not the target's fault: it is logged as what it is, and remembered for the exit code.
  const write = (file: string, text: string): boolean => {
    try {
      writeFileSync(file, text);
      return true;
    } catch (error) {
      const line = `cannot write ${file}: ${describeFsError(error)}`;
      writeErrors.push(line);
      log(line);
      return false;
    }
  };

  const harSizes: number[] = [];
  let harBytes = 0;
  let harDropped = 0;
  // Written at most every HAR_WRITE_MS and on close, not after every exchange: rewriting the whole file each time
  // cost time in proportion to the session's length for every request.
  let harTimer: NodeJS.Timeout | null = null;
  const writeHar = () => {
    if (harTimer) clearTimeout(harTimer);
    harTimer = null;
    if (options.har) write(options.har, `${JSON.stringify(har, null, 2)}\n`);
  };
  const scheduleHar = () => {
    harTimer ??= setTimeout(writeHar, HAR_WRITE_MS);
  };

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    // The root and /v1 are no API call: answered here, as `serve` answers them, so `wait` can poll the recorder
    // without a request reaching the target (whose root need not answer 2xx).
    if ((req.method === 'GET' || req.method === 'HEAD') && /^\/(?:v1\/?)?$/.test(req.url ?? '')) {
      res
        .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
        .end(JSON.stringify({ recorder: true, target: redactUrl(`${origin}/v1`) }));
      return;
    }
    readBody(req)
      .then(async (body) => {
        const answer = await send(`${origin}${req.url ?? '/'}`, req, body);
        record(req, body, answer, started);
      })
      .catch((error: NodeJS.ErrnoException) => {
        const cause = error.code ? `${error.code} ${error.message}` : error.message;
        if (error instanceof ClientRequestError) {
          // The client's request is what failed: nothing was sent to the target, and nothing is recorded.
          log(`${req.method} ${redactPath(req.url ?? '/')}: not forwarded: ${error.message}`);
          if (error.answer === null || res.headersSent || res.destroyed) return;
          const traceId = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
          const problem = apiError(error.answer, { detail: error.message });
          res
            .writeHead(problem.status, {
              'content-type': 'application/problem+json; charset=utf-8',
              connection: 'close',
              [ERROR_CODE_HEADER]: error.answer,
            })
            .end(JSON.stringify(problem.toBody(traceId)));
          return;
        }
        if (res.headersSent) {
          // The target answered and the client has it: what failed is the recording, not the target.
          const line = `${req.method} ${redactPath(req.url ?? '/')}: answered, but not recorded: ${cause}`;
          writeErrors.push(line);
          log(line);
          return;
        }
        log(`${req.method} ${redactPath(req.url ?? '/')}: cannot reach ${origin}: ${cause}`);
        // The client under test gets the catalog's gateway error, as from any other FlexFactor answer.
        const traceId = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
        const problem = apiError('502001', {
          detail: `The recorder cannot reach ${redactText(origin)}: ${redactText(cause)}`,
        });
        res
          .writeHead(502, {
            'content-type': 'application/problem+json; charset=utf-8',
            [ERROR_CODE_HEADER]: '502001',
          })
          .end(JSON.stringify(problem.toBody(traceId)));
      });

    // Answers the client, then writes the recording; only `send` above can fail for the target's sake.
    function record(req: IncomingMessage, body: Buffer, answer: Answer, started: number): void {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !/^(connection|keep-alive|transfer-encoding|content-length)$/i.test(name))
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      res.writeHead(answer.status, headers).end(answer.body);
      seq += 1;
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const op = operations.find(
        (o) => o.method.toUpperCase() === req.method && templateRegex(o.path).test(path),
      );
      const at = now();
      const name = `${prefix}-${String(seq).padStart(3, '0')}-${op?.id ?? 'unknown'}-${answer.status}`;
      // A scenario file over the size limit would be refused by serve and scenarios:check; an answer that large is not
      // even turned into YAML (redacting and writing megabytes would hold the recorder for seconds).
      const tooLarge = (bytes: number) =>
        `${req.method} ${redactText(path)} → ${answer.status}: answered, but not recorded: the scenario would be ${bytes} bytes, over the ${describeBytes(DEFAULT_SCENARIO_MAX_BYTES)} a scenario file may hold`;
      if (op && encoded(answer.headers)) {
        log(
          `${req.method} ${redactText(path)} → ${answer.status}: answered, but not recorded: the target sent it ${encoded(answer.headers)}-encoded though asked for identity, and encoded bytes can be neither read back nor redacted`,
        );
      } else if (op && answer.body.length > DEFAULT_SCENARIO_MAX_BYTES) {
        log(tooLarge(answer.body.length));
      } else if (op) {
        const file = join(out, `${name}.yaml`);
        const text = scenarioYaml({
          req,
          path,
          operation: op.id,
          status: answer.status,
          headers,
          body: answer.body,
          at,
          origin,
          schema,
        });
        const bytes = Buffer.byteLength(text);
        if (bytes > DEFAULT_SCENARIO_MAX_BYTES) log(tooLarge(bytes));
        const written = bytes <= DEFAULT_SCENARIO_MAX_BYTES && write(file, text);
        if (written) {
          files.push(file);
          log(`${req.method} ${redactText(path)} → ${answer.status}: ${file}`);
        }
      } else {
        log(
          `${req.method} ${redactText(path)} → ${answer.status}: not in contracts/openapi.yaml, no scenario written`,
        );
      }
      if (options.har) {
        const entry = harEntry(
          req,
          body,
          answer,
          headers,
          started,
          at,
          op?.id ?? null,
          `${origin}${req.url}`,
        );
        harSizes.push(JSON.stringify(entry).length);
        harBytes += harSizes.at(-1) ?? 0;
        har.log.entries.push(entry);
        // A long session must not grow the recorder without end: the newest entries are kept, as the journal does.
        while (
          har.log.entries.length > 1 &&
          (har.log.entries.length > MAX_HAR_ENTRIES || harBytes > MAX_HAR_BYTES)
        ) {
          har.log.entries.shift();
          harBytes -= harSizes.shift() ?? 0;
          if (harDropped++ === 0)
            log(
              `the HAR keeps the newest ${MAX_HAR_ENTRIES} entries within ${MAX_HAR_BYTES / 1024 / 1024} MiB; older ones are dropped from it (the scenario files stay)`,
            );
        }
        scheduleHar();
      }
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', done);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    files,
    writeErrors,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => {
          if (harTimer) writeHar();
          done();
        });
        server.closeAllConnections();
      }),
  };
}

/** Why --target cannot be recorded from (null: it can). Only http:// and https:// are forwarded. */
export function targetProblem(target: string): string | null {
  const fix = 'give the API root, e.g. https://api-sandbox.flexfactor.io/v1';
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `--target ${redactText(target)} is not a URL; ${fix}`;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return null;
  return `--target ${redactUrl(target)} is not an http:// or https:// URL; ${fix}`;
}

function templateRegex(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`, 'i');
}

/** The client's request cannot be forwarded; `answer` is the catalog code to answer it with (null: nobody to answer). */
class ClientRequestError extends Error {
  constructor(
    message: string,
    readonly answer: '413001' | null,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client can still be told why.
      if (size <= MAX_BODY) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => {
      if (size > MAX_BODY)
        fail(
          new ClientRequestError(
            `the request body is ${size} bytes; the recorder forwards bodies up to 1 MiB, the real API's limit`,
            '413001',
          ),
        );
      else done(Buffer.concat(chunks));
    });
    req.on('aborted', () =>
      fail(new ClientRequestError('the client went away before its request was complete', null)),
    );
    req.on('error', () =>
      fail(new ClientRequestError('the client went away before its request was complete', null)),
    );
  });
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function send(url: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const target = new URL(url);
  const headers = { ...req.headers, host: target.host };
  delete headers.connection;
  // An answer is recorded only as text the redactor can read: the target is asked for it uncompressed (fetch asks
  // for gzip by default, and most targets behind a CDN would send it). The client gets it uncompressed too.
  headers['accept-encoding'] = 'identity';
  const request = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : httpRequest;
  return new Promise((done, fail) => {
    // A target that trickles its answer, or sends one without end, must not hold the recorder's memory or the
    // client for ever: the whole answer within ANSWER_DEADLINE_MS, at most MAX_ANSWER bytes.
    const deadline = setTimeout(
      () =>
        outgoing.destroy(
          Object.assign(new Error(`no complete answer within ${ANSWER_DEADLINE_MS / 1000} s`), {
            code: 'ETIMEDOUT',
          }),
        ),
      ANSWER_DEADLINE_MS,
    );
    const outgoing = request(target, { method: req.method, headers, timeout: 30_000 }, (answer) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answer.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER) {
          outgoing.destroy(
            Object.assign(new Error(`the answer is over ${MAX_ANSWER / 1024 / 1024} MiB`), { code: 'E2BIG' }),
          );
          return;
        }
        chunks.push(c);
      });
      answer.on('end', () => {
        clearTimeout(deadline);
        done({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) });
      });
      answer.on('error', (error) => {
        clearTimeout(deadline);
        fail(error);
      });
    });
    outgoing.on('timeout', () =>
      outgoing.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    outgoing.on('error', (error) => {
      clearTimeout(deadline);
      fail(error);
    });
    outgoing.end(body);
  });
}

/** A body as the recording keeps it: parsed JSON redacted by key and by content, or redacted text. */
export function redactBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text === '') return undefined;
  try {
    return redact(JSON.parse(text), { keys: PERSONAL_KEYS });
  } catch {
    return redactText(text);
  }
}

/**
 * Fields of a token answer that describe the token itself: its expiry (long past when the file is replayed) and its
 * JWT `sub`. Replayed as recorded, they would contradict the token the replay hands out.
 */
const TOKEN_FIELDS = new Set(['expires', 'id']);

/**
 * A recorded token answer with its tokens redacted would hand the client `[redacted…]` as its token, and the next
 * call would be refused: each redacted field of a token-issuing answer, and each TOKEN_FIELDS field, becomes a
 * template for the same field of the answer the replaying mock issues itself (`applied: true` runs the real token
 * call first), so the file holds no secret and the replay hands out a token the mock accepts.
 */
function replayableBody(
  operation: string,
  status: number,
  body: unknown,
): { body: unknown; applied: boolean } {
  if (!SCENARIO_EFFECTS[operation]?.issuesToken || status < 200 || status > 299)
    return { body, applied: false };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body, applied: false };
  let applied = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const redacted = typeof value === 'string' && value.startsWith('[redacted');
    const replaced = (redacted || TOKEN_FIELDS.has(key)) && /^[A-Za-z0-9_$-]+$/.test(key);
    out[key] = replaced ? `{{applied.body.${key}}}` : value;
    applied ||= redacted && replaced;
  }
  return { body: out, applied };
}

function scenarioYaml(input: {
  req: IncomingMessage;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  at: Date;
  origin: string;
  schema: string;
  operation: string;
}): string {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(redactHeaders(input.headers))) {
    if (KEPT_HEADERS.test(name)) kept[name] = value;
  }
  const { body, applied } = replayableBody(input.operation, input.status, redactBody(input.body));
  const host = new URL(input.origin).host;
  const scenario = {
    description: `${input.req.method} ${redactText(input.path)} answered ${input.status}, recorded from ${host} on ${input.at.toISOString().slice(0, 10)}.`,
    source: 'observed',
    observed: {
      at: input.at.toISOString(),
      from: redactUrl(input.origin),
      sha256: recordedDigest(input.status, body),
    },
    // By operation, like the built-in library: named in x-mock-scenario, it answers that call for any order id.
    match: { operation: input.operation },
    ...(applied ? { applied: true } : {}),
    respond: {
      status: input.status,
      ...(Object.keys(kept).length > 0 ? { headers: kept } : {}),
      ...(body === undefined ? {} : { body }),
    },
  };
  return `# yaml-language-server: $schema=${input.schema}\n${yaml().stringify(scenario)}`;
}

/** The Content-Encoding of a message when it is not plain (`identity`), else null. */
function encoded(headers: IncomingMessage['headers']): string | null {
  const coding = String(headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  return coding === '' || coding === 'identity' ? null : coding;
}

function harEntry(
  req: IncomingMessage,
  body: Buffer,
  answer: Answer,
  headers: Record<string, string>,
  started: number,
  at: Date,
  operationId: string | null,
  url: string,
): HarEntry {
  const pairs = (h: Record<string, string>) => Object.entries(h).map(([name, value]) => ({ name, value }));
  // Encoded bytes would be kept as mangled text the redactor cannot see into: their size is kept, not their text.
  const reqBody = encoded(req.headers) ? undefined : redactBody(body);
  const resBody = encoded(answer.headers) ? undefined : redactBody(answer.body);
  const parsed = new URL(redactUrl(url, PERSONAL_KEYS));
  return {
    startedDateTime: at.toISOString(),
    time: Date.now() - started,
    request: {
      method: req.method ?? 'GET',
      url: parsed.toString(),
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(redactHeaders(req.headers)),
      queryString: [...parsed.searchParams].map(([name, value]) => ({ name, value })),
      ...(reqBody === undefined
        ? {}
        : {
            postData: {
              mimeType: String(req.headers['content-type'] ?? 'application/json'),
              text: typeof reqBody === 'string' ? reqBody : JSON.stringify(reqBody),
            },
          }),
      headersSize: -1,
      bodySize: body.length,
    },
    response: {
      status: answer.status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: pairs(redactHeaders(headers)),
      content: {
        size: answer.body.length,
        mimeType: headers['content-type'] ?? '',
        ...(resBody === undefined
          ? {}
          : { text: typeof resBody === 'string' ? resBody : JSON.stringify(resBody) }),
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: answer.body.length,
    },
    cache: {},
    timings: { send: 0, wait: Date.now() - started, receive: 0 },
    _session: 'recorded',
    _operationId: operationId,
    _scenarios: [],
    _orderIds: [],
  };
}

/** `flexfactor-mock record`. */
export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('proxy to --target and write every exchange as a replayable scenario file (redacted)')
    .requiredOption('--target <base-url>', 'where to forward, e.g. https://api-sandbox.flexfactor.io/v1')
    .addOption(new Option('--out <dir>', 'folder for the scenario files').default('recorded'))
    .addOption(new Option('--har <file>', 'also write the exchanges as HAR'))
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .default(4849)
        .argParser((v: string) => {
          const n = Number(v);
          if (!Number.isInteger(n) || n < 0 || n > 65535)
            throw new InvalidArgumentError('--port must be 0-65535.');
          return n;
        }),
    )
    .addOption(new Option('--prefix <name>', 'scenario name prefix').default('recorded'))
    .addOption(
      new Option(
        '--ready-file <path>',
        'once listening, write the base URL (…/v1) to this file (as serve does)',
      ),
    )
    .action(
      async (options: {
        target: string;
        out: string;
        har?: string;
        port: number;
        prefix: string;
        readyFile?: string;
      }) => {
        const { readyFile } = options;
        // As serve: the reason goes to stderr and, for `wait --ready-file`, into the ready file.
        const fail = (message: string, code: number): never => {
          process.stderr.write(`flexfactor-mock record: ${message}\n`);
          if (readyFile) writeReadyFailure(readyFile, message);
          process.exit(code);
        };
        if (readyFile) {
          try {
            clearReadyFile(readyFile);
          } catch (error) {
            process.stderr.write(`flexfactor-mock record: ${(error as Error).message}\n`);
            process.exit(2);
          }
        }
        // Before anything is created or listens: an ftp:// or file:// target would only fail at the first request.
        const refused = targetProblem(options.target);
        if (refused) fail(refused, 2);
        let recorder: Recorder;
        try {
          recorder = await startRecorder({
            ...options,
            log: (line) => process.stdout.write(`${line}\n`),
          });
        } catch (error) {
          const { code } = error as NodeJS.ErrnoException;
          if (error instanceof OutputPathError) fail(error.message, 2);
          // Exit 1, as serve exits when it cannot listen.
          if (code === 'EADDRINUSE') {
            fail(
              `port ${options.port} on 127.0.0.1 is already in use; stop what listens there, or pick another with --port (0 picks a free one)`,
              1,
            );
          }
          return fail((error as Error).message, 1);
        }
        if (readyFile) {
          try {
            // The ready file first, as serve: whoever sees the start line may rely on the file being there.
            writeReadyFile(readyFile, `${recorder.url}/v1`);
          } catch (error) {
            await recorder.close();
            fail((error as Error).message, 2);
          }
        }
        process.stdout.write(
          `Recording ${redactUrl(options.target)} through ${recorder.url}/v1 into ${resolve(options.out)}` +
            (options.har ? ` (HAR: ${options.har})` : '') +
            '\n',
        );
        const stop = () => {
          recorder.close().then(() => {
            process.stderr.write(`${recorder.files.length} scenario file(s) written\n`);
            if (recorder.writeErrors.length > 0) {
              // Exchanges were answered but their recording is lost: a CI job must not take the run as complete.
              process.stderr.write(
                `flexfactor-mock record: ${recorder.writeErrors.length} recording(s) could not be written (see the lines above); check --out and --har and record again\n`,
              );
              process.exit(1);
            }
            process.exit(0);
          });
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      },
    );
}
