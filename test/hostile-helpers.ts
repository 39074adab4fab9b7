// Fixtures for the hostile-input tests: a real server on 127.0.0.1 (port 0) and a small fetch wrapper that returns
// status, headers and the parsed body, so every reproduction goes through a socket as an attacker's would.

import { connect } from 'node:net';
import { DEFAULT_MERCHANT, type MerchantAccount } from '../mock/domain/accounts.js';
import { createApp, type MockApp, type MockOptions } from '../mock/http/app.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import type { Logger } from '../mock/support/logger.js';
import { T0 } from './helpers.js';

export interface Live {
  app: MockApp;
  server: RunningServer;
  logs: string[];
  call(method: string, path: string, init?: CallInit): Promise<Answer>;
  token(account?: MerchantAccount, session?: string): Promise<string>;
  close(): Promise<void>;
}

export interface CallInit {
  headers?: Record<string, string>;
  body?: unknown;
  /** Raw bytes to send as the body (no JSON encoding, no content type added). */
  raw?: Uint8Array | string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field.
  body: any;
}

export async function startLive(options: MockOptions = {}): Promise<Live> {
  const logs: string[] = [];
  const logger: Logger = {
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const app = createApp({ clock: { start: T0, frozen: true }, logger, ...options });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  const call = async (method: string, path: string, init: CallInit = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    let body: string | Uint8Array | undefined;
    if (init.raw !== undefined) body = init.raw;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  const token = async (account: MerchantAccount = DEFAULT_MERCHANT, session?: string) => {
    const res = await call('POST', '/v1/oauth2/token', {
      headers: session ? { 'x-mock-session': session } : {},
      body: { AppKey: account.appKey, AppSecret: account.appSecret },
    });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
    return res.body.accessToken as string;
  };
  return { app, server, logs, call, token, close: () => server.close(1_000) };
}

/** Send raw bytes on a fresh socket and collect everything the server answers until it closes (or 5 s pass). */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, 5_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(bytes);
  });
}

/** The JSON body of a raw HTTP/1.1 answer (after the blank line), or undefined. */
export function rawBody(answer: string): unknown {
  const at = answer.indexOf('\r\n\r\n');
  if (at === -1) return undefined;
  try {
    return JSON.parse(answer.slice(at + 4));
  } catch {
    return undefined;
  }
}
