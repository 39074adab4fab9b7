// The start-up warning for a bind beyond loopback: what the network can now reach, and how to close it. Containers
// bind 0.0.0.0 on purpose, so this warns and never refuses.

import { isLoopback } from '../admin/admin-api.js';

/** The warning to print for `host`, or null on loopback. */
export function exposureWarning(host: string, url: string, privateAccounts: boolean): string | null {
  if (isLoopback(host)) return null;
  const bar = '!'.repeat(78);
  return [
    bar,
    `WARNING: the mock listens on ${host}, beyond loopback. Anyone who can reach ${url} can now:`,
    `  - call ${url}/v1 with the PUBLISHED default credentials (AppKey/AppSecret in the README and above),`,
    '    create orders, read every order of the default merchants and receive their tokens;',
    '  - call /__admin with the admin token printed above (reset, journal, clock, webhooks).',
    privateAccounts
      ? '  Your --merchants accounts are served too; the published default accounts still answer beside them.'
      : '  To keep your own credentials private, pass --merchants <file> with your accounts (docs/security.md).',
    '  Bind 127.0.0.1 unless other machines must reach the mock; consider --isolate-sessions on shared servers.',
    bar,
  ].join('\n');
}
