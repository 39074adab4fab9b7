// The journal view: every entry of the live journal, newest first, narrowed by filters that outlive a redraw.

import { fill, h, table } from '../dom.js';
import { entryLink, orderIds, orderLink, section, statusOf } from './common.js';

/** Rows drawn at most in the journal table (the newest); the filters narrow them first. */
const MAX_ROWS = 300;

const filters = { session: '', kind: '', operation: '', status: '', scenario: '', since: '' };

function matches(entry) {
  if (filters.session && entry.session !== filters.session) return false;
  if (filters.kind && entry.kind !== filters.kind) return false;
  if (filters.operation && entry.operationId !== filters.operation) return false;
  if (filters.status) {
    const code = String(
      entry.kind === 'request' ? entry.status : entry.kind === 'webhook' ? entry.statusCode : '',
    );
    const wanted = filters.status.toLowerCase().replace(/x/g, '');
    if (!code.startsWith(wanted)) return false;
  }
  if (filters.scenario && !(entry.scenarios ?? []).includes(filters.scenario)) return false;
  if (filters.since) {
    const since = Date.parse(filters.since);
    if (!Number.isNaN(since) && entry.at < since) return false;
  }
  return true;
}

function distinct(entries, pick) {
  return [...new Set(entries.flatMap(pick).filter((v) => v !== null && v !== undefined && v !== ''))].sort();
}

function select(label, key, values) {
  return h(
    'label',
    {},
    label,
    h(
      'select',
      { name: key, onchange: (event) => setFilter(key, event.target.value) },
      h('option', { value: '' }, 'any'),
      values.map((v) => h('option', { value: v, selected: filters[key] === v }, v)),
    ),
  );
}

let redraw = () => {};
function setFilter(key, value) {
  filters[key] = value;
  redraw();
}

export function journal(main, { live }) {
  const bar = h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() });
  const out = h('div', { class: 'rows' });
  let options = '';
  const draw = () => {
    const all = live.entries;
    const sessions = distinct(all, (e) => [e.session]);
    const operations = distinct(all, (e) => [e.operationId]);
    const scenarioNames = distinct(all, (e) => e.scenarios ?? []);
    // Rebuild the filter bar only when its choices change, so a batch never closes a menu the user has open.
    const next = JSON.stringify([sessions, operations, scenarioNames, filters]);
    if (next !== options) {
      options = next;
      fill(
        bar,
        select(
          'Session',
          'session',
          distinct(all, (e) => [e.session]),
        ),
        select('Kind', 'kind', ['request', 'transition', 'webhook']),
        select(
          'Operation',
          'operation',
          distinct(all, (e) => [e.operationId]),
        ),
        h(
          'label',
          {},
          'Status',
          h('input', {
            name: 'status',
            value: filters.status,
            placeholder: '4xx',
            size: 5,
            onchange: (e) => setFilter('status', e.target.value.trim()),
          }),
        ),
        select(
          'Scenario',
          'scenario',
          distinct(all, (e) => e.scenarios ?? []),
        ),
        h(
          'label',
          {},
          'Since (virtual time)',
          h('input', {
            name: 'since',
            value: filters.since,
            placeholder: '2026-06-01T12:00:00Z',
            size: 22,
            onchange: (e) => setFilter('since', e.target.value.trim()),
          }),
        ),
      );
    }
    const shown = all.filter(matches);
    const rows = shown.slice(-MAX_ROWS).reverse();
    fill(
      out,
      table(
        `${shown.length} of ${all.length} entries, newest first${shown.length > MAX_ROWS ? ` (the newest ${MAX_ROWS} drawn)` : ''}`,
        ['Virtual time', 'Session', 'What', 'Status', 'Operation', 'Scenarios', 'Orders'],
        rows.map((e) =>
          h(
            'tr',
            { 'data-seq': e.seq, class: `kind-${e.kind}` },
            h('td', {}, h('time', { datetime: e.time }, e.time)),
            h('td', {}, e.session),
            h('td', {}, entryLink(e)),
            h('td', {}, statusOf(e)),
            h('td', {}, e.operationId ?? ''),
            h('td', {}, (e.scenarios ?? []).join(', ')),
            h(
              'td',
              {},
              orderIds(e).map((id) => [orderLink(e.session, id), ' ']),
            ),
          ),
        ),
        { class: 'journal' },
      ),
    );
  };
  redraw = draw;
  live.onChange = draw;
  fill(
    main,
    section(
      'Journal',
      h(
        'p',
        { class: 'muted' },
        'Every exchange, order transition and webhook attempt, live. Everything here was redacted before it was recorded.',
      ),
      bar,
      out,
    ),
  );
  draw();
}
