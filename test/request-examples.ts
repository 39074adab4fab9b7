// Request bodies for tests, taken from the contract: the first non-empty example of each operation's JSON request
// body in contracts/openapi.yaml, with the values that must point at live objects or be fresh replaced by the test's own.
// A new operation with a request example needs no hand-copied body in the tests that walk every operation.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { guid } from './helpers.js';

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary OpenAPI document.
type Node = any;

/** The ids the contract's examples use throughout, so one binding serves every operation that names them. */
export const EXAMPLE_IDS = {
  mid: 'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45',
  order: 'e97b1ff1-4449-46da-bc6c-a76d23f16353',
  externalOrder: 'ORDER-100045',
  application: 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b',
  apiKey: 'c0a8012e-5b6f-4c7d-8e9f-a0b1c2d3e4f5',
  document: 'document_789012',
} as const;

/** Follow local `$ref`s. */
export function resolve(doc: Node, node: Node): Node {
  let current = node;
  for (let i = 0; current?.$ref && i < 20; i++) {
    current = String(current.$ref)
      .slice(2)
      .split('/')
      .reduce((acc: Node, key: string) => acc?.[key], doc);
  }
  return current;
}

/** operationId → the first non-empty example of its JSON request body (operations without one are absent). */
export function requestExamples(doc: Node): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const item of Object.values(doc.paths as Record<string, Node>)) {
    for (const op of Object.values(item as Record<string, Node>)) {
      if (!op?.operationId) continue;
      const content = (resolve(doc, op.requestBody)?.content ?? {}) as Record<string, Node>;
      const json = Object.entries(content).find(([type]) => /json/.test(type))?.[1];
      const values = [
        json?.example,
        ...Object.values(json?.examples ?? {}).map((e) => resolve(doc, e)?.value),
      ];
      const value = values.find(
        (v) => v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0,
      );
      if (value) out.set(op.operationId, value);
    }
  }
  return out;
}

let cached: Map<string, Json> | undefined;
/** The examples of contracts/openapi.yaml, read once. */
export function contractRequestExamples(): Map<string, Json> {
  cached ??= requestExamples(parse(readFileSync('contracts/openapi.yaml', 'utf8')));
  return cached;
}

/**
 * What a test binds: the order the example's order id stands for, its amount (cents), the card to send, and any
 * other example id (an application, a key, a document…) → the live object's id.
 */
export interface Live {
  order?: string;
  amount?: number;
  card?: string;
  ids?: Readonly<Record<string, string>>;
}

/**
 * A deep copy of `example` with live values: the example merchant and order ids become the test's, credentials the
 * default merchant's, card data a test card (sent as a number, not a vault token) that has not expired, amounts the
 * order's, every idempotency key fresh, and every other merchant order id made unique.
 */
export function bindExample(example: Json, live: Live): Json {
  const bind = (key: string, value: unknown): unknown => {
    if (value === EXAMPLE_IDS.mid) return DEFAULT_MERCHANT.mid;
    if (value === EXAMPLE_IDS.order) return live.order ?? value;
    if (typeof value === 'string' && live.ids?.[value] !== undefined) return live.ids[value];
    switch (key) {
      case 'idempotencyKey':
        return guid();
      case 'orderId':
        return `${String(value).replace(/[\d-]+$/, '')}-${guid()}`;
      case 'amount':
        return live.amount ?? value;
      case 'year':
        return typeof value === 'number' ? 2030 : '2030';
      case 'AppKey':
        return DEFAULT_MERCHANT.appKey;
      case 'AppSecret':
        return DEFAULT_MERCHANT.appSecret;
      case 'cardNumber':
      case 'number':
        return live.card ?? TEST_CARDS.approved;
      case 'token':
        return typeof value === 'boolean' ? false : value;
      default:
        return value;
    }
  };
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(bind(key, value))]));
  };
  return walk(example) as Json;
}

/**
 * The concrete path of an operation: each path parameter is its contract example, bound like a body value (the
 * example order id becomes `live.order`, other example ids their entry in `live.ids`).
 */
export function examplePath(doc: Node, template: string, method: string, live: Live): string {
  const op = doc.paths?.[template]?.[method.toLowerCase()];
  const params = [...(doc.paths?.[template]?.parameters ?? []), ...(op?.parameters ?? [])].map((p: Node) =>
    resolve(doc, p),
  );
  return template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const param = params.find((p: Node) => p?.in === 'path' && p.name === name);
    const value = param?.example ?? param?.schema?.example;
    if (value === undefined) throw new Error(`${method} ${template}: give path parameter ${name} an example`);
    const bound = (bindExample({ [name]: value }, live) as Record<string, unknown>)[name];
    return encodeURIComponent(String(bound));
  });
}
