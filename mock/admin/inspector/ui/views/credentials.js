// The seeded accounts and the test cards, each value with a copy button.

import { api } from '../api.js';
import { fill, h, table } from '../dom.js';
import { load, section } from './common.js';

export async function credentials(main) {
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
