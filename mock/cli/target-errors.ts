// How `verify` and `drift` explain a target they cannot use, in one line that says what to change. A token request
// is the first thing both send, so its answer tells a wrong URL (any answer but a credential refusal) from wrong
// credentials, and the network error tells a wrong scheme or a port fetch will not use from a server that is down.

import { redactText } from '../support/redact.js';

/** Where the credentials of a run came from: the options, or the mock's built-in test merchant. */
export type CredentialSource = 'given' | 'mock-default';

/** How to pass credentials, named the same way in every message. */
export const HOW_TO_GIVE_CREDENTIALS =
  '--app-key and --app-secret, or the FLEXFACTOR_APP_KEY and FLEXFACTOR_APP_SECRET environment variables';

/**
 * A refusal of the credentials themselves: 401/403, or 400 with 400003, which the sandbox answers for a wrong key or
 * secret (and so does the mock). Anything else to a token request means the request did not reach a token endpoint.
 */
export function refusesCredentials(status: number, code: string | null): boolean {
  return status === 401 || status === 403 || code === '400003';
}

/** The one line for a token request that did not yield a token. `base` is the API root the run used (…/v1). */
export function tokenFailure(
  base: string,
  answer: { status: number; code: string | null; detail: string | null },
  source: CredentialSource,
): string {
  const said = `POST ${base}/oauth2/token answered ${answer.status}${answer.code ? ` ${targetText(answer.code, 32)}` : ''}`;
  if (!refusesCredentials(answer.status, answer.code)) {
    const serverError = answer.status >= 500 ? ' (a server error: if the URL is right, try again later)' : '';
    return `${said}${serverError}: check --base-url (it should be the API root, e.g. https://api-sandbox.flexfactor.io or …/v1)`;
  }
  const why = answer.detail ? `: ${targetText(answer.detail)}` : '';
  const answered = `POST /oauth2/token answered ${answer.status}${answer.code ? ` ${targetText(answer.code, 32)}` : ''}${why}`;
  if (source === 'mock-default') {
    return `no credentials were given, and ${base} refused the mock's default test credentials (${answered}); pass the target's with ${HOW_TO_GIVE_CREDENTIALS}`;
  }
  return `${base} refused the credentials (${answered}); check ${HOW_TO_GIVE_CREDENTIALS}`;
}

/**
 * `ECONNREFUSED 127.0.0.1:9` / `ENOTFOUND api.example` — the cause a person can act on, with a hint where the raw
 * message does not say what to do. `url` (what was requested) lets the hint name the URL to try instead.
 */
export function describeNetworkError(error: unknown, url?: string): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException & { hostname?: string } };
  const cause = e?.cause && typeof e.cause === 'object' ? e.cause : e;
  const code = cause?.code ?? e?.code;
  const message = cause?.message ?? String(error);
  let hint = '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    hint = ' (the host name does not resolve: check the URL and your network or proxy)';
  else if (code === 'ECONNREFUSED') hint = ' (nothing listens there: is the server started, on that port?)';
  else if (
    code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    (code === 'EPROTO' && /wrong version number/i.test(message))
  ) {
    // A TLS handshake answered with plain HTTP: OpenSSL's own words do not say so.
    const plain = url?.startsWith('https://') ? ` try ${url.replace(/^https:/, 'http:')}` : ' try http://…';
    hint = ` (is the server plain http?${plain})`;
  } else if (message === 'bad port') {
    // fetch refuses the WHATWG "bad ports" (9, 6000, 10080, …) before connecting; nothing is wrong with the server.
    const port = portOf(url);
    hint = ` (${port ? `port ${port} is` : 'the port is'} one fetch refuses to use, whatever listens there: run the server on another port)`;
  }
  // OpenSSL's message carries a source path and line; its code alone says the same.
  const text = /^[0-9A-F]+:error:/.test(message) && code ? '' : message;
  return `${code ? `${code} ` : ''}${text}${hint}`.replace(/\s+/g, ' ').trim();
}

/**
 * Text the target wrote, as it may stand in a terminal line: redacted (a target may echo the secret it was sent),
 * control characters dropped (it must not rewrite the terminal) and cut short.
 */
function targetText(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is dropped.
  const clean = redactText(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}

function portOf(url: string | undefined): string {
  try {
    return url ? new URL(url).port : '';
  } catch {
    return '';
  }
}

/** The most of one answer `drift` reads: far above any FlexFactor answer, far below what would exhaust memory. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** An answer longer than MAX_ANSWER_BYTES: not the API, whatever it is. */
export class AnswerTooLarge extends Error {}

/** `res.text()`, but refusing (AnswerTooLarge) once the body passes MAX_ANSWER_BYTES, without holding more of it. */
export async function boundedText(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel().catch(() => {});
      throw new AnswerTooLarge(`the answer is over ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
