// The floor for bench/peers.ts: plain node:http answering every request with one constant JSON body, after reading
// the request body (as any server must). Listens on 127.0.0.1, port 0 unless PORT is set, and prints its URL.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

// The same reply the bare Express stub and WireMock's stub send.
const BODY = readFileSync(new URL('./evaluate-reply.json', import.meta.url));
// `--busy-us N`: spin N µs per request before answering, a stand-in for a server's own work (bench:peers --raw-busy).
const at = process.argv.indexOf('--busy-us');
const BUSY_NS = at === -1 ? 0n : BigInt(Math.round(Number(process.argv[at + 1]) * 1000));

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (BUSY_NS > 0n) {
      const start = process.hrtime.bigint();
      while (process.hrtime.bigint() - start < BUSY_NS) {}
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': BODY.length });
    res.end(BODY);
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`raw node:http listening on http://127.0.0.1:${port}/v1\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
