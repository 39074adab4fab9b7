// Reading pact files: which files a --pacts argument names, and what each interaction asks (HTTP or message, its
// provider states, the status it expects, the credentials and token it was recorded with).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readOptionFile } from '../../mock/support/capped-file.js';

/** A problem with what the user gave us: exit 2, the message says what to do. */
export class UsageError extends Error {}

/** A pact file from a large consumer suite is some hundred KiB; 16 MiB leaves room and still bounds memory. */
export const MAX_PACT_FILE_BYTES = 16 * 1024 * 1024;

/** The text of one pact file (a regular file of at most MAX_PACT_FILE_BYTES), or a one-line UsageError. */
export function readPactText(file: string): string {
  try {
    return readOptionFile('--pacts', file, MAX_PACT_FILE_BYTES, 'a pact JSON file or a folder of them');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export interface PactInteraction {
  description: string;
  states: string[];
  kind: 'http' | 'message';
  /** HTTP: the recorded request method, path, body and Authorization header. */
  method?: string;
  path?: string;
  body?: unknown;
  authorization?: string;
  /** HTTP: the status the consumer expects. */
  status?: number;
  /** Message: its metadata (contentType, …). */
  metadata?: Record<string, unknown>;
}

export interface PactDocument {
  file: string;
  consumer: string;
  provider: string;
  interactions: PactInteraction[];
}

/** Files as given, folders expanded to their *.json files. */
export function pactFilesOf(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    if (!existsSync(path)) {
      throw new UsageError(
        `${path}: no such pact file or folder. Run your consumer (Pact) tests first — they write the pact files — ` +
          'or point --pacts at where they write them.',
      );
    }
    if (!statSync(path).isDirectory()) files.push(path);
    else {
      files.push(
        ...readdirSync(path)
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => join(path, name)),
      );
    }
  }
  if (files.length === 0) {
    throw new UsageError(
      `no pact files in ${paths.join(', ')}: run your consumer (Pact) tests first, they write them there`,
    );
  }
  return files;
}

type Raw = Record<string, unknown>;

const obj = (value: unknown): Raw =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : {};

function statesOf(i: Raw): string[] {
  if (Array.isArray(i.providerStates)) return i.providerStates.map((s) => String(obj(s).name ?? ''));
  return typeof i.providerState === 'string' ? [i.providerState] : [];
}

function header(headers: unknown, name: string): string | undefined {
  for (const [key, value] of Object.entries(obj(headers))) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

/** V2/V3 bodies are JSON values; V4 wraps them as `{ content, contentType, encoded }`. */
function bodyOf(body: unknown): unknown {
  const b = obj(body);
  return 'content' in b && 'contentType' in b ? b.content : body;
}

/** Read one pact file (V2, V3 HTTP or message, V4). */
export function readPact(file: string): PactDocument {
  const text = readPactText(file);
  let doc: Raw;
  try {
    doc = obj(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${file}: not a JSON pact file (${(error as Error).message})`);
  }
  const list = Array.isArray(doc.interactions)
    ? doc.interactions
    : Array.isArray(doc.messages)
      ? doc.messages
      : null;
  if (!list) throw new UsageError(`${file}: not a pact file (no "interactions" or "messages")`);
  const isMessageFile = !Array.isArray(doc.interactions);
  return {
    file,
    consumer: String(obj(doc.consumer).name ?? ''),
    provider: String(obj(doc.provider).name ?? ''),
    interactions: list.map((value) => {
      const i = obj(value);
      const type = String(i.type ?? '');
      const message = isMessageFile || /message/i.test(type);
      const base = { description: String(i.description ?? ''), states: statesOf(i) };
      if (message) return { ...base, kind: 'message', metadata: obj(i.metadata) } as PactInteraction;
      const request = obj(i.request);
      const response = obj(i.response);
      const authorization = header(request.headers, 'authorization');
      return {
        ...base,
        kind: 'http',
        method: String(request.method ?? 'GET').toUpperCase(),
        path: String(request.path ?? '/'),
        body: bodyOf(request.body),
        ...(authorization === undefined ? {} : { authorization }),
        status: Number(response.status ?? 200),
      } as PactInteraction;
    }),
  };
}
