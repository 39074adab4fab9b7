// The virtual clock (advance, freeze, unfreeze) and the sessions, each with a reset button.

import { api } from '../api.js';
import { fill, h, table } from '../dom.js';
import { load, problemText, section } from './common.js';

export async function clock(main, ctx) {
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
