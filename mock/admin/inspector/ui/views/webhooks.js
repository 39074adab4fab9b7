// The session's webhook deliveries, their attempts and signature headers, with a redeliver button.

import { api, settings } from '../api.js';
import { fill, h, table } from '../dom.js';
import { load, orderLink, problemText, section } from './common.js';

export async function webhooks(main, { live, say }) {
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
      .map(([name, value]) => h('div', { class: 'signature' }, h('code', {}, name), ': ', value));
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
