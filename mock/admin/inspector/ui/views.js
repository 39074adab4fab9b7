// The inspector's views. Each renders into <main> from the live journal and admin API calls; every value that came
// from a request is passed to h() as a string, so it lands in the page as text.

import { api, settings } from './api.js';
import { fill, h, headerTable, json, statusBadge, table } from './dom.js';

/** Rows drawn at most in the journal table (the newest); the filters narrow them first. */
const MAX_ROWS = 300;

const filters = { session: '', kind: '', operation: '', status: '', scenario: '', since: '' };

function section(title, ...children) {
  return h('section', { 'aria-label': title }, h('h2', {}, title), ...children);
}

function problemText(error) {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

/** Run an admin call for a view; a refusal is shown in the view, not thrown away. */
async function load(out, call) {
  try {
    return await call();
  } catch (error) {
    fill(out, h('p', { class: 'problem', role: 'alert' }, problemText(error)));
    return undefined;
  }
}

function entryLink(entry) {
  return h('a', { href: `#entry/${entry.seq}` }, summary(entry));
}

function orderLink(session, id) {
  return h('a', { href: `#orders/${encodeURIComponent(session)}/${encodeURIComponent(id)}` }, id);
}

function summary(entry) {
  if (entry.kind === 'request') return `${entry.method} ${entry.path}`;
  if (entry.kind === 'transition') return `${entry.transition} → ${entry.statusName}`;
  return `${entry.event} attempt ${entry.attempt}`;
}

function statusOf(entry) {
  if (entry.kind === 'request') return statusBadge(entry.status);
  if (entry.kind === 'webhook')
    return entry.statusCode === null
      ? h('span', { class: 'badge fault' }, entry.error ?? 'failed')
      : statusBadge(entry.statusCode);
  return h('span', { class: 'badge' }, entry.reason);
}

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

function journal(main, { live }) {
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

function orderIds(entry) {
  if (entry.kind === 'request') return entry.orderIds ?? [];
  return entry.orderId ? [entry.orderId] : [];
}

function warningsOf(entry) {
  return (entry.responseHeaders?.['x-mock-warning'] ?? '').split(' | ').filter((w) => w !== '');
}

function entry(main, { live, args }) {
  const seq = Number(args[0]);
  const found = live.entries.find((e) => e.seq === seq);
  if (!found) {
    fill(
      main,
      section('Entry', h('p', {}, `Entry ${seq} is not in the page's journal (it may have been dropped).`)),
    );
    return;
  }
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

async function orders(main, { live, args }) {
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

async function webhooks(main, { live, say }) {
  // The signature headers come from the live journal: redraw when it brings the attempts.
  live.onChange = () => webhooks(main, { live, say });
  const out = h('div');
  const session = settings().session;
  fill(main, section(`Webhooks of session ${session}`, out));
  const data = await load(out, () => api('GET', '/webhooks/deliveries'));
  if (!data) return;
  const signatures = (deliveryId) => {
    const attempt = live.entries.filter((e) => e.kind === 'webhook' && e.deliveryId === deliveryId).at(-1);
    const sent = attempt?.requestHeaders ?? {};
    return Object.entries(sent)
      .filter(([name]) => name.startsWith('x-fc-'))
      .map(([name, value]) => h('div', {}, h('code', {}, name), ': ', value));
  };
  const rows = data.deliveries.reverse().map((d) => [
    d.id,
    d.event,
    orderLink(d.session, d.orderId),
    h(
      'span',
      { class: `badge ${d.status === 'delivered' ? 'ok' : d.status === 'failed' ? 'err' : 'warn'}` },
      d.status,
    ),
    h(
      'ol',
      { class: 'attempts' },
      d.attempts.map((a) =>
        h(
          'li',
          {},
          `${new Date(a.at).toISOString()} → ${a.statusCode ?? a.error} in ${a.durationMs} ms${a.isResent ? ' (resent)' : ''}`,
        ),
      ),
    ),
    signatures(d.id),
    h(
      'button',
      {
        type: 'button',
        onclick: async () => {
          try {
            await api('POST', `/webhooks/deliveries/${encodeURIComponent(d.id)}/redeliver`);
            say(`Delivery ${d.id} sent again.`);
            webhooks(main, { live, say });
          } catch (error) {
            say(`Redeliver failed: ${problemText(error)}`);
          }
        },
      },
      'Redeliver',
    ),
  ]);
  fill(
    out,
    table(
      `${rows.length} deliveries`,
      ['Delivery', 'Event', 'Order', 'Status', 'Attempts (virtual time)', 'Signature headers', 'Action'],
      rows,
    ),
  );
}

async function scenarios(main, { live, say }) {
  const session = settings().session;
  const out = h('div');
  fill(main, section('Scenarios', out));
  const data = await load(out, () => api('GET', '/scenarios'));
  if (!data) return;
  const chosen = (await load(out, () => api('GET', '/session/scenarios')))?.names ?? [];
  const folders = data.folders ?? [];
  const inFolder = (file, folder) => file.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
  const form = h('form', {
    'aria-label': `Scenarios for session ${session}`,
    onsubmit: async (event) => {
      event.preventDefault();
      const names = [...form.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
      try {
        await api('PUT', '/session/scenarios', { names });
        say(`Session ${session} now uses: ${names.join(', ') || 'no scenario'}.`);
        scenarios(main, { live, say });
      } catch (error) {
        say(`Could not choose scenarios: ${problemText(error)}`);
      }
    },
  });
  const groups = folders.map((folder, i) => {
    const list = data.scenarios.filter((s) => s.file && inFolder(s.file, folder));
    return h(
      'fieldset',
      {},
      h('legend', {}, `${i === 0 ? 'Library' : 'Your folder'}: ${folder} (${list.length})`),
      list.map((s) =>
        h(
          'div',
          { class: 'scenario' },
          h(
            'label',
            {},
            h('input', { type: 'checkbox', value: s.name, checked: chosen.includes(s.name) }),
            ' ',
            h('strong', {}, s.name),
          ),
          h('span', { class: 'muted' }, ` ${s.source ?? ''} — ${s.description ?? ''}`),
        ),
      ),
    );
  });
  fill(
    form,
    groups,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, `Use for session ${session}`),
      h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            await api('DELETE', '/session/scenarios').catch(() => undefined);
            say(`Session ${session} uses no scenario.`);
            scenarios(main, { live, say });
          },
        },
        'Clear',
      ),
    ),
  );
  const problems = data.problems ?? [];
  const matched = live.entries
    .filter((e) => e.kind === 'request' && e.scenarios.length > 0)
    .slice(-50)
    .reverse();
  fill(
    out,
    h(
      'p',
      {},
      `Session ${session} uses: ${chosen.length ? chosen.join(', ') : 'no scenario (the server default applies)'}.`,
    ),
    form,
    h('h3', {}, 'Problems'),
    problems.length
      ? h(
          'ul',
          { class: 'problems' },
          problems.map((p) => h('li', {}, h('code', {}, `${p.file}:${p.line}:${p.column}`), ' ', p.message)),
        )
      : h('p', { class: 'muted' }, 'Every file loaded.'),
    h('h3', {}, 'Which request matched which scenario'),
    table(
      `${matched.length} recent requests that matched a scenario`,
      ['Virtual time', 'Session', 'Request', 'Status', 'Scenarios'],
      matched.map((e) => [
        h('time', { datetime: e.time }, e.time),
        e.session,
        entryLink(e),
        statusBadge(e.status),
        e.scenarios.join(', '),
      ]),
    ),
  );
}

