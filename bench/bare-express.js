// The baseline for bench/run.ts: the smallest Express 5 app with the same two routes the benchmark loads.
// Listens on 127.0.0.1, port 0 unless PORT is set, and prints its URL on stdout.

import { readFileSync } from 'node:fs';
import express from 'express';

const EVALUATE_REPLY = JSON.parse(readFileSync(new URL('./evaluate-reply.json', import.meta.url), 'utf8'));

const ORDER_REPLY = {
  id: '00000000-0000-4000-8000-000000000001',
  status: 'COMPLETED',
  amount: 1500,
  currency: 'USD',
  success: true,
  result: null,
  statusCode: null,
  errors: [],
  customProperties: {},
};

const app = express();
app.use(express.json());
app.post('/v1/evaluate', (_req, res) => {
  res.json(EVALUATE_REPLY);
});
app.get('/v1/orders/:id', (_req, res) => {
  res.json(ORDER_REPLY);
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`bare express listening on http://127.0.0.1:${port}/v1\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
