// The scenario engine: which scenarios a request runs under (x-mock-scenario header, else the session's choice, else
// the server default), and the pipeline hooks that apply them — answer, delay or fault before the handler, or let the
// handler run and then replace or break its response ("applied but the response was lost"), and drive state.
// Nothing is global: a session's choice and its "first N requests" counters belong to that session only.

import type { Request, Response } from 'express';
import { ADMIN_PREFIX } from '../admin/mount.js';
import type { Contract } from '../contract/contract.js';
import type { VirtualClock } from '../domain/clock.js';
import { TEST_CARDS } from '../domain/outcomes.js';
import type { OperationEffects } from '../domain/scenario-effects.js';
import { MAX_SESSIONS, type Session, type Store } from '../domain/store.js';
import { cardDataChecks } from '../domain/strict-profile.js';
import { apiError, type ErrorCode } from '../errors/catalog.js';
import { ERROR_CODE_HEADER, errorResponse } from '../errors/shape.js';
import type { Ctx, HookResult, Reply, RequestHooks } from '../http/types.js';
import { merchantOf } from '../http/types.js';
import { evictOldest } from '../support/bounded.js';
import { safeHeaderValue } from '../support/header-value.js';
import type { Logger } from '../support/logger.js';
import type { WebhookFaults } from '../webhooks/faults.js';
import { customContentType, responseContract } from './body-check.js';
import { faultObject, faultRow, HungRequests, sampleDelay, seededRandom, Timers } from './faults.js';
import { scenarioFileLabel } from './file-label.js';
import { ScenarioLibrary } from './library.js';
import { builtInScenarioDir, type CompiledScenario, NO_SCENARIO, SCENARIO_NAME } from './loader.js';
import { declaredStatuses, type Outgoing, outgoing, stringHeaders, writeOutgoing } from './outgoing.js';
import { render } from './responder.js';
import { templateScope } from './template-scope.js';
import type { ScenarioInfo, ScenarioOptions, ScenarioProblem } from './types.js';

export { formatProblem, MAX_SELECTED } from './library.js';
export type { ScenarioOptions } from './types.js';
export const SCENARIO_HEADER = 'x-mock-scenario';

/** The part of the webhook dispatcher scenarios use (mock/webhooks). */
export interface WebhookFaultSink {
  setFaults(session: string, faults: WebhookFaults): void;
}

/** What the scenario engine works with, all built before it. */
export interface ScenarioDeps {
  /** Seeds the random delays. */
  seed: number;
  /**
   * Operations a match block may name, and the responses each declares; with its fingerprint, the built-in scenario
   * files are compiled once per process for every mock of that contract.
   */
  contract: Pick<Contract, 'operations' | 'document' | 'responseErrors'> &
    Partial<Pick<Contract, 'fingerprint' | 'packaged'>>;
  /** Scenario fates are scheduled on orders; templates read an order settled to now. */
  store: Pick<Store, 'schedule' | 'settle' | 'onSessionDropped'>;
  clock: Pick<VirtualClock, 'now'>;
  /** Where a scenario's webhook faults go. */
  webhooks: WebhookFaultSink;
  /** Problems with scenario files (already redacting). */
  log: Logger;
  /**
   * The start and reload reports of bad scenario files (already redacting; default `log`). Not rate-limited: the
   * report bounds itself, and every bad file must be named even when many are bad.
   */
  report?: Logger;
  /** Which operations a scenario's `state` block acts on, as the domain registers them. */
  effects: Readonly<Record<string, OperationEffects>>;
}

/** Per request: the scenarios chosen, those that applied, and what is left for afterHandler. */
interface Run {
  chosen: CompiledScenario[];
  applied: string[];
  after?: CompiledScenario;
  fate?: CompiledScenario;
  swappedToken?: boolean;
}

interface Locals {
  scenarios?: string[];
  scenarioRun?: Run;
}

/**
 * Loaded scenario files and the per-session choice of them. createApp() puts one on `app.mock.scenarios`.
 *
 * @example
 * app.mock.scenarios?.useForSession('worker-1', ['gateway-timeout']);
 * // every request with `x-mock-session: worker-1` now runs under gateway-timeout; other sessions are unaffected
 * app.mock.scenarios?.clearSession('worker-1');
 */
