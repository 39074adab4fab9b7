// Where webhooks may go. By default only to loopback (127.0.0.0/8, ::1, localhost), never to the mock's own port,
// never to system ports (below 1024, except 80 and 443), never with user:password@ in the URL; a host named with
// `allowHosts` (`--allow-webhook-host`) may be anything. Names are checked again on the address they resolve to
// when each attempt connects, so a name that resolves elsewhere (DNS rebinding) is refused at delivery.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

/** The mock's own listening address (set once it listens). */
export interface SelfAddress {
  host: string;
  port: number;
}

export class ReceiverRefused extends Error {
  readonly code = 'RECEIVER_REFUSED';
}

const HINT =
  'start the mock with --allow-webhook-host <host> (createApp({ webhooks: { allowHosts } })) to allow it';

export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) ||
    a === '::1' ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)
  );
}

function unspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

export class ReceiverPolicy {
  readonly #allow: ReadonlySet<string>;
  #self: SelfAddress | null = null;

  constructor(allowHosts: readonly string[] = []) {
    this.#allow = new Set(allowHosts.map((h) => h.toLowerCase().replace(/^\[|\]$/g, '')));
  }

  setSelf(self: SelfAddress): void {
    this.#self = self;
  }

  #allowed(host: string): boolean {
    return this.#allow.has('*') || this.#allow.has(host);
  }

  /** Throws ReceiverRefused with a message saying why and how to fix it. */
  check(url: URL): void {
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const shown = JSON.stringify(`${url.protocol}//${url.host}`);
    if (url.username || url.password) {
      throw new ReceiverRefused(
        `webhook URL ${shown} carries user:password@; remove it (the mock would send it as Basic credentials to the receiver)`,
      );
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const self = this.#self;
    if (
      self &&
      port === self.port &&
      (isLoopbackAddress(host) || host === 'localhost' || host === self.host || unspecified(self.host))
    ) {
      throw new ReceiverRefused(
        `webhook URL ${shown} is the mock itself (its /v1 or /__admin API); use your own receiver`,
      );
    }
    if (this.#allowed(host)) return;
    if (port < 1024 && port !== 80 && port !== 443) {
      throw new ReceiverRefused(
        `webhook URL ${shown} targets system port ${port}; use port 80, 443 or above 1023, or ${HINT}`,
      );
    }
    if (isIP(host) !== 0 ? isLoopbackAddress(host) : host === 'localhost') return;
    throw new ReceiverRefused(`webhook host ${JSON.stringify(host)} is not a loopback address; ${HINT}`);
  }

  /**
   * A `lookup` for http.request: resolves the name and refuses addresses that are not allowed for it, so the address
   * connected to is the address checked.
   */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const name = hostname.toLowerCase();
    dnsLookup(
      hostname,
      { all: true, ...(options.family ? { family: options.family } : {}) },
      (error, addresses) => {
        if (error) return callback(error, options.all ? [] : '');
        const bad = addresses.find(
          (a) => !this.#allowed(name) && !this.#allowed(a.address) && !isLoopbackAddress(a.address),
        );
        if (bad || addresses.length === 0) {
          const refused = new ReceiverRefused(
            `webhook host ${JSON.stringify(hostname)} resolved to ${bad?.address ?? 'nothing'}, not a loopback address; ${HINT}`,
          );
          return callback(refused, options.all ? [] : '');
        }
        if (options.all) return callback(null, addresses);
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      },
    );
  };
}
