// Commands that need an optional peer (Pact, the OpenAPI comparator) load it on demand; when it is missing the user
// gets one line naming what to install, not Node's ERR_MODULE_NOT_FOUND stack.

import { packageInfo } from '../support/package-info.js';

/** The install command for the optional package a failed import is missing, or null for any other failure. */
export function missingPeerMessage(error: unknown, command: string): string | null {
  return missingPeerHint(error, `flexfactor-mock ${command}`);
}

/** As missingPeerMessage, for any caller: `who` starts the line (a command, or a library function). */
export function missingPeerHint(error: unknown, who: string): string | null {
  if ((error as { code?: string })?.code !== 'ERR_MODULE_NOT_FOUND') return null;
  const message = String((error as Error).message);
  const peers = packageInfo().peerDependencies;
  const missing = Object.keys(peers).filter((name) => message.includes(`'${name}'`));
  if (missing.length === 0) return null;
  const specs = missing.map((name) => `'${name}@${peers[name]}'`).join(' ');
  return `${who}: needs the optional package ${missing.join(', ')}; install it with: npm install --save-dev ${specs}`;
}

/** Import a module that needs an optional peer; on a missing peer print the one-line hint and exit 2 (could not run). */
export async function importWithPeers<T>(load: () => Promise<T>, command: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const hint = missingPeerMessage(error, command);
    if (!hint) throw error;
    process.stderr.write(`${hint}\n`);
    process.exit(2);
  }
}
