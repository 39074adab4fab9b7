// HAR 1.2 export of the journal's recorded requests, redacted like everything in the journal. Extra fields start
// with an underscore, as HAR allows: the session, the operation, the scenarios and the order ids of each exchange.

import { STATUS_CODES } from 'node:http';
import type { StoredRequest } from './entries.js';

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    pages: [];
    entries: HarEntry[];
    comment?: string;
  };
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: [];
    headers: { name: string; value: string }[];
    queryString: { name: string; value: string }[];
    postData?: { mimeType: string; text: string };
    headersSize: -1;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: [];
    headers: { name: string; value: string }[];
    content: { size: number; mimeType: string; text?: string };
    redirectURL: '';
    headersSize: -1;
    bodySize: number;
    _error?: string;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  _session: string;
  _operationId: string | null;
  _scenarios: string[];
  _orderIds: string[];
}

export const HAR_CREATOR = { name: 'flexfactor-mock', version: '0.1.0' };

/** Requests (already in journal order) as one HAR log; `session` only names the log. */
export function harLog(requests: StoredRequest[], session?: string): Har {
  return {
    log: {
      version: '1.2',
      creator: { ...HAR_CREATOR },
      pages: [],
      entries: requests.map(harEntry),
      comment:
        session === undefined ? 'flexfactor-mock journal' : `flexfactor-mock journal, session ${session}`,
    },
  };
}

function headerList(headers: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value }));
}

function queryList(query: Record<string, unknown>): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) out.push({ name, value: typeof v === 'string' ? v : JSON.stringify(v) });
  }
  return out;
}

export function harEntry(e: StoredRequest): HarEntry {
  const queryString = queryList(e.query);
  const search = new URLSearchParams(queryString.map((q): [string, string] => [q.name, q.value])).toString();
  const host = e.requestHeaders.host ?? 'localhost';
  const requestType = e.requestHeaders['content-type'] ?? 'application/json';
  const responseType = e.responseHeaders['content-type'] ?? 'application/json';
  const responseText = e.responseBody.text ?? '';
  const entry: HarEntry = {
    startedDateTime: new Date(e.at).toISOString(),
    time: e.durationMs,
    request: {
      method: e.method,
      url: `http://${host}${e.path}${search ? `?${search}` : ''}`,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(e.requestHeaders),
      queryString,
      headersSize: -1,
      bodySize: e.requestBody.text === null ? 0 : Buffer.byteLength(e.requestBody.text),
    },
    response: {
      status: e.status ?? 0,
      statusText: e.status === null ? '' : (STATUS_CODES[e.status] ?? ''),
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: headerList(e.responseHeaders),
      content: { size: Buffer.byteLength(responseText), mimeType: responseType, text: responseText },
      redirectURL: '',
      headersSize: -1,
      bodySize: e.responseBody.text === null ? 0 : Buffer.byteLength(responseText),
    },
    cache: {},
    timings: { send: 0, wait: e.durationMs, receive: 0 },
    _session: e.session,
    _operationId: e.operationId,
    _scenarios: [...e.scenarios],
    _orderIds: [...e.orderIds],
  };
  if (e.requestBody.text !== null)
    entry.request.postData = { mimeType: requestType, text: e.requestBody.text };
  if (e.status === null)
    entry.response._error = 'The connection closed without a response (transport fault).';
  return entry;
}
