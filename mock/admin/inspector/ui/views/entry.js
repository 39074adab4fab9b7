// One journal entry in full: a request with its headers, bodies and strict-profile warnings, a transition, or a
// webhook attempt.

import { fill, h, headerTable, json, statusBadge } from '../dom.js';
import { orderIds, orderLink, section, statusOf, summary } from './common.js';

/** The header is percent-encoded so that it is exact ASCII; shown decoded, as the mock wrote it. */
function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function warningsOf(entry) {
  return (entry.responseHeaders?.['x-mock-warning'] ?? '')
    .split(' | ')
    .filter((w) => w !== '')
    .map(decoded);
}

export function entry(main, { live, args }) {
  const seq = Number(args[0]);
  const found = live.entries.find((e) => e.seq === seq);
  if (!found) {
    // Opened by link (a reload, a timeline's link in a new tab), the page has no entries until the stream's backlog
    // arrives: look again then, and on every later batch, rather than call the entry dropped.
    live.onChange = () => entry(main, { live, args });
    fill(
      main,
      section(
        'Entry',
        h(
          'p',
          {},
          live.entries.length === 0
            ? `Loading entry ${seq}…`
            : `Entry ${seq} is not in the page's journal (it may have been dropped).`,
        ),
      ),
    );
    return;
  }
  live.onChange = null;
  const e = found;
  const facts = [
    ['Session', e.session],
    ['Virtual time', e.time],
    ['Kind', e.kind],
  ];
  const parts = [];
  if (e.kind === 'request') {
    facts.push(
      ['Operation', e.operationId ?? '(none)'],
      ['Status', statusBadge(e.status)],
      ['Duration', `${e.durationMs} ms`],
    );
    facts.push(['Matched scenarios', e.scenarios.length ? e.scenarios.join(', ') : 'none']);
    const code = e.responseHeaders['x-mock-error-code'];
    if (code) facts.push(['Error code', code]);
    if (e.responseHeaders['x-mock-idempotent-replay'])
      facts.push(['Idempotency', 'replayed the first answer']);
    const warnings = warningsOf(e);
    parts.push(
      h('h3', {}, 'Strict-profile warnings'),
      warnings.length
        ? h(
            'ul',
            { class: 'warnings' },
            warnings.map((w) => h('li', {}, w)),
          )
        : h('p', { class: 'muted' }, 'None.'),
      h('h3', {}, 'Request'),
      headerTable('Request headers', e.requestHeaders),
      json(e.requestBody),
      h('h3', {}, 'Response'),
      headerTable('Response headers', e.responseHeaders),
      json(e.responseBody),
    );
  } else if (e.kind === 'transition') {
    facts.push(
      ['Order', orderLink(e.session, e.orderId)],
      ['Transition', e.transition],
      ['Status', `${e.statusName} (${e.status})`],
      ['Reason', e.reason],
    );
  } else {
    facts.push(
      ['Event', e.event],
      ['URL', e.url],
      ['Attempt', String(e.attempt)],
      ['Receiver status', statusOf(e)],
      ['Delivery', `${e.deliveryId ?? ''} ${e.deliveryStatus ?? ''}`],
    );
    parts.push(
      h('h3', {}, 'Headers sent'),
      headerTable('Webhook headers', e.requestHeaders),
      h('h3', {}, 'Payload'),
      json(e.payload),
    );
  }
  const ids = orderIds(e);
  if (ids.length) facts.push(['Orders', ids.map((id) => [orderLink(e.session, id), ' '])]);
  fill(
    main,
    section(
      `Entry ${e.seq}: ${summary(e)}`,
      h(
        'dl',
        { class: 'facts' },
        facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
      ...parts,
    ),
  );
}
