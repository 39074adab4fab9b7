// The drift report: a shape-by-shape comparison of two JSON answers, the redaction every string of a report gets
// before it is written, and the Markdown form.

import { redactText, redactUrl } from '../support/redact.js';

export interface Difference {
  step: string;
  kind: 'status' | 'missing' | 'extra' | 'casing' | 'type' | 'contract' | 'unreachable';
  path: string;
  mock: string;
  target: string;
}

export interface DriftReport {
  target: string;
  date: string;
  steps: { name: string; operationId: string; mockStatus: number; targetStatus: number }[];
  differences: Difference[];
  drift: boolean;
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Field-by-field comparison of two JSON values (shapes, not values). */
export function compareShapes(step: string, mock: unknown, target: unknown, path = '$'): Difference[] {
  const out: Difference[] = [];
  const tm = typeOf(mock);
  const tt = typeOf(target);
  if (tm !== tt) {
    // A null on one side is a value, not a shape: optional fields are often null.
    if (tm !== 'null' && tt !== 'null') out.push({ step, kind: 'type', path, mock: tm, target: tt });
    return out;
  }
  if (tm === 'array') {
    const [a] = mock as unknown[];
    const [b] = target as unknown[];
    if (a !== undefined && b !== undefined) out.push(...compareShapes(step, a, b, `${path}[0]`));
    return out;
  }
  if (tm !== 'object') return out;
  const m = mock as Record<string, unknown>;
  const t = target as Record<string, unknown>;
  const targetKeys = new Map(Object.keys(t).map((k) => [k.toLowerCase(), k]));
  const mockKeys = new Set(Object.keys(m).map((k) => k.toLowerCase()));
  for (const key of Object.keys(m)) {
    const match = targetKeys.get(key.toLowerCase());
    if (match === undefined)
      out.push({ step, kind: 'missing', path: `${path}.${key}`, mock: typeOf(m[key]), target: '(absent)' });
    else {
      if (match !== key) out.push({ step, kind: 'casing', path: `${path}.${key}`, mock: key, target: match });
      out.push(...compareShapes(step, m[key], t[match], `${path}.${key}`));
    }
  }
  for (const key of Object.keys(t)) {
    if (!mockKeys.has(key.toLowerCase()))
      out.push({ step, kind: 'extra', path: `${path}.${key}`, mock: '(absent)', target: typeOf(t[key]) });
  }
  return out;
}

/**
 * Field names and contract messages come from the target's answers, so a report could carry what the target echoed
 * (a card number as a key, a token in a message): the journal's rules apply to every string before it is written.
 */
export function redactReport(report: DriftReport): DriftReport {
  return {
    ...report,
    target: redactUrl(report.target),
    differences: report.differences.map((d) => ({
      ...d,
      path: redactText(d.path),
      mock: redactText(d.mock),
      target: redactText(d.target),
    })),
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function driftMarkdown(report: DriftReport): string {
  const lines = [
    `# Drift report: ${report.target}`,
    '',
    `${report.date} — ${report.steps.length} requests, ${report.differences.length} difference(s) from the mock.`,
    '',
    '| step | mock | target |',
    '|---|---|---|',
    ...report.steps.map((s) => `| ${cell(s.name)} | ${s.mockStatus} | ${s.targetStatus} |`),
    '',
  ];
  if (report.differences.length > 0) {
    lines.push('| step | kind | field | mock | target |', '|---|---|---|---|---|');
    for (const d of report.differences)
      lines.push(`| ${cell(d.step)} | ${d.kind} | ${cell(d.path)} | ${cell(d.mock)} | ${cell(d.target)} |`);
  } else lines.push('No drift.');
  return `${lines.join('\n')}\n`;
}
