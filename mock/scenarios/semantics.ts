// The checks a scenario file must pass beyond its JSON Schema: which keys go together, side files, durations, catalog
// codes, and whether state changes can reach the operation they act on.

import { parseDuration } from '../domain/clock.js';
import { ERROR_CATALOG } from '../errors/catalog.js';
import { headerProblem } from '../support/header-value.js';
import { type FaultObject, faultRow } from './faults.js';
import type { SpecError } from './matcher.js';
import { hasTemplates, readsApplied, readsOrder } from './responder.js';
import type { ExampleRequest, ScenarioFile } from './types.js';

/** A side file named in a scenario, confined to the scenario's folder (throws when it is not). */
export type SideFile = (path: string) => { path: string; read(): string };

/** What the checks work out for the compiled scenario. */
export interface Derived {
  /** The literal body (parsed JSON or text from `body`/`bodyFile`), when respond has a status. */
  literalBody: unknown;
  /** Whether literalBody has {{…}} templates, and whether they read the order. */
  templated: boolean;
  readsOrder: boolean;
  /** state.fate.after in ms. */
  fateAfterMs: number | null;
}

/**
 * Rules the schema cannot say (or cannot say clearly): combinations, side files, durations, the contract. Problems
 * go to `errors`; `operations` is what the scenario's match can reach (null: every operation).
 */
