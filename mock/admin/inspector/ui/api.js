// Admin API calls with the page's access settings, and the journal stream read through fetch (EventSource cannot
// send the token headers, and a token in a URL would end up in logs and history).

const access = {
  session: 'default',
  sessionToken: '',
  adminToken: '',
  all: true,
};

export function settings() {
  return access;
}

/** Change the access settings; kept for this tab only (sessionStorage), never in the URL. */
export function configure(next) {
  Object.assign(access, next);
  try {
    sessionStorage.setItem('ffmock-inspector', JSON.stringify(access));
  } catch {
    // Storage may be off; the settings then last until the page is reloaded.
  }
}

export function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem('ffmock-inspector') ?? 'null');
    if (saved && typeof saved === 'object') Object.assign(access, saved);
  } catch {
    // Nothing saved, or not readable: keep the defaults.
  }
  return access;
}

function headers(session = access.session) {
  const out = { 'x-mock-session': session };
  if (access.sessionToken) out['x-mock-session-token'] = access.sessionToken;
  if (access.adminToken) out['x-mock-admin-token'] = access.adminToken;
  return out;
}

/** An admin API problem, with its six-digit code. */
export class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? null;
  }
}

/** Call the admin API (path after /__admin); JSON in, JSON out, problems thrown. */
export async function api(method, path, body, session) {
  const init = { method, headers: headers(session) };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`/__admin${path}`, init);
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiProblem(res.status, data);
  return data;
}

/**
 * Read /__admin/ui/events until `signal` aborts: onEvent(name, data) per event. Resolves when the stream ends;
 * throws an ApiProblem when it is refused.
 */
export async function stream(signal, onEvent) {
  const query = access.all ? '?all=true' : '';
  const res = await fetch(`/__admin/ui/events${query}`, { headers: headers(), signal });
  if (!res.ok) throw new ApiProblem(res.status, await res.json().catch(() => null));
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data !== '') onEvent(name, JSON.parse(data));
    }
  }
}