export class ScenarioEngine {
  /** The pipeline extension createApp() registers. */
  readonly hooks: RequestHooks;
  /** Server-wide default scenarios (fixed at start). */
  readonly defaults: readonly string[];
  readonly #deps: ScenarioDeps;
  readonly #library: ScenarioLibrary;
  readonly #selections = new Map<string, string[]>();
  readonly #counters = new Map<string, Map<CompiledScenario, number>>();
  readonly #tokenErrors = new Map<string, { code: ErrorCode; left: number; scenario: string }>();
  readonly #hung: HungRequests;
  readonly #timers = new Timers();
  readonly #random: () => number;
  readonly #declares: (operationId: string, status: number) => boolean;
  /** endHung() was called: a request reaching a `hang` fault is ended at once. */
  #endingHung = false;
  /** Ends the subscription that forgets a session's choice when the store forgets the session. */
  #unsubscribe: () => void = () => undefined;

  constructor(deps: ScenarioDeps, options: ScenarioOptions = {}) {
    this.#deps = deps;
    this.#hung = new HungRequests(options.hang, (maxHeld) =>
      deps.log.warn(
        `hang: ${maxHeld} requests are held open already (the most at once); more hung requests have their connection ended at once until half of those are gone`,
      ),
    );
    this.defaults = Object.freeze([...(options.defaults ?? [])]);
    this.#random = seededRandom(deps.seed ^ 0x5ce7a1);
    this.#declares = declaredStatuses(deps.contract);
    this.hooks = {
      name: 'scenarios',
      onRequest: (req, res, session) => this.#onRequest(req, res, session),
      // Without a chosen scenario (the common case) the hooks answer synchronously: no promise per request.
      beforeHandler: (ctx, res) =>
        (res.locals as Locals).scenarioRun || (this.#tokenErrors.size > 0 && this.#issuesTokens(ctx.op.id))
          ? this.#beforeHandler(ctx, res)
          : undefined,
      afterHandler: (ctx, reply, res) =>
        (res.locals as Locals).scenarioRun ? this.#afterHandler(ctx, reply, res) : reply,
    };
    this.#library = new ScenarioLibrary(
      {
        dirs: [...(options.builtIn === false ? [] : [builtInScenarioDir()]), ...(options.dirs ?? [])],
        operations: deps.contract.operations,
        log: deps.report ?? deps.log,
        contract: responseContract(deps.contract),
        ...(deps.contract.fingerprint === undefined
          ? {}
          : {
              sharing: {
                contractKey: deps.contract.fingerprint,
                trustBodies: deps.contract.packaged === true,
              },
            }),
      },
      options,
    );
    if (options.strict || this.defaults.length > 0)
      this.#library.loadAtStart(options.strict ?? false, this.defaults);
    // Last, so a constructor that threw (an invalid file) leaves no listener behind. A session the store forgot
    // (reset, or evicted beyond its session limit) must not hand its choice, counts or pending token failures to a
    // later session of the same name.
    this.#unsubscribe = deps.store.onSessionDropped((session) => this.clearSession(session));
  }

  /** Every loaded scenario, by name. */
  list(): ScenarioInfo[] {
    return this.#library.list();
  }

  get(name: string): ScenarioInfo | undefined {
    return this.#library.get(name);
  }

  /** Files that failed to load (and were skipped), with file, line and message. */
  problems(): ScenarioProblem[] {
    return this.#library.problems();
  }

  /** The folders scenarios are loaded from, in order (built-in first). */
  folders(): string[] {
    return this.#library.folders();
  }

  /**
   * Run every request of `session` under these scenarios (in this order) until changed or cleared; an empty list
   * clears. Restarts the session's "first N requests" counts. Throws an ApiError 400011 for an unknown name.
   */
  useForSession(session: string, names: readonly string[]): void {
    if (names.length === 0) {
      this.clearSession(session);
      return;
    }
    this.#library.resolve(names, 'scenarios');
    this.#choose(session, names);
  }

  /** Set a session's choice (most recently chosen last, for eviction) and restart its counts. */
  #choose(session: string, names: readonly string[]): void {
    this.#selections.delete(session);
    evictOldest(this.#selections, MAX_SESSIONS);
    this.#selections.set(session, [...names]);
    this.#counters.delete(session);
  }

  /** Forget a session's choice, counters and pending token failures (the session then falls back to the default). */
  clearSession(session: string): void {
    this.#selections.delete(session);
    this.#counters.delete(session);
    this.#tokenErrors.delete(session);
  }

  /**
   * Take the session's choice as another process sharing the store made it (names this process does not know are
   * left out: its library differs). Counters restart, as with useForSession.
   */
  adoptSelection(session: string, names: readonly string[]): void {
    const known = names.filter((name) => {
      try {
        this.#library.resolve([name], 'scenarios');
        return true;
      } catch {
        return false;
      }
    });
    const current = this.#selections.get(session) ?? [];
    if (known.length === current.length && known.every((n, i) => n === current[i])) return;
    if (known.length === 0) {
      this.#selections.delete(session);
      this.#counters.delete(session);
      return;
    }
    this.#choose(session, known);
  }

  /** The scenarios a session chose (empty when it chose none). */
  sessionScenarios(session: string): string[] {
    return [...(this.#selections.get(session) ?? [])];
  }

  /** Re-read the folders now (unchanged files are reused); returns the current problems. The watcher calls this. */
  reload(): ScenarioProblem[] {
    return this.#library.reload();
  }

  /** How many requests are held open by a `hang` fault right now. */
  get hungCount(): number {
    return this.#hung.count;
  }

  /**
   * Resolves when the next request is held by a `hang` fault. Call it before that request can arrive (in the same
   * tick as sending it): tests wait on this, not on a sleep that a busy machine outlasts.
   */
  whenHung(): Promise<void> {
    return this.#hung.next();
  }

  /**
   * End the connections a `hang` fault holds, now and any that arrive later: a server shutting down calls it first,
   * since nothing else ever ends them and in-flight answers (delays, slow bodies) still finish.
   */
  endHung(): void {
    this.#endingHung = true;
    this.#hung.endAll();
  }

  /** Stop watching, stop pending delays and slow bodies, and end hung connections (now and any that arrive later). */
  close(): void {
    this.#unsubscribe();
    this.#library.close();
    this.#timers.clear();
    this.endHung();
  }

  #onRequest(req: Request, res: Response, session: Session): void {
    // Scenarios are about the FlexFactor API: the mock's own admin API is never under one (nor locked out by one).
    if (req.path.startsWith(ADMIN_PREFIX)) return;
    const header = req.headers[SCENARIO_HEADER];
    let names: readonly string[] | undefined;
    if (header !== undefined) {
      names = parseList(Array.isArray(header) ? header.join(',') : header);
      if (names.length === 1 && names[0] === NO_SCENARIO) return;
      const bad = names.filter((n) => !SCENARIO_NAME.test(n));
      if (bad.length > 0) {
        throw apiError('400011', {
          detail: `Not a scenario name: ${bad.map((n) => JSON.stringify(n)).join(', ')}.`,
          errors: {
            [SCENARIO_HEADER]: ['Send scenario names (file names without .yaml), separated by commas.'],
          },
        });
      }
    } else {
      names = this.#selections.get(session.name) ?? this.defaults;
    }
    if (names.length === 0) return;
    (res.locals as Locals).scenarioRun = {
      chosen: this.#library.resolve(names, SCENARIO_HEADER),
      applied: [],
    };
  }

  async #beforeHandler(ctx: Ctx, res: Response): Promise<HookResult> {
    const locals = res.locals as Locals;
    if (this.#tokenErrors.size > 0 && this.#issuesTokens(ctx.op.id)) this.#failToken(ctx, locals);
    const run = locals.scenarioRun;
    if (!run) return undefined;
    const input = { path: ctx.req.path, headers: ctx.req.headers, query: ctx.query, body: ctx.body };
    for (const s of run.chosen) {
      // The index: a scenario is only looked at for the operations its match block allows.
      if (s.match.operations !== null && !s.match.operations.has(ctx.op.id)) continue;
      if (s.match.test !== null && !s.match.test(input)) continue;
      // Strict: card data outside the card fields is refused before a scenario answers in the handler's place (its
      // templates may echo request values), and without using up one of its `times`.
      if (!s.definition.applied && (s.definition.respond || s.fault)) cardDataChecks(ctx);
      if (!this.#count(s, ctx.session.name)) continue;
      run.applied.push(s.name);
      locals.scenarios = run.applied;
      this.#applyState(s, ctx, run);
      const d = s.definition;
      if (d.delay !== undefined) await this.#timers.sleep(sampleDelay(d.delay, this.#random));
      if (d.respond || s.fault) {
        if (d.applied) {
          run.after = s;
          return undefined;
        }
        return this.#answer(s, ctx, res, null);
      }
    }
    return undefined;
  }

  async #afterHandler(ctx: Ctx, reply: Reply, res: Response): Promise<Reply | 'handled'> {
    const run = (res.locals as Locals).scenarioRun;
    if (!run) return reply;
    if (run.fate) this.#replaceFate(run.fate, ctx, reply);
    if (run.swappedToken) {
      // The client sent a token; the raw test card is ours, so the strict profile's raw-card warning is not theirs.
      ctx.warnings = ctx.warnings.filter((w) => !w.includes('raw card number'));
    }
    if (!run.after) return reply;
    const result = this.#answer(run.after, ctx, res, reply);
    return result ?? reply;
  }

  /** "First N matching requests": false once the session has used them up. */
  #count(s: CompiledScenario, session: string): boolean {
    const times = s.definition.times;
    if (times === undefined) return true;
    let counts = this.#counters.get(session);
    if (!counts) {
      evictOldest(this.#counters, MAX_SESSIONS);
      counts = new Map();
      this.#counters.set(session, counts);
    }
    const used = counts.get(s) ?? 0;
    if (used >= times) return false;
    counts.set(s, used + 1);
    return true;
  }

  #applyState(s: CompiledScenario, ctx: Ctx, run: Run): void {
    const d = s.definition;
    const session = ctx.session.name;
    if (d.webhooks) {
      this.#deps.webhooks.setFaults(session, {
        ...d.webhooks,
      });
    }
    const state = d.state;
    if (!state) return;
    if (state.nextToken) {
      evictOldest(this.#tokenErrors, MAX_SESSIONS);
      this.#tokenErrors.set(session, {
        code: state.nextToken.error,
        left: state.nextToken.times ?? 1,
        scenario: s.name,
      });
    }
    const creates = this.#deps.effects[ctx.op.id]?.createsOrder;
    if (!creates) return;
    if (state.evaluateAs) run.swappedToken = creates.useCard(ctx, TEST_CARDS[state.evaluateAs]);
    if (state.fate) run.fate = s;
  }

  #issuesTokens(operationId: string): boolean {
    return this.#deps.effects[operationId]?.issuesToken === true;
  }

  #failToken(ctx: Ctx, locals: Locals): void {
    const pending = this.#tokenErrors.get(ctx.session.name);
    if (!pending) return;
    pending.left -= 1;
    if (pending.left <= 0) this.#tokenErrors.delete(ctx.session.name);
    locals.scenarios = [...(locals.scenarios ?? []), pending.scenario];
    throw apiError(pending.code, { detail: `Scenario "${pending.scenario}" made this token request fail.` });
  }

  /** After evaluate: the new order's later fate becomes the scenario's (pick-up and auto-void stay). */
  #replaceFate(s: CompiledScenario, ctx: Ctx, reply: Reply): void {
    const fate = s.definition.state?.fate;
    const id = this.#deps.effects[ctx.op.id]?.createsOrder?.createdOrderId(reply);
    if (!fate || s.fateAfterMs === null || typeof id !== 'string') return;
    if (reply.headers?.['x-mock-idempotent-replay']) return;
    const order = ctx.session.partition(merchantOf(ctx)).orders.get(id);
    if (!order) return;
    order.schedule = order.schedule.filter((e) => e.fate === 'pickUp' || e.fate === 'autoVoid');
    this.#deps.store.schedule(ctx.session, order, this.#deps.clock.now() + s.fateAfterMs, fate.kind);
  }

  /**
   * A rendered body for a declared status must fit the contract, as a literal one must when its file loads: what a
   * template filled in is only known now, and a mismatch is the scenario file's to fix, not a bug in the mock.
   */
  #checkRendered(s: CompiledScenario, operationId: string, status: number, body: unknown): void {
    const errors = this.#deps.contract.responseErrors(operationId, status, body);
    if (!errors || errors.length === 0) return;
    const problems = errors
      .slice(0, 10)
      .map((e) => `${e.instancePath.slice(1).replace(/\//g, '.') || '(body)'} ${e.message ?? e.keyword}`);
    throw apiError('500003', {
      detail: `Scenario "${s.name}" (${scenarioFileLabel(s.file, this.#library.folders())}) rendered a body for ${operationId}'s HTTP ${status} response that the contract does not allow.`,
      errors: { [`scenario ${s.name}`]: problems },
    });
  }

  /** The scenario's answer: a fault on the socket, a catalog error, or a literal (or the handler's) response. */
  #answer(
    s: CompiledScenario,
    ctx: Ctx,
    res: Response,
    handled: Reply | null,
  ): Reply | 'handled' | undefined {
    const fault = s.fault ? faultObject(s.fault) : null;
    const row = fault ? faultRow(fault.type) : null;
    if (fault && row?.write && !row.sendsResponse) {
      row.write(res, null, fault, this.#timers);
      return 'handled';
    }
    if (fault?.type === 'hang') {
      // A request can reach its fault after close() or endHung() (the library loads lazily): nothing would end it.
      if (this.#endingHung) {
        res.req.socket.destroy();
        return 'handled';
      }
      // Beyond the most held at once, hold() ends the connection: the client sees a failed call all the same.
      this.#hung.hold(res);
      return 'handled';
    }
    const respond = s.definition.respond;
    let out: Outgoing;
    if (respond?.error !== undefined) {
      const error = apiError(respond.error, {
        ...(respond.detail !== undefined ? { detail: respond.detail } : {}),
        ...(respond.errors !== undefined ? { errors: respond.errors } : {}),
        ...(respond.headers !== undefined ? { headers: stringHeaders(respond.headers) } : {}),
      });
      if (!fault) throw error;
      const shaped = errorResponse(error, ctx.session.data.traceId(), ctx.req.path, ctx.req.headers.accept);
      const headers = { ...(error.headers ?? {}), [ERROR_CODE_HEADER]: error.code };
      out = outgoing(error.status, shaped.body, headers, shaped.contentType);
    } else if (respond?.status !== undefined) {
      const hasBody = respond.body !== undefined || respond.bodyFile !== undefined;
      let body: unknown = hasBody ? s.literalBody : (handled?.body ?? undefined);
      let headers = stringHeaders(respond.headers ?? {});
      if (s.templated) {
        const scope = templateScope(ctx, handled, s.readsOrder, this.#deps);
        if (hasBody) body = render(body, scope);
        headers = Object.fromEntries(
          Object.entries(headers).map(([k, v]) => [k, safeHeaderValue(String(render(v, scope)))]),
        );
      }
      if (handled?.headers) headers = { ...handled.headers, ...headers };
      out = outgoing(respond.status, body, headers);
      if (!fault) {
        // Through the normal send (and its contract check) when the contract declares this JSON response.
        // A recording whose body differs from the contract is the sandbox's answer: sent as recorded.
        const custom = customContentType(respond.headers) || s.sendAsRecorded;
        const json = body !== undefined && typeof body !== 'string' && !custom;
        if (json && this.#declares(ctx.op.id, respond.status)) {
          if (s.templated && hasBody) this.#checkRendered(s, ctx.op.id, respond.status, body);
          return { status: respond.status, body, headers };
        }
        writeOutgoing(res, out);
        return 'handled';
      }
    } else {
      out = outgoing(handled?.status ?? 200, handled?.body ?? {}, handled?.headers ?? {});
    }
    if (!fault) return undefined;
    row?.write?.(res, out, fault, this.#timers);
    return 'handled';
  }
}

/** `a, b ,c` → ['a', 'b', 'c'] (empty items dropped). */
function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