export function checkSemantics(
  d: ScenarioFile,
  fault: FaultObject | null,
  operations: ReadonlySet<string> | null,
  errors: SpecError[],
  sideFile: SideFile,
): Derived {
  const s: Derived = { literalBody: undefined, templated: false, readsOrder: false, fateAfterMs: null };
  const respond = d.respond;
  if (respond) {
    if (respond.error !== undefined) {
      if (!(respond.error in ERROR_CATALOG)) {
        errors.push({ at: ['respond', 'error'], message: `${respond.error} is not in the error catalog` });
      }
      for (const key of ['body', 'bodyFile'] as const) {
        if (respond[key] !== undefined) {
          errors.push({
            at: ['respond', key],
            message: `${key} goes with status, not with error (the catalog builds the body)`,
          });
        }
      }
    } else {
      for (const key of ['detail', 'errors'] as const) {
        if (respond[key] !== undefined) {
          errors.push({
            at: ['respond', key],
            message: `${key} goes with error (a catalog code), not with status`,
          });
        }
      }
      if (respond.body !== undefined && respond.bodyFile !== undefined) {
        errors.push({ at: ['respond', 'bodyFile'], message: 'give body or bodyFile, not both' });
      }
      // HTTP sends no body with these: Node drops it, and the client sees an answer other than the file's.
      const bodiless = respond.status === 204 || respond.status === 205 || respond.status === 304;
      if (bodiless && (respond.body !== undefined || respond.bodyFile !== undefined)) {
        errors.push({
          at: ['respond', respond.body !== undefined ? 'body' : 'bodyFile'],
          message: `a ${respond.status} answer has no body: remove it, or choose a status that carries one (200)`,
        });
      }
      if (respond.bodyFile !== undefined) {
        try {
          const side = sideFile(respond.bodyFile);
          const text = side.read();
          s.literalBody = /\.json$/i.test(side.path) ? JSON.parse(text) : text;
        } catch (error) {
          errors.push({
            at: ['respond', 'bodyFile'],
            message: `cannot use ${respond.bodyFile}: ${(error as Error).message}`,
          });
        }
      } else {
        s.literalBody = respond.body;
      }
      s.templated = hasTemplates(s.literalBody) || hasTemplates(respond.headers ?? {});
      s.readsOrder = readsOrder(s.literalBody) || readsOrder(respond.headers ?? {});
      if (!d.applied && (readsApplied(s.literalBody) || readsApplied(respond.headers ?? {}))) {
        errors.push({
          at: ['respond'],
          message:
            '{{applied.…}} reads the answer of the request run for real: add applied: true, or it is always empty',
        });
      }
    }
    // Static values are checked here; templated ones are made safe when rendered (safeHeaderValue).
    for (const [name, value] of Object.entries(respond.headers ?? {})) {
      const problem = headerProblem(name, String(value));
      if (problem) errors.push({ at: ['respond', 'headers', name], message: problem });
    }
  }
  const sendsResponse = fault ? faultRow(fault.type).sendsResponse : true;
  if (fault && !sendsResponse && respond) {
    errors.push({ at: ['respond'], message: `a ${fault.type} fault sends no response: remove respond` });
  }
  if (fault && sendsResponse && !respond && !d.applied) {
    errors.push({
      at: ['fault'],
      message: `${fault.type} needs a body: add respond, or applied: true to fault the real response`,
    });
  }
  if (d.applied && !respond && !fault) {
    errors.push({
      at: ['applied'],
      message: 'applied needs respond or fault: what does the client get instead?',
    });
  }
  if (d.delay !== undefined && typeof d.delay === 'object') {
    const delay = d.delay;
    const need: Record<string, string[]> = {
      fixed: ['ms'],
      uniform: ['min', 'max'],
      normal: ['mean', 'stddev'],
      lognormal: ['median', 'p99'],
    };
    for (const key of need[delay.distribution] ?? []) {
      if ((delay as Record<string, unknown>)[key] === undefined) {
        errors.push({ at: ['delay'], message: `a ${delay.distribution} delay needs ${key}` });
      }
    }
    if (delay.distribution === 'uniform' && (delay.min ?? 0) > (delay.max ?? 0)) {
      errors.push({ at: ['delay', 'min'], message: 'min is larger than max' });
    }
    if (delay.distribution === 'lognormal' && (delay.p99 ?? 0) < (delay.median ?? 0)) {
      errors.push({ at: ['delay', 'p99'], message: 'p99 is smaller than the median' });
    }
  }
  const state = d.state;
  const evaluates = operations === null || operations.has('evaluate');
  for (const key of ['evaluateAs', 'fate'] as const) {
    if (state?.[key] !== undefined && !evaluates) {
      errors.push({
        at: ['state', key],
        message: `${key} acts on /v1/evaluate, which this scenario never matches`,
      });
    }
  }
  if (state?.fate) {
    try {
      s.fateAfterMs = parseDuration(state.fate.after);
    } catch (error) {
      errors.push({ at: ['state', 'fate', 'after'], message: (error as Error).message });
    }
  }
  if (state?.nextToken && !(state.nextToken.error in ERROR_CATALOG)) {
    errors.push({
      at: ['state', 'nextToken', 'error'],
      message: `${state.nextToken.error} is not in the error catalog`,
    });
  }
  const example = d.example;
  if (example) {
    const requests: [(string | number)[], ExampleRequest | undefined][] = [
      [['example', 'request'], example.request],
      ...(example.before ?? []).map((t, i): [(string | number)[], ExampleRequest | undefined] => [
        ['example', 'before', i, 'request'],
        t.request,
      ]),
      ...(example.then ?? []).map((t, i): [(string | number)[], ExampleRequest | undefined] => [
        ['example', 'then', i, 'request'],
        t.request,
      ]),
    ];
    for (const [at, request] of requests) {
      if (request?.bodyFile === undefined) continue;
      try {
        sideFile(request.bodyFile);
      } catch (error) {
        errors.push({
          at: [...at, 'bodyFile'],
          message: `cannot use ${request.bodyFile}: ${(error as Error).message}`,
        });
      }
    }
    for (const [i, step] of [...(example.before ?? []), ...(example.then ?? [])].entries()) {
      if (!step.request && !step.repeat) {
        errors.push({
          at: ['example'],
          message: `step ${i + 1} of before/then needs request or repeat: true`,
        });
      }
    }
  }
  return s;
}
