// Generated documentation sections: the error catalog, the test cards and outcome table, the transport faults, the
// scenario library and the sandbox credentials, rendered from the same tables and files the mock runs on. `npm run docs` rewrites every marked section in
// README.md and docs/*.md; a test fails when one of them is out of date.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { OUTCOME_RULES, TEST_CARD_DETAILS } from '../mock/domain/outcomes.js';
import { ERROR_CATALOG } from '../mock/errors/catalog.js';
import { FAULTS } from '../mock/scenarios/faults.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderCatalog(): string {
  const rows = Object.entries(ERROR_CATALOG).map(
    ([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.title)} | ${cell(e.fix)} |`,
  );
  return ['| code | HTTP | title | how to fix |', '|---|---|---|---|', ...rows].join('\n');
}

function describeWhen(when: Record<string, boolean | undefined>): string {
  const parts: string[] = [];
  if (when.isMIT !== undefined) parts.push(when.isMIT ? 'MIT' : 'CIT');
  if (when.authorization !== undefined)
    parts.push(when.authorization ? 'transactionType AUTHORIZATION' : 'purchase');
  if (when.expiry !== undefined) parts.push(when.expiry ? 'with expiryDateUtc' : 'no expiryDateUtc');
  if (when.phone !== undefined) parts.push(when.phone ? 'with payer.phone' : 'no payer.phone');
  return parts.length > 0 ? parts.join(', ') : 'any';
}

const MS = { m: 60_000, h: 3_600_000, d: 86_400_000 };
function describeAfter(after: number | 'expiry'): string {
  if (after === 'expiry') return 'at expiryDateUtc';
  if (after % MS.d === 0) return `after ${after / MS.d} d`;
  if (after % MS.h === 0) return `after ${after / MS.h} h`;
  return `after ${after / MS.m} min`;
}

export function renderTestCards(): string {
  const cards = Object.entries(TEST_CARD_DETAILS).map(
    ([name, c]) =>
      `| \`TEST_CARDS.${name}\` | \`${c.number}\` | ${c.brand} | ${c.source} | ${cell(c.summary)} |`,
  );
  const rules = OUTCOME_RULES.map((r) => {
    const fates = r.fates.map((f) => `${f.kind} ${describeAfter(f.after)}`).join('; ') || '—';
    const card = r.card === 'not-whitelisted' ? 'any other card' : `\`${r.card}\``;
    return `| ${card} | ${describeWhen(r.when as Record<string, boolean | undefined>)} | **${r.status}** | ${fates} | ${r.source} |`;
  });
  return [
    '| name | number | brand | source | behaviour |',
    '|---|---|---|---|---|',
    ...cards,
    '',
    'The outcome table, first matching row wins (`mock/domain/outcomes.ts`):',
    '',
    '| card | when | evaluate answers | then (virtual clock) | source |',
    '|---|---|---|---|---|',
    ...rules,
  ].join('\n');
}

/** The built-in scenario library (scenarios/*.yaml): name, what it does, what the client sees, provenance. */
export function renderScenarios(): string {
  const dir = 'scenarios';
  const rows = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const s = parseYaml(readFileSync(join(dir, file), 'utf8')) as {
        description: string;
        source: string;
        example?: { expect: { status?: number; code?: string; fault?: string; body?: { status?: unknown } } };
      };
      const expect = s.example?.expect ?? {};
      const outcome = typeof expect.body?.status === 'string' ? ` ${expect.body.status}` : '';
      const sees = expect.fault
        ? `${expect.status ? `${expect.status}, ` : ''}${expect.fault}`
        : `${expect.status ?? ''}${expect.code ? ` \`${expect.code}\`` : outcome}`;
      return `| \`${file.replace(/\.yaml$/, '')}\` | ${cell(s.description)} | ${sees} | ${s.source} |`;
    });
  return ['| scenario | what it does | the client sees | source |', '|---|---|---|---|', ...rows].join('\n');
}

/** The transport faults a scenario can inject (mock/scenarios/faults.ts), their options and what a client sees. */
export function renderFaults(): string {
  const rows = Object.entries(FAULTS).map(([name, row]) => {
    const options = Object.entries(row.options).map(([key, option]) => `\`${key}\`: ${option.description}`);
    const seen = `\`${row.clientSees}\``;
    return `| \`${name}\` | ${cell(row.does)} | ${cell(options.join(' ') || '—')} | ${seen} |`;
  });
  return [
    '| fault | what it does | options | the client sees (`expect.fault`) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The built-in sandbox accounts (mock/domain/accounts.ts). */
export function renderCredentials(): string {
  const accounts = [
    ['merchant (default)', DEFAULT_MERCHANT],
    ['second merchant', SECOND_MERCHANT],
    ['partner (acts for both)', DEFAULT_PARTNER],
  ] as const;
  const rows = accounts.map(
    ([label, a]) =>
      `| ${label} | \`${a.appKey}\` | \`${a.appSecret}\` | \`${a.mid}\` | \`${a.tokenizationKey}\` |`,
  );
  return ['| account | AppKey | AppSecret | MID | tokenization key |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

/** The five cards a new user reaches for first: one per evaluate answer a client must handle. */
const TOP_CARDS = ['approved', 'declined', 'challenge', 'submitted', 'captureRequired'] as const;

export function renderTopCards(): string {
  const rows = TOP_CARDS.map((name) => {
    const c = TEST_CARD_DETAILS[name];
    return `| \`${c.number}\` | \`TEST_CARDS.${name}\` | ${cell(c.summary)} |`;
  });
  return ['| number | name | behaviour |', '|---|---|---|', ...rows].join('\n');
}

/** Each generated section by marker name; the markers may sit in README.md or any file under docs/. */
export const SECTIONS: Record<string, () => string> = {
  catalog: renderCatalog,
  'test-cards': renderTestCards,
  scenarios: renderScenarios,
  faults: renderFaults,
  credentials: renderCredentials,
  'top-cards': renderTopCards,
};

/** The files that may hold generated sections. */
export function documentFiles(): string[] {
  const docs = readdirSync('docs')
    .filter((file) => file.endsWith('.md'))
    .sort()
    .map((file) => `docs/${file}`);
  return ['README.md', ...docs];
}

/** The section names whose markers appear in `text`. */
export function markedSections(text: string): string[] {
  return Object.keys(SECTIONS).filter((name) => text.includes(`<!-- generated:${name}:start -->`));
}

/** `text` with every generated section it marks replaced by its current rendering. */
export function renderGenerated(text: string): string {
  let out = text;
  for (const name of markedSections(out)) {
    const start = `<!-- generated:${name}:start -->`;
    const end = `<!-- generated:${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (to < from) throw new Error(`${start} has no ${end} after it`);
    out = `${out.slice(0, from + start.length)}\n${SECTIONS[name]?.()}\n${out.slice(to)}`;
  }
  return out;
}

if (process.argv[1]?.endsWith('readme-tables.ts')) {
  for (const file of documentFiles()) {
    const current = readFileSync(file, 'utf8');
    const next = renderGenerated(current);
    if (next !== current) {
      writeFileSync(file, next);
      process.stdout.write(`${file}: generated sections updated\n`);
    }
  }
}
