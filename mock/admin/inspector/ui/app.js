// The inspector's shell: access settings, the live journal kept in memory (bounded), and a hash router that renders
// one view at a time into <main>.

import { configure, restore, settings, stream } from './api.js';
import { fill } from './dom.js';
import { VIEWS } from './views/index.js';

/** Entries kept in the page, newest last; older ones remain readable through the admin API. */
const MAX_ENTRIES = 5_000;

const live = {
  entries: [],
  /** Entries a slow connection lost (the server said so). */
  dropped: 0,
  /** Called after each batch, by the view on screen (it decides whether to redraw). */
  onChange: null,
};

const main = document.getElementById('view');
const status = document.getElementById('status');
let controller = null;

function say(text) {
  status.textContent = text;
}

function add(entries) {
  live.entries.push(...entries);
  if (live.entries.length > MAX_ENTRIES) live.entries.splice(0, live.entries.length - MAX_ENTRIES);
}

// At most one redraw a second: under load the server sends five batches a second, and redrawing the journal table
// costs the browser more than a batch costs the server (both share the machine's cores).
const REDRAW_MS = 1_000;
let redrawTimer = null;
let lastDraw = 0;
function redraw(scope) {
  if (redrawTimer) return;
  redrawTimer = setTimeout(
    () => {
      redrawTimer = null;
      lastDraw = performance.now();
      say(`Live: ${scope}, ${live.entries.length} entries${live.dropped ? `, ${live.dropped} dropped` : ''}`);
      live.onChange?.();
    },
    Math.max(0, lastDraw + REDRAW_MS - performance.now()),
  );
}

async function connect() {
  controller?.abort();
  const mine = new AbortController();
  controller = mine;
  live.entries = [];
  live.dropped = 0;
  const scope = settings().all ? 'all sessions' : `session ${settings().session}`;
  say(`Connecting (${scope})…`);
  for (let wait = 500; !mine.signal.aborted; wait = Math.min(wait * 2, 10_000)) {
    try {
      await stream(mine.signal, (name, data) => {
        if (name === 'backlog') live.entries = [];
        add(data.entries ?? []);
        live.dropped += data.dropped ?? 0;
        wait = 500;
        redraw(scope);
      });
      if (!mine.signal.aborted) say('The stream ended; reconnecting…');
    } catch (error) {
      if (mine.signal.aborted) return;
      if (error.status === 401 && settings().all) {
        // Every session needs the admin token; fall back to the own session rather than show nothing.
        configure({ all: false });
        document.getElementById('all-sessions').checked = false;
        return connect();
      }
      say(
        error.code
          ? `Not connected: ${error.code} ${error.message}`
          : `Not connected (${error.message}); retrying…`,
      );
      if (error.status === 401) return;
    }
    await new Promise((done) => setTimeout(done, wait));
  }
}

/** A hand-typed `#orders/%E0` is not valid percent-encoding: keep it as typed rather than throw. */
function decodeSafely(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function route() {
  const [name, ...rest] = location.hash.replace(/^#/, '').split('/');
  // Only the views' own names: `#constructor` must not reach Object.prototype.
  const view = Object.hasOwn(VIEWS, name) ? VIEWS[name] : VIEWS.journal;
  for (const link of document.querySelectorAll('nav a')) {
    const current = link.getAttribute('href') === `#${name || 'journal'}`;
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  live.onChange = null;
  fill(main);
  view(main, { live, args: rest.map(decodeSafely), say });
}

function setUp() {
  const saved = restore();
  const form = document.getElementById('access');
  form.session.value = saved.session;
  form['session-token'].value = saved.sessionToken;
  form['admin-token'].value = saved.adminToken;
  document.getElementById('all-sessions').checked = saved.all;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    configure({
      session: form.session.value.trim() || 'default',
      sessionToken: form['session-token'].value.trim(),
      adminToken: form['admin-token'].value.trim(),
      all: document.getElementById('all-sessions').checked,
    });
    connect();
    route();
  });
  window.addEventListener('hashchange', route);
  connect();
  route();
}

setUp();
