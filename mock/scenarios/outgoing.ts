// A response a scenario writes itself, bypassing the normal send (undeclared statuses, text bodies, custom content
// types), or the response a transport fault in faults.ts breaks on the way out.

import type { Response } from 'express';

/** A response ready to be written: status, headers, the body as a value (for the journal) and as text. */
export interface Outgoing {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  /** The body as a value (what the journal records); undefined for none. */
  body: unknown;
  /** The exact text to send ('' for none). */
  text: string;
}

export function outgoing(
  status: number,
  body: unknown,
  headers: Record<string, string>,
  contentType?: string,
): Outgoing {
  const custom = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const rest = Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
  );
  const noBody = status === 204 || status === 304 || body === undefined;
  const text = noBody ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers: rest,
    contentType:
      custom ??
      contentType ??
      (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
    body: noBody ? undefined : body,
    text,
  };
}

/** Write a complete response that does not go through the pipeline's send (and its contract check). */
export function writeOutgoing(res: Response, out: Outgoing): void {
  res.status(out.status);
  for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
  (res.locals as { responseBody?: unknown }).responseBody = out.body;
  if (out.text === '') {
    res.end();
    return;
  }
  res.setHeader('content-type', out.contentType);
  res.send(out.text);
}

/**
 * Whether the contract declares a status for an operation (not only through `default`): such a JSON answer goes
 * through the normal send and its contract check. The table is built on first use.
 */
export function declaredStatuses(contract: {
  readonly document: { paths?: unknown };
}): (operationId: string, status: number) => boolean {
  let declared: Map<string, Set<number>> | null = null;
  return (operationId, status) => {
    if (!declared) {
      declared = new Map();
      const paths = (contract.document.paths ?? {}) as Record<string, Record<string, unknown>>;
      for (const item of Object.values(paths)) {
        for (const op of Object.values(item)) {
          const o = op as { operationId?: string; responses?: Record<string, unknown> };
          if (!o?.operationId) continue;
          declared.set(
            o.operationId,
            new Set(
              Object.keys(o.responses ?? {})
                .map(Number)
                .filter(Number.isFinite),
            ),
          );
        }
      }
    }
    return declared.get(operationId)?.has(status) ?? false;
  };
}

/** Scenario-file header values (numbers allowed) as the strings a response carries. */
export function stringHeaders(headers: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
}
