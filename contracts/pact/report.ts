// The verification report: the verifier's raw result turned into one outcome per interaction, and that report
// written for people (text), for programs (JSON) and for CI dashboards (JUnit XML).

import { relative } from 'node:path';
import type { SpecFinding } from './openapi-check.js';
import type { PactDocument } from './pact-files.js';

export interface InteractionOutcome {
  pact: string;
  consumer: string;
  provider: string;
  description: string;
  kind: 'http' | 'message';
  states: string[];
  ok: boolean;
  /** What did not match, one line each. */
  problems: string[];
}

export interface VerificationReport {
  /** The provider's API root, e.g. http://127.0.0.1:43817/v1. */
  target: string;
  inProcess: boolean;
  pactFiles: string[];
  /** Pact files left out by --provider / --consumer. */
  skippedFiles: string[];
  interactions: InteractionOutcome[];
  /** States the pacts use that no state table knows (their set-up did not run). */
  unknownStates: string[];
  /** Set-up steps that failed (a provider state, fetching a token, reaching the provider), once per message. */
  setupErrors: { step: string; message: string; times: number }[];
  /** Findings against contracts/openapi.yaml, errors and warnings; null when the check was skipped. */
  spec: SpecFinding[] | null;
  specSkipped?: string;
  ok: boolean;
}

interface VerifierMismatch {
  type?: string;
  mismatch?: string;
  message?: string;
  path?: string;
  key?: string;
}

export interface VerifierResult {
  errors?: {
    interaction?: string;
    mismatch?: { type?: string; message?: string; mismatches?: VerifierMismatch[] };
  }[];
  interactionResults?: { description?: string; result?: string }[];
}

export function parseResult(raw: string): VerifierResult {
  try {
    return JSON.parse(raw) as VerifierResult;
  } catch {
    throw new Error(`the Pact verifier returned no readable result: ${raw.slice(0, 200)}`);
  }
}

export function outcomes(documents: PactDocument[], result: VerifierResult): InteractionOutcome[] {
  const out: InteractionOutcome[] = [];
  for (const doc of documents) {
    for (const interaction of doc.interactions) {
      // The verifier names a failure "Verifying a pact between C and P[ Given S] - <description>".
      const errors = (result.errors ?? []).filter(
        (e) =>
          e.interaction?.endsWith(` - ${interaction.description}`) &&
          e.interaction.includes(`between ${doc.consumer} and ${doc.provider}`),
      );
      const problems = errors.flatMap((e) => describeMismatch(e.mismatch));
      const ran = (result.interactionResults ?? []).some((r) => r.description === interaction.description);
      if (!ran && problems.length === 0) problems.push('not verified (the verifier skipped it)');
      out.push({
        pact: doc.file,
        consumer: doc.consumer,
        provider: doc.provider,
        description: interaction.description,
        kind: interaction.kind,
        states: interaction.states,
        ok: problems.length === 0,
        problems,
      });
    }
  }
  return out;
}

/** Status first, then headers, then the body: the order in which a reader makes sense of a failure. */
const MISMATCH_ORDER = ['StatusMismatch', 'HeaderMismatch'];

function describeMismatch(
  mismatch: { type?: string; message?: string; mismatches?: VerifierMismatch[] } = {},
): string[] {
  if (!mismatch.mismatches)
    return [mismatch.message ?? `the request failed (${mismatch.type ?? 'unknown error'})`];
  const rank = (m: VerifierMismatch) => {
    const i = MISMATCH_ORDER.indexOf(m.type ?? '');
    return i === -1 ? MISMATCH_ORDER.length : i;
  };
  return [...mismatch.mismatches]
    .sort((a, b) => rank(a) - rank(b))
    .map((m) => {
      const text = (m.mismatch ?? m.message ?? m.type ?? 'mismatch').replace(/\s+/g, ' ').trim();
      switch (m.type) {
        case 'StatusMismatch':
          return `status: ${text}`;
        case 'BodyMismatch':
          return `body ${m.path ?? ''}: ${text}`;
        case 'HeaderMismatch':
          return `header ${m.key ?? ''}: ${text}`;
        case 'MetadataMismatch':
          return `metadata ${m.key ?? ''}: ${text}`;
        default:
          return text;
      }
    });
}

const shown = (file: string, cwd: string) =>
  relative(cwd, file).startsWith('..') ? file : relative(cwd, file);

