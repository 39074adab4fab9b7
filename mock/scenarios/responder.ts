// Responses a scenario builds: literal bodies with {{…}} templates filled from the request and its order. The
// writer for answers that bypass the normal send is in outgoing.ts.

import { readPath } from './matcher.js';

/** What templates can read. `order` is looked up only when a template asks for it. */
export interface TemplateScope {
  request: {
    method: string;
    path: string;
    params: Record<string, string>;
    query: Record<string, unknown>;
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
  };
  order(): Record<string, unknown> | null;
  /** The answer the mock's own handler made, under `applied: true` (null otherwise). */
  applied(): { status: number; body: unknown } | null;
  uuid(): string;
  now(): string;
}

const TEMPLATE = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/g;
const WHOLE_TEMPLATE = /^\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}$/;
/** The spread key: `{"...": "{{order}}", "status": 1}` copies the order's fields, then overrides status. */
export const SPREAD_KEY = '...';

/** Whether a literal value contains any template (bodies without one are sent as loaded, with no walk). */
export function hasTemplates(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasTemplates);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === SPREAD_KEY || hasTemplates(v));
  }
  return false;
}

/** Whether any template reads the handler's answer (which only `applied: true` runs first). */
export function readsApplied(value: unknown): boolean {
  return JSON.stringify(value ?? null).match(/\{\{\s*applied\b/) !== null;
}

/** Whether any template reads the order (so the order is looked up before rendering). */
export function readsOrder(value: unknown): boolean {
  return JSON.stringify(value ?? null).match(/\{\{\s*order\b/) !== null;
}

/** Fill every template in a JSON value. A string that is exactly one template keeps the value's type. */
export function render(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_TEMPLATE.exec(value);
    if (whole) return lookup(whole[1] as string, scope) ?? null;
    if (!value.includes('{{')) return value;
    return value.replace(TEMPLATE, (_, expr: string) => {
      const found = lookup(expr, scope);
      if (found === undefined || found === null) return '';
      return typeof found === 'object' ? JSON.stringify(found) : String(found);
    });
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const entries = Object.entries(value);
    const spread = entries.find(([k]) => k === SPREAD_KEY);
    if (spread) {
      const base = render(spread[1], scope);
      if (base !== null && typeof base === 'object' && !Array.isArray(base)) Object.assign(out, base);
    }
    for (const [key, v] of entries) if (key !== SPREAD_KEY) out[key] = render(v, scope);
    return out;
  }
  return value;
}

function lookup(expr: string, scope: TemplateScope): unknown {
  const [head, ...rest] = expr.split('.');
  switch (head) {
    case 'uuid':
      return scope.uuid();
    case 'now':
      return scope.now();
    case 'order':
      return readPath(scope.order(), rest);
    case 'applied':
      return readPath(scope.applied(), rest);
    case 'request': {
      const [part, ...path] = rest;
      const request = scope.request;
      if (part === 'headers')
        return readPath(
          request.headers,
          path.map((p) => p.toLowerCase()),
        );
      if (part === 'body') return readPath(request.body, path);
      if (part === 'query') return readPath(request.query, path);
      if (part === 'params') return readPath(request.params, path);
      if (part === 'method') return request.method;
      if (part === 'path') return request.path;
      return undefined;
    }
    default:
      return undefined;
  }
}
