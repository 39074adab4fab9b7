// What the inspector's views share: a titled section, links to entries and orders, status badges, and admin calls
// whose refusal is shown in the view. Every value that came from a request is passed to h() as a string, so it lands
// in the page as text.

import { fill, h, statusBadge } from '../dom.js';

export function section(title, ...children) {
  return h('section', { 'aria-label': title }, h('h2', {}, title), ...children);
}

export function problemText(error) {
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

/** Run an admin call for a view; a refusal is shown in the view, not thrown away. */
export async function load(out, call) {
  try {
    return await call();
  } catch (error) {
    fill(out, h('p', { class: 'problem', role: 'alert' }, problemText(error)));
    return undefined;
  }
}

export function entryLink(entry) {
  return h('a', { href: `#entry/${entry.seq}` }, summary(entry));
}

export function orderLink(session, id) {
  return h('a', { href: `#orders/${encodeURIComponent(session)}/${encodeURIComponent(id)}` }, id);
}

export function summary(entry) {
  if (entry.kind === 'request') return `${entry.method} ${entry.path}`;
  if (entry.kind === 'transition') return `${entry.transition} → ${entry.statusName}`;
  return `${entry.event} attempt ${entry.attempt}`;
}

export function statusOf(entry) {
  if (entry.kind === 'request') return statusBadge(entry.status);
  if (entry.kind === 'webhook')
    return entry.statusCode === null
      ? h('span', { class: 'badge fault' }, entry.error ?? 'failed')
      : statusBadge(entry.statusCode);
  return h('span', { class: 'badge' }, entry.reason);
}

export function orderIds(entry) {
  if (entry.kind === 'request') return entry.orderIds ?? [];
  return entry.orderId ? [entry.orderId] : [];
}