/** The report as people read it: one line per interaction, what did not match under each failure. */
export function formatReport(report: VerificationReport, cwd = process.cwd()): string {
  const where = report.inProcess ? `the in-process mock (${report.target})` : report.target;
  const files = report.pactFiles.map((f) => shown(f, cwd));
  const lines = [
    `Pact verification against ${where}: ${report.interactions.length} interactions from ${files.join(', ')}`,
  ];
  if (!report.inProcess && report.interactions.some((i) => i.kind === 'message')) {
    // A sandbox sends webhooks only to a receiver registered with it, so no verifier can ask it for one: the
    // messages come from the mock's own webhook code, whatever --base-url says.
    lines.push(
      `  (webhook [message] interactions are checked against the mock's webhook payloads, not ${report.target}: it cannot be asked for a webhook)`,
    );
  }
  if (report.skippedFiles.length > 0) {
    lines.push(
      `  (left out by --provider/--consumer: ${report.skippedFiles.map((f) => shown(f, cwd)).join(', ')})`,
    );
  }
  for (const i of report.interactions) {
    const given = i.states.length > 0 ? ` (given ${i.states.map((s) => `"${s}"`).join(', ')})` : '';
    const kind = i.kind === 'message' ? ' [message]' : '';
    lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.description}${kind}${given}`);
    for (const problem of i.problems) lines.push(`         ${problem}`);
  }
  if (report.unknownStates.length > 0) {
    lines.push(
      'Provider states with no handler (their set-up did not run; add them with --states, see docs/contract-harness.md):',
      ...report.unknownStates.map((s) => `  - ${s}`),
    );
  }
  if (report.setupErrors.length > 0) {
    lines.push(
      'Set-up that failed (the interactions depending on it could not pass):',
      ...report.setupErrors.map((e) => `  - ${e.step}${e.times > 1 ? ` (${e.times}×)` : ''}: ${e.message}`),
    );
  }
  if (report.spec === null)
    lines.push(`Check against contracts/openapi.yaml: skipped (${report.specSkipped})`);
  else {
    const errors = report.spec.filter((f) => f.type === 'error');
    const warnings = report.spec.filter((f) => f.type === 'warning');
    lines.push(
      `Check against contracts/openapi.yaml: ${errors.length === 0 ? 'every interaction is allowed' : `${errors.length} problem(s)`}` +
        (warnings.length > 0 ? `, ${warnings.length} warning(s)` : ''),
    );
    for (const f of errors) lines.push(`  FAIL ${f.interaction}: ${f.message} (${f.code}, ${f.location})`);
    for (const f of warnings) lines.push(`  warn ${f.interaction}: ${f.message} (${f.code}, ${f.location})`);
  }
  const failed = report.interactions.filter((i) => !i.ok).length;
  lines.push(
    `${report.ok ? 'OK' : 'NOT OK'}: ${report.interactions.length - failed} of ${report.interactions.length} interactions verified` +
      (failed > 0 ? `, ${failed} not satisfied` : ''),
  );
  return `${lines.join('\n')}\n`;
}

const xml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** JUnit XML: one test suite per pact file, one test case per interaction, spec errors as failures of their own. */
export function junitReport(report: VerificationReport, cwd = process.cwd()): string {
  const suites: string[] = [];
  for (const file of report.pactFiles) {
    const cases = report.interactions.filter((i) => i.pact === file);
    const first = cases[0];
    const name = first ? `${first.consumer} → ${first.provider}` : shown(file, cwd);
    const body = cases.map((i) => {
      const head = `    <testcase classname="${xml(name)}" name="${xml(i.description)}">`;
      if (i.ok) return `${head}</testcase>`;
      return `${head}\n      <failure message="${xml(i.problems[0] ?? 'not satisfied')}">${xml(i.problems.join('\n'))}</failure>\n    </testcase>`;
    });
    const specErrors = (report.spec ?? []).filter((f) => f.pact === file && f.type === 'error');
    for (const f of specErrors) {
      body.push(
        `    <testcase classname="${xml(name)} (contracts/openapi.yaml)" name="${xml(f.interaction)}">\n      <failure message="${xml(f.message)}">${xml(`${f.code} at ${f.location}`)}</failure>\n    </testcase>`,
      );
    }
    const failures = cases.filter((i) => !i.ok).length + specErrors.length;
    suites.push(
      `  <testsuite name="${xml(shown(file, cwd))}" tests="${cases.length + specErrors.length}" failures="${failures}">\n${body.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="flexfactor-mock verify">\n${suites.join('\n')}\n</testsuites>\n`;
}
