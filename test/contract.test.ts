// contracts/openapi.yaml itself: it covers every route, its examples obey its schemas, every catalog code is
// well-formed, and Prism loads it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Contract } from '../mock/contract/contract.js';
import { ERROR_CATALOG } from '../mock/errors/catalog.js';
import { ROUTES } from '../mock/http/routes.js';

const contract = new Contract();

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary OpenAPI document.
type Node = any;

test('every operation in the contract has a handler and every handler an operation', () => {
  const operations = [...contract.operations.keys()].sort();
  assert.deepEqual(Object.keys(ROUTES).sort(), operations);
  assert.ok(operations.length >= 28);
});

test('every catalog code is six digits whose first three are its HTTP status, with a title and a fix', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
    assert.match(code, /^[1-5]\d{5}$/);
    assert.equal(Number(code.slice(0, 3)), entry.status, code);
    assert.ok(entry.title.length > 5 && entry.fix.length > 20, code);
  }
  for (const status of [400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 502, 503, 504]) {
    assert.ok(
      Object.values(ERROR_CATALOG).some((e) => e.status === status),
      `a code for ${status}`,
    );
  }
});

test('every example in the contract validates against its own schema', () => {
  const doc = contract.document as Record<string, Node>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({
    $id: 'openapi.json',
    components: JSON.parse(JSON.stringify(doc.components).replaceAll('"#/', '"openapi.json#/')),
  });
  const fix = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/', '"openapi.json#/'));
  const resolve = (node: Node) => {
    while (node?.$ref)
      node = node.$ref
        .slice(2)
        .split('/')
        .reduce((a: Node, k: string) => a?.[k], doc);
    return node;
  };
  let checked = 0;
  const failures: string[] = [];
  const checkContent = (where: string, content: Record<string, Node> | undefined) => {
    for (const [media, body] of Object.entries(content ?? {})) {
      if (!body.schema || !/json/.test(media)) continue;
      const validate = ajv.compile(fix(body.schema));
      const examples = [
        ...(body.example !== undefined ? [body.example] : []),
        ...Object.values(body.examples ?? {}).map((e: Node) => resolve(e).value),
      ];
      for (const example of examples) {
        checked += 1;
        if (!validate(example)) failures.push(`${where} ${media}: ${ajv.errorsText(validate.errors)}`);
      }
    }
  };
  for (const [path, item] of Object.entries(doc.paths as Record<string, Node>)) {
    for (const [method, op] of Object.entries(item)) {
      const operation = op as Node;
      if (typeof operation !== 'object' || !operation?.responses) continue;
      checkContent(`${method} ${path} request`, resolve(operation.requestBody)?.content);
      for (const [status, response] of Object.entries(operation.responses as Record<string, Node>)) {
        checkContent(`${method} ${path} ${status}`, resolve(response)?.content);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked > 40, `checked ${checked} examples`);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('Prism loads the contract and mocks from it without complaint', async () => {
  const port = await freePort();
  const prism = spawn(
    'node_modules/.bin/prism',
    ['mock', '-h', '127.0.0.1', '-p', String(port), 'contracts/openapi.yaml'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  prism.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  prism.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  try {
    const deadline = Date.now() + 120_000;
    while (!output.includes('Prism is listening') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(output.includes('Prism is listening'), output);
    const res = await fetch(`http://127.0.0.1:${port}/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ AppKey: 'k', AppSecret: 's' }),
    });
    assert.equal(res.status, 200);
    // Prism marks problems with the document (and failed requests) with ✖ or the words fatal/error. The URLs it lists
    // carry generated example values (a query of `mid=error` happens), so they are left out of the check.
    const logged = output.replace(/https?:\/\/\S+/g, '<url>');
    assert.doesNotMatch(logged, /✖|\bfatal\b|\berror\b|unresolv/i, output);
  } finally {
    prism.kill('SIGTERM');
  }
});
