// The shape of a scenario file (scenarios/scenario.schema.json is the authority; these types mirror it), of a
// loaded, compiled scenario, and the scenario options of createApp().

import type { FateKind, Provenance, TestCardName } from '../domain/outcomes.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { WebhookFaults } from '../webhooks/faults.js';
import type { DelaySpec, FaultSeen, FaultSpec, HangLimits } from './faults.js';

export type { DelaySpec, FaultObject, FaultSpec, FaultType } from './faults.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
export type Scalar = string | number | boolean | null;

export interface PredicateObject {
  equals?: unknown;
  oneOf?: unknown[];
  matches?: string;
  present?: boolean;
}
export type PredicateSpec = Scalar | PredicateObject;

export interface MatchSpec {
  operation?: string | string[];
  method?: HttpMethod;
  path?: string;
  headers?: Record<string, PredicateSpec>;
  query?: Record<string, PredicateSpec>;
  body?: Record<string, PredicateSpec>;
}

export interface RespondSpec {
  error?: ErrorCode;
  detail?: string;
  errors?: Record<string, string[]>;
  status?: number;
  headers?: Record<string, string | number>;
  body?: unknown;
  bodyFile?: string;
}

export interface StateSpec {
  evaluateAs?: TestCardName;
  fate?: { kind: FateKind; after: number | string };
  nextToken?: { error: ErrorCode; times?: number };
}

export interface ExampleRequest {
  method: HttpMethod;
  path: string;
  account?: 'merchant' | 'partner' | 'none';
  headers?: Record<string, string>;
  body?: unknown;
  bodyFile?: string;
  rawBody?: string;
}

export interface ExampleExpect {
  status?: number;
  code?: ErrorCode;
  headers?: Record<string, string>;
  body?: unknown;
  fault?: FaultSeen;
  minMs?: number;
}

export interface ExampleStep {
  advance?: number | string;
  /** Send the example's request again, unchanged. */
  repeat?: boolean;
  request?: ExampleRequest;
  expect: ExampleExpect;
}

export interface ExampleSpec {
  order?: TestCardName;
  before?: ExampleStep[];
  request: ExampleRequest;
  expect: ExampleExpect;
  then?: ExampleStep[];
}

/** A scenario file as written (after schema validation). */
export interface ScenarioFile {
  $schema?: string;
  description: string;
  source: Provenance;
  /** Where and when an observed behaviour was recorded. */
  observed?: { at: string; from?: string; sha256?: string };
  match?: MatchSpec;
  times?: number;
  delay?: DelaySpec;
  respond?: RespondSpec;
  fault?: FaultSpec;
  applied?: boolean;
  state?: StateSpec;
  webhooks?: WebhookFaults;
  example?: ExampleSpec;
}

/** A problem found while loading a scenario file: where, and what is wrong. */
export interface ScenarioProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** What a loaded scenario looks like from outside (admin API, README, CLI). */
export interface ScenarioInfo {
  name: string;
  description: string;
  source: Provenance;
  /** Absolute path of the file. */
  file: string;
  /** operationIds it can match; null means every operation. */
  operations: string[] | null;
  /** The file's content, as validated. */
  definition: ScenarioFile;
}

/** Options of createApp({ scenarios }). */
export interface ScenarioOptions {
  /** Folders of scenario files, loaded after the built-in library; a later folder's scenario replaces a same-named one. */
  dirs?: string[];
  /** Load the built-in library in scenarios/ (default true). */
  builtIn?: boolean;
  /** Server-wide default: scenarios for requests that name none and whose session chose none (`--scenario`). */
  defaults?: string[];
  /** Refuse to start when a scenario file is invalid (default false: report it and skip it). */
  strict?: boolean;
  /** Reload the folders when a file changes (default false; the CLI turns it on). Call close() to stop watching. */
  watch?: boolean;
  /** Largest scenario file, and largest bodyFile, in bytes (default 1 MiB); bigger files are reported and skipped. */
  maxFileBytes?: number;
  /**
   * Requests a `hang` fault holds: at most `maxHeld` at once server-wide (default 1,000; one more has its connection
   * ended at once) and each for at most `maxMs` (default 10 minutes).
   */
  hang?: HangLimits;
}
