// The one way the inspector builds markup: elements with properties, and strings only ever as text nodes. Nothing
// the mock recorded from a request can become markup, whatever it contains.

/**
 * h('a', { href: '#x', onclick: fn }, 'text', child) → an element. Keys starting with "on" add listeners, `class`
 * and `data-*`/`aria-*` become attributes; every string child is a text node.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table with a caption, column headers and rows of cells (strings or nodes). */
export function table(caption, headers, rows, props = {}) {
  return h(
    'table',
    props,
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((name) => h('th', { scope: 'col' }, name)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        row instanceof Node
          ? row
          : h(
              'tr',
              {},
              row.map((cell) => h('td', {}, cell)),
            ),
      ),
    ),
  );
}

/** A JSON value, pretty-printed, as text. */
export function json(value) {
  return h(
    'pre',
    { class: 'json', tabindex: '0' },
    value === undefined ? '' : JSON.stringify(value, null, 2),
  );
}

/** A headers object as a two-column table. */
export function headerTable(caption, headers) {
  return table(
    caption,
    ['Header', 'Value'],
    Object.entries(headers ?? {}).map(([name, value]) => [h('code', {}, name), String(value)]),
    { class: 'kv' },
  );
}

/** An HTTP status as a badge, coloured by class. */
export function statusBadge(status) {
  if (status === null || status === undefined) return h('span', { class: 'badge fault' }, 'no answer');
  const kind = status >= 500 ? 'err' : status >= 400 ? 'warn' : 'ok';
  return h('span', { class: `badge ${kind}` }, String(status));
}
