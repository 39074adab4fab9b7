// The orders seen in the live journal, and one order's timeline from the admin API with the cause of each transition.

import { api } from '../api.js';
import { fill, h, table } from '../dom.js';
import { load, orderLink, section, statusOf } from './common.js';

/** Why a transition happened: the request that caused it (and its scenario), else the virtual clock (a fate). */
function causeOf(transition, entries) {
  const request = entries
    .filter(
      (r) =>
        r.kind === 'request' &&
        r.seq < transition.seq &&
        r.at <= transition.at &&
        transition.at - r.at <= 1_000,
    )
    .at(-1);
  if (!request) return "virtual clock (the order's fate)";
  const scenario = request.scenarios.length ? `, scenario ${request.scenarios.join(', ')}` : '';
  return `request ${request.operationId ?? request.path} (#${request.seq}${scenario})`;
}

/** Captures and refunds in the API's own units: capture amounts in cents, amountToRefund in dollars. */
function money(request) {
  const body = request.requestBody;
  if (!body || typeof body !== 'object') return '';
  if (request.operationId === 'captureOrder' && body.amount !== undefined)
    return `capture ${body.amount} ${body.currency ?? ''} (cents)`;
  if (request.operationId === 'refundOrder' && body.amountToRefund !== undefined)
    return `refund ${body.amountToRefund} (dollars)`;
  if (request.operationId === 'evaluate' && body.transaction?.amount !== undefined)
    return `amount ${body.transaction.amount} ${body.transaction.currency ?? ''} (cents)`;
  return '';
}

export async function orders(main, { live, args }) {
  if (args.length >= 2) return timeline(main, args[0], args[1]);
  const seen = new Map();
  for (const e of live.entries) {
    if (e.kind !== 'transition') continue;
    seen.set(`${e.session}\u0000${e.orderId}`, e);
  }
  const rows = [...seen.values()]
    .reverse()
    .map((e) => [
      orderLink(e.session, e.orderId),
      e.externalOrderId,
      e.session,
      e.statusName,
      h('time', { datetime: e.time }, e.time),
    ]);
  fill(
    main,
    section(
      'Orders',
      table(
        `${rows.length} orders in the page's journal, latest change first`,
        ['Order', 'Merchant orderId', 'Session', 'Status', 'Last change'],
        rows,
      ),
    ),
  );
  live.onChange = () => orders(main, { live, args });
}

async function timeline(main, session, id) {
  const out = h('div');
  fill(
    main,
    section(`Order ${id}`, h('p', { class: 'muted' }, `Session ${session}. Times are virtual.`), out),
  );
  const data = await load(out, () =>
    api('GET', `/orders/${encodeURIComponent(id)}/timeline`, undefined, session),
  );
  if (!data) return;
  const entries = data.entries;
  const rows = entries.map((e) => {
    let what;
    let detail = '';
    if (e.kind === 'transition') {
      what = `${e.transition} → ${e.statusName}`;
      detail = `cause: ${causeOf(e, entries)}; reason ${e.reason}`;
    } else if (e.kind === 'request') {
      what = `${e.method} ${e.path}`;
      const replay = e.responseHeaders['x-mock-idempotent-replay'] ? 'idempotency replay; ' : '';
      detail = `${replay}${money(e)}`;
    } else {
      what = `webhook ${e.event} attempt ${e.attempt}`;
      detail = `${e.url} ${e.deliveryStatus ?? ''} ${e.durationMs} ms`;
    }
    return h(
      'tr',
      { class: `kind-${e.kind}` },
      h('td', {}, h('time', { datetime: e.time }, e.time)),
      h('td', {}, e.kind),
      h('td', {}, h('a', { href: `#entry/${e.seq}` }, what)),
      h('td', {}, statusOf(e)),
      h('td', {}, detail),
    );
  });
  fill(
    out,
    table(
      `Timeline of order ${id} (${entries.length} entries)`,
      ['Virtual time', 'Kind', 'What', 'Status', 'Detail'],
      rows,
      { class: 'timeline' },
    ),
  );
}
