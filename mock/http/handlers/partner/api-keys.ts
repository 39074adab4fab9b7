// Partner API keys: create a merchant's key (its full value shown once), read one key or a merchant's keys, revoke.

import type { ApiKeyRecord, ApiKeyType } from '../../../domain/partner-store.js';
import { apiError } from '../../../errors/catalog.js';
import { redactText } from '../../../support/redact.js';
import type { Ctx, Reply } from '../../types.js';
import { iso, partnerOf } from './shared.js';

/** Key value prefixes (sandbox flavour; the docs' example is `sk_test_4eC39HqLyjWDarjtT1zdp7dc`). */
const KEY_PREFIXES: Record<ApiKeyType, string> = {
  secret: 'sk_test_',
  public: 'pk_test_',
  tokenization: 'tk_test_',
};

/** createApiKey: a new key for a merchant the partner acts for; the full `value` is returned only here. */
export function createApiKey(ctx: Ctx): Reply {
  const state = ctx.session.partner();
  const mid = String(ctx.body.mid);
  // The name is answered back (here and in listings): kept redacted, as every echoed request text.
  const name = redactText(String(ctx.body.name));
  const type = ctx.body.type as ApiKeyType;
  // Invented business rule (the contract's failure example): key names are unique per merchant.
  const duplicate = [...state.apiKeys.values()].some(
    (k) => k.mid.toLowerCase() === mid.toLowerCase() && k.name.toLowerCase() === name.toLowerCase(),
  );
  if (duplicate) {
    return {
      body: {
        id: null,
        mid: null,
        name: null,
        type: null,
        value: null,
        scopes: null,
        created_at: null,
        errors: ['A key with this name already exists for the merchant.'],
      },
    };
  }
  const data = ctx.session.data;
  const id = data.uuid();
  const value = KEY_PREFIXES[type] + data.faker.string.alphanumeric(24);
  // Answered back here and by getApiKey: kept redacted, as the name is.
  const scopes = Array.isArray(ctx.body.scopes)
    ? ctx.body.scopes.map((scope: unknown) => redactText(String(scope)))
    : [];
  const key: ApiKeyRecord = {
    id,
    mid,
    name,
    type,
    scopes,
    lastFour: value.slice(-4),
    createdOn: ctx.services.clock.now(),
    lastUsed: null,
  };
  state.addApiKey(key);
  return {
    body: { id, mid, name, type, value, scopes, created_at: iso(key.createdOn), errors: [] },
  };
}

/** A key the caller may see: it exists in this session and belongs to a merchant the partner acts for. */
function findApiKey(ctx: Ctx, id: string): ApiKeyRecord {
  const key = ctx.session.partner().apiKeys.get(id);
  if (!key || !ctx.services.accounts.mayActFor(partnerOf(ctx), key.mid)) {
    throw apiError('404003', { detail: `No API key ${id}.` });
  }
  return key;
}

/**
 * getApiKey: the docs put "one key" and "a merchant's keys" on the same path shape. Invented disambiguation (as in
 * the contract): a MID the caller acts for → the merchant's keys (snake_case list); anything else → one key.
 */
export function getApiKey(ctx: Ctx): Reply {
  const id = ctx.params.id ?? '';
  if (ctx.services.accounts.mayActFor(partnerOf(ctx), id)) {
    const keys = [...ctx.session.partner().apiKeys.values()]
      .filter((k) => k.mid.toLowerCase() === id.toLowerCase())
      .map((k) => ({
        id: k.id,
        name: k.name,
        type: k.type,
        created_at: iso(k.createdOn),
        last_used: k.lastUsed === null ? null : iso(k.lastUsed),
        last_four: k.lastFour,
      }));
    return { body: { keys } };
  }
  const key = findApiKey(ctx, id);
  return {
    body: {
      status: 'SUCCESS',
      success: true,
      id: key.id,
      name: key.name,
      type: key.type,
      scopes: key.scopes,
      createdOn: iso(key.createdOn),
      lastUsed: key.lastUsed === null ? null : iso(key.lastUsed),
      lastFour: key.lastFour,
      errors: [],
    },
  };
}

/**
 * deleteApiKey: revoke a key. HTTP 200 with the documented body, and for a failure the documented FAILED body with
 * its documented messages (an unknown key, or one of a merchant the partner does not act for).
 */
export function deleteApiKey(ctx: Ctx): Reply {
  const key = ctx.session.partner().apiKeys.get(ctx.params.id ?? '');
  const failed = (message: string): Reply => ({
    body: { status: 'FAILED', success: false, result: null, errors: [message] },
  });
  if (!key) return failed('API key not found.');
  if (!ctx.services.accounts.mayActFor(partnerOf(ctx), key.mid))
    return failed('You do not have permission to delete this key.');
  ctx.session.partner().removeApiKey(key.id);
  return { body: { status: 'SUCCESS', success: true, result: 'API key deleted successfully.', errors: [] } };
}
