// A floor for servers that validate: plain node:http that reads the body, parses it, checks it against the contract
// with the mock's own validator (contracts/openapi.yaml, as the mock compiles it), keeps a small order in a bounded
// map and answers a fresh JSON reply. No authentication, idempotency, state machine, journal or redaction: it is
// what any Node server has to spend before doing the mock's job, run by bench/peers.ts as `floor`. Run it after
// `npm run build`. Listens on 127.0.0.1, port 0 unless PORT is set, and prints its URL on stdout.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Contract, checkRequest } from '../dist/mock/contract/contract.js';

const REPLY = JSON.parse(readFileSync(new URL('./evaluate-reply.json', import.meta.url), 'utf8'));
const evaluate = new Contract().operation('evaluate');
const KEEP = 20_000;
const orders = new Map();

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      body = checkRequest(evaluate, {}, body).body;
    } catch {
      return answer(res, 400, { status: 400, title: 'Bad Request' });
    }
    const id = randomUUID();
    const order = { id, externalOrderId: body.orderId, amount: body.transaction.amount, status: 'APPROVED' };
    orders.set(id, order);
    if (orders.size > KEEP) orders.delete(orders.keys().next().value);
    answer(res, 200, { ...REPLY, orderSessionKey: id, orderId: body.orderId });
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`validating floor listening on http://127.0.0.1:${port}/v1\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
