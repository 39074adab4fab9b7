// The scenario library and the user's folder: choose the session's scenarios, see load problems and which request
// matched which scenario.

import { api, settings } from '../api.js';
import { fill, h, statusBadge, table } from '../dom.js';
import { entryLink, load, problemText, section } from './common.js';

export async function scenarios(main, { live, say }) {
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
