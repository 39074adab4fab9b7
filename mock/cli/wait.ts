// `flexfactor-mock wait`: block until a running mock answers, so a CI job or a container HEALTHCHECK needs no curl
// loop. Healthy means a 2xx from the URL (the server's root and /v1 answer a small JSON index without credentials).

import { request as httpRequest } from 'node:http';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { describeBytes, readCapped } from '../support/capped-file.js';
import { durationWithUnit } from './arguments.js';
import { READY_FILE_FAILED } from './serve-support.js';

export interface WaitOptions {
  /** The URL to poll, or a function giving it once known (null: not yet). */
  url: string | (() => string | null);
  /** Give up after this many ms. */
  timeoutMs: number;
  /** Pause between attempts, in ms. */
  intervalMs?: number;
}

/** Thrown by a `url` function when waiting longer cannot help: waitForUrl returns it as a final failure. */
export class FinalWaitError extends Error {}

/** `final`: the failure will not change with more waiting (the server failed to start, or the ready file is wrong). */
export type WaitResult = { ok: true; ms: number } | { ok: false; reason: string; final?: true };

const NO_ATTEMPT = 'no attempt finished';
/** The longest one attempt may wait for an answer. */
const ATTEMPT_MS = 5_000;

/** Poll `url` until it answers 2xx or the timeout passes; the reason names the last failure. */
export async function waitForUrl({ url, timeoutMs, intervalMs = 200 }: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  let reason = NO_ATTEMPT;
  for (;;) {
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) return { ok: false, reason };
    try {
      const target = typeof url === 'string' ? url : url();
      if (target === null) throw new Error('the ready file is not written yet');
      // serve and record write their ready file whole (a rename), so text that is no URL will not become one: say so at once.
      // Printed as it is, so without control characters (a ready file is anyone's to write) and cut.
      if (target.startsWith(READY_FILE_FAILED))
        return { ok: false, reason: target.replace(/\p{Cc}/gu, ' ').slice(0, 600), final: true };
      if (!/^https?:\/\/\S+$/.test(target))
        return {
          ok: false,
          reason: `the ready file holds no http URL (${JSON.stringify(target.slice(0, 80))})`,
          final: true,
        };
      const status = await probeStatus(target, Math.min(left, ATTEMPT_MS));
      if (status >= 200 && status < 300) return { ok: true, ms: Date.now() - started };
      reason = `answered ${status}`;
    } catch (error) {
      if (error instanceof FinalWaitError) return { ok: false, reason: error.message, final: true };
      const code = (error as { code?: string }).code;
      const timedOut = (error as Error).name === 'TimeoutError';
      // An attempt the overall deadline cut short (not the ATTEMPT_MS cap) says nothing about the server: on a busy machine
      // it may not even have connected. An earlier attempt's finished reason (ECONNREFUSED, answered 503) stays.
      const cutByDeadline = timedOut && left < ATTEMPT_MS && reason !== NO_ATTEMPT;
      if (!cutByDeadline) reason = timedOut ? 'no answer' : (code ?? (error as Error).message);
    }
    const pause = Math.min(intervalMs, timeoutMs - (Date.now() - started));
    if (pause > 0) await new Promise((done) => setTimeout(done, pause));
  }
}

/**
 * One GET with Node's HTTP client. Not fetch: fetch refuses the WHATWG "bad ports" (6000, 5060, 10080, …) without
 * connecting, and `serve` listens on those like on any other port.
 */
export function probeStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    // node:https only when asked for: loading TLS would slow every start of the server too.
    const send = url.startsWith('https:') ? process.getBuiltinModule('node:https').request : httpRequest;
    const req = send(url, { signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error) => {
      const aborted = (error as Error).name === 'AbortError';
      reject(aborted ? Object.assign(new Error('no answer'), { name: 'TimeoutError' }) : error);
    });
    req.end();
  });
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('give an absolute URL, e.g. http://127.0.0.1:4848');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('give an http:// or https:// URL');
  }
  return url.href;
}

export function addWaitCommand(program: Command): Command {
  return program
    .command('wait')
    .description('wait until a running mock answers (exit 0), or print why not and exit 1 after --timeout')
    .addOption(
      new Option(
        '--url <url>',
        'the server to wait for (its root or /v1; default: 127.0.0.1 on $PORT or 4848)',
      )
        .conflicts('readyFile')
        .argParser(httpUrl),
    )
    .addOption(
      new Option(
        '--ready-file <path>',
        'wait for the URL that `serve --ready-file` (or `record --ready-file`) writes to this file, then for it',
      ),
    )
    .addOption(
      new Option('--timeout <duration>', 'give up after this long, e.g. 30s, 2m')
        .default(30_000, '30s')
        .argParser(durationWithUnit),
    )
    .addOption(
      new Option('--interval <duration>', 'pause between attempts')
        .default(200, '200ms')
        .argParser(durationWithUnit),
    )
    .action(async (options: { url?: string; readyFile?: string; timeout: number; interval: number }) => {
      const { readyFile } = options;
      const url = readyFile
        ? () => readUrl(readyFile)
        : (options.url ?? `http://127.0.0.1:${process.env.PORT || '4848'}/v1`);
      const shown = readyFile ? `the server of ${readyFile}` : String(url);
      const result = await waitForUrl({
        url,
        timeoutMs: options.timeout,
        intervalMs: options.interval,
      });
      if (result.ok) {
        process.stdout.write(`${shown} is up (after ${result.ms} ms)\n`);
        return;
      }
      process.stderr.write(
        result.final
          ? `flexfactor-mock wait: ${shown}: ${result.reason}\n`
          : `flexfactor-mock wait: ${shown} did not answer within ${options.timeout / 1000}s (last attempt: ${result.reason})\n`,
      );
      process.exitCode = 1;
    });
}

/** A ready file holds one URL or one `failed to start:` line; anything longer was not written by serve. */
export const MAX_READY_FILE_BYTES = 4 * 1024;

/**
 * The URL in a ready file, or null while the file does not exist yet (or cannot be read yet). A device, FIFO or
 * folder, or a file over MAX_READY_FILE_BYTES, never becomes a ready file: a FinalWaitError.
 */
function readUrl(path: string): string | null {
  try {
    return readCapped(path, MAX_READY_FILE_BYTES).trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== undefined) return null;
    throw new FinalWaitError(
      `--ready-file: ${(error as Error).message}; give the file that serve --ready-file writes (a URL, at most ${describeBytes(MAX_READY_FILE_BYTES)})`,
    );
  }
}
