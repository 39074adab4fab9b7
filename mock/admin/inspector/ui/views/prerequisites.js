// The strict profile's prerequisites report for the session: what it flagged, with a redacted example of each.

import { api, settings } from '../api.js';
import { fill, h, table } from '../dom.js';
import { load, section } from './common.js';

export async function prerequisites(main) {
  const out = h('div');
  const session = settings().session;
  fill(main, section(`Prerequisites report: session ${session}`, out));
  const report = await load(out, () => api('GET', '/session/prerequisites'));
  if (!report) return;
  fill(
    out,
    h(
      'p',
      {},
      `Profile ${report.profile}; ${report.requests} requests in the journal.`,
      report.profile === 'strict'
        ? ''
        : ' The lenient profile flags nothing: run with --profile strict to check.',
    ),
    table(
      'What the strict profile flagged',
      ['Prerequisite', 'Count', 'Example (redacted)'],
      report.findings.map((f) =>
        h(
          'tr',
          { class: f.count ? 'flagged' : '' },
          h('td', {}, f.title),
          h('td', {}, h('span', { class: `badge ${f.count ? 'warn' : 'ok'}` }, String(f.count))),
          h(
            'td',
            {},
            f.example
              ? [
                  h('a', { href: `#entry/${f.example.seq}` }, `${f.example.method} ${f.example.path}`),
                  f.example.code ? ` ${f.example.code}` : '',
                  ` — ${f.example.message}`,
                ]
              : '—',
          ),
        ),
      ),
    ),
  );
}
