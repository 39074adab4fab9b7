// Listening: bind an app to host:port and close it gracefully (in-flight requests finish, idle sockets close).

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MockApp } from './app.js';

export interface RunningServer {
  server: Server;
  /** Base URL without the /v1 prefix, e.g. http://127.0.0.1:4848 */
  url: string;
  port: number;
  host: string;
  /** Stop accepting connections, let in-flight requests finish (at most `graceMs`), then close. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_PORT = 4848;
export const DEFAULT_HOST = '127.0.0.1';

export function listen(app: MockApp, options: { port?: number; host?: string } = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port ?? DEFAULT_PORT, host);
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      // Keep-alive sockets must not outlive a test that forgot to close its agent.
      server.keepAliveTimeout = 5_000;
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        server,
        url: `http://${shownHost}:${port}`,
        port,
        host,
        close: (graceMs = 5_000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