async function clock(main, ctx) {
  const { say } = ctx;
  const out = h('div');
  fill(main, section('Clock & sessions', out));
  const now = await load(out, () => api('GET', '/clock'));
  if (!now) return;
  const again = () => clock(main, ctx);
  const act = (method, path, body) => async (event) => {
    event?.preventDefault();
    try {
      const next = await api(method, path, body?.());
      say(`Virtual time ${next.now}${next.frozen ? ' (frozen)' : ''}.`);
      again();
    } catch (error) {
      say(`Clock: ${problemText(error)}`);
    }
  };
  const by = h('input', { name: 'by', value: '1h', size: 8 });
  const sessionsBox = h('div');
  fill(
    out,
    h(
      'p',
      { class: 'clock' },
      'Virtual time ',
      h('time', { id: 'virtual-now', datetime: now.now }, now.now),
      now.frozen ? ' (frozen)' : ' (running)',
    ),
    h(
      'form',
      {
        class: 'inline',
        'aria-label': 'Advance the clock',
        onsubmit: act('POST', '/clock/advance', () => ({ by: by.value.trim() })),
      },
      h('label', {}, 'Advance by ', by),
      ' ',
      h('button', { type: 'submit' }, 'Advance'),
    ),
    h(
      'div',
      { class: 'actions' },
      now.frozen
        ? h('button', { type: 'button', onclick: act('POST', '/clock/unfreeze') }, 'Unfreeze')
        : h('button', { type: 'button', onclick: act('POST', '/clock/freeze', () => ({})) }, 'Freeze'),
    ),
    h('h3', {}, 'Sessions'),
    sessionsBox,
  );
  const list = await load(sessionsBox, () => api('GET', '/sessions'));
  if (!list) return;
  fill(
    sessionsBox,
    table(
      `${list.sessions.length} sessions`,
      ['Session', 'Actions'],
      list.sessions.map((name) => [
        name,
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              'aria-label': `Reset session ${name}`,
              onclick: async () => {
                try {
                  await api('POST', '/reset', undefined, name);
                  say(`Session ${name} reset.`);
                  again();
                } catch (error) {
                  say(`Reset: ${problemText(error)}`);
                }
              },
            },
            'Reset',
          ),
        ),
      ]),
    ),
  );
}

async function prerequisites(main) {
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

async function credentials(main) {
  const out = h('div');
  fill(main, section('Credentials & test cards', out));
  const data = await load(out, () => api('GET', '/credentials'));
  if (!data) return;
  const copy = (label, value) =>
    h(
      'span',
      { class: 'copy' },
      h('code', {}, value),
      ' ',
      h(
        'button',
        {
          type: 'button',
          'aria-label': `Copy ${label}`,
          onclick: () => navigator.clipboard?.writeText(value),
        },
        'Copy',
      ),
    );
  fill(
    out,
    table(
      'Accounts',
      ['Company', 'MID', 'AppKey', 'AppSecret', 'Tokenization key'],
      data.accounts.map((a) => [
        a.companyName ?? '',
        copy(`MID of ${a.companyName}`, a.mid),
        copy(`AppKey of ${a.companyName}`, a.appKey),
        copy(`AppSecret of ${a.companyName}`, a.appSecret),
        copy(`tokenization key of ${a.companyName}`, a.tokenizationKey),
      ]),
    ),
    table(
      'Test cards',
      ['Name', 'Number', 'Brand', 'CVV', 'Outcome'],
      data.testCards.map((c) => [c.name, copy(`${c.name} card number`, c.number), c.brand, c.cvv, c.summary]),
    ),
  );
}

export const VIEWS = { journal, entry, orders, webhooks, scenarios, clock, prerequisites, credentials };
