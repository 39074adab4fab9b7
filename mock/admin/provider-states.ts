// The Pact provider-state endpoint (POST /__admin/provider-states), so any Pact verifier — pact_verifier_cli,
// pact-jvm, pact-python, pact-go — can verify against a running mock. It follows the verifiers' state-change
// convention: `{ "state": "...", "params": {...}, "action": "setup" | "teardown" }`, one state per call, and answers
// the values the state made (a JSON object) for the verifier to inject into requests. Set-ups go through the mock's
// own public API over loopback, in the caller's x-mock-session, with the default merchant's credentials.

import { FlexFactorClient } from '../../contracts/client/index.js';
import { BUILT_IN_STATES, type StateSetup, type StateTable } from '../../contracts/pact/states.js';
import { ApiError, apiError, ERROR_CATALOG } from '../errors/catalog.js';
import type { MockParts } from '../http/mock-parts.js';

export type { StateSetup, StateTable };
export { BUILT_IN_STATES };

const REGISTERED = new WeakMap<MockParts, StateTable>();

/** Give a mock more provider states (createApp's `stateHandlers`, serve's `--states`). */
export function registerProviderStates(engine: MockParts, table: StateTable): void {
  REGISTERED.set(engine, { ...REGISTERED.get(engine), ...table });
}

export interface ProviderStateCall {
  /** Empty for an interaction without a provider state: nothing is set up. Absent is refused (400001). */
  state?: string;
  params?: Record<string, unknown>;
  action?: 'setup' | 'teardown';
}

/**
 * Run one state change from this process (a Pact verifier's state handler written in code): as the admin route does,
 * but a refusal is thrown with its explanation in the message, which is all that test runners print.
 */
export async function changeProviderState(
  engine: MockParts,
  session: string,
  origin: string,
  call: ProviderStateCall,
): Promise<Record<string, unknown>> {
  try {
    return await applyProviderState(engine, session, origin, call);
  } catch (error) {
    throw error instanceof ApiError ? error.forCaller(ERROR_CATALOG[error.code].fix) : error;
  }
}

/** Run one state change against the mock behind `origin` (e.g. http://127.0.0.1:4848). */
export async function applyProviderState(
  engine: MockParts,
  session: string,
  origin: string,
  call: ProviderStateCall,
): Promise<Record<string, unknown>> {
  // Pact's verifiers call the state-change URL for every interaction, with an empty state for one that has none:
  // there is nothing to set up, and refusing it would fail every stateless interaction of a pact.
  // The contract cannot say "required, may be empty" (the binder reads an empty required string as missing), so the
  // absent field is refused here.
  if (call.state === undefined) {
    throw apiError('400001', {
      errors: {
        State: ['The State field is required: the state sentence, or "" for an interaction without one.'],
      },
    });
  }
  if (call.state.trim() === '') return {};
  const table: StateTable = { ...BUILT_IN_STATES, ...REGISTERED.get(engine) };
  const entry = table[call.state];
  if (!entry) {
    throw apiError('400080', {
      detail: `No provider state "${call.state}". Known states: ${Object.keys(table)
        .map((s) => `"${s}"`)
        .join(', ')}.`,
    });
  }
  const setup =
    typeof entry === 'function'
      ? call.action === 'teardown'
        ? undefined
        : entry
      : entry[call.action ?? 'setup'];
  if (!setup) return {};
  const account = engine.accounts.accounts[0];
  if (!account) throw apiError('409080', { detail: 'The server has no merchant account.' });
  const client = new FlexFactorClient({
    baseUrl: `${origin}/v1`,
    appKey: account.appKey,
    appSecret: account.appSecret,
    mid: account.mid,
    headers: { 'x-mock-session': session },
    maxRetries: 0,
    timeoutMs: 10_000,
  });
  try {
    return (await setup(call.params ?? {}, { client, mock: { engine, session, mid: account.mid } })) ?? {};
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw apiError('409080', { detail: `"${call.state}": ${(error as Error).message}.` });
  }
}
