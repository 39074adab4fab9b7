// What every partner resource module shares: the calling partner, value coercions and the partner action envelope.

import type { MerchantAccount } from '../../../domain/accounts.js';
import { redactText } from '../../../support/redact.js';
import type { Ctx, Reply } from '../../types.js';

/** The authenticated partner (the pipeline guarantees one on every partner operation). */
export function partnerOf(ctx: Ctx): MerchantAccount {
  if (!ctx.account) throw new Error('partner handlers need an authenticated caller');
  return ctx.account;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A stored request value as an answer shows it: text is redacted (no answer echoes card data or a secret). */
export function str(value: unknown): string | null {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The partner action envelope (documented for submit): statusCode "200"/"400", plain-string errors. */
export function actionSuccess(result: string): Reply {
  return {
    body: { status: 'SUCCESS', success: true, result, statusCode: '200', errors: [], customProperties: {} },
  };
}

/** A refused partner action: HTTP 200 with `status: FAILED` (documented business failure, not a 4xx). */
export function actionFailure(message: string): Reply {
  return {
    body: {
      status: 'FAILED',
      success: false,
      result: null,
      statusCode: '400',
      errors: [message],
      customProperties: {},
    },
  };
}

export function paging(query: Record<string, unknown>): { pageSize: number; pageNumber: number } {
  return { pageSize: Number(query.pageSize ?? 10), pageNumber: Number(query.pageNumber ?? 1) };
}
