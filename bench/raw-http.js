// The floor for bench/peers.ts: plain node:http answering every request with one constant JSON body, after reading
// the request body (as any server must). Listens on 127.0.0.1, port 0 unless PORT is set, and prints its URL.

import { createServer } from 'node:http';

const BODY = Buffer.from(
  JSON.stringify({
    orderSessionKey: '00000000-0000-4000-8000-000000000001',
    senseKey: null,
    orderId: '00000000-0000-4000-8000-000000000001',
    success: true,
    result: 'Success',
    status: 'APPROVED',
    statusCode: null,
    errors: [],
    customProperties: {},
  }),
);

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
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
