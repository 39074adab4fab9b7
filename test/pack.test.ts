// The packed package in an empty project, exactly as a user receives it (docs/install.md): the bin, the ESM API,
// the shipped types under strict TypeScript, `verify` without the optional Pact packages, the CI-service recipe and
// the GitHub Actions steps of docs/ci-service.md run verbatim, and the Dockerfile's steps outside a container.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import {
  exec,
  fencedBlocks,
  NPM_FLAGS,
  npmEnv,
  type Packed,
  packAndInstall,
  REPO,
  startServer,
  stop,
} from './packed.js';

const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/** Fetch a token from a base URL ending in /v1, as a client does first. */
async function tokenStatus(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
  });
  await res.body?.cancel();
  return res.status;
}

/** A port that was free a moment ago (for the Dockerfile's PORT, which must be a number the health check knows). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe('the packed package in an empty project', { timeout: 600_000 }, () => {
  let packed: Packed;
  let bin: string;

  before(
    async () => {
      assert.ok(existsSync(join(REPO, 'dist/mock/cli.js')), 'dist/ is built (npm test builds first)');
      packed = await packAndInstall();
      bin = join(packed.project, 'node_modules/.bin/flexfactor-mock');
    },
    { timeout: 300_000 },
  );
  after(() => packed?.cleanup());

  test('docs/install.md gives the commands this test runs', () => {
    const install = readFileSync(join(REPO, 'docs/install.md'), 'utf8');
    assert.ok(install.includes('npm pack'), 'npm pack');
    assert.ok(
      install.includes(`npm install --save-dev ./flexfactor-mock-${PKG.version}.tgz`),
      'the install line',
    );
    assert.ok(install.includes(NPM_FLAGS.join(' ')), 'the offline-friendly flags');
  });

  test('the install brings no devDependency, runs no script, and ships the contracts and a LICENSE', (t) => {
    const lock = JSON.parse(readFileSync(join(packed.project, 'node_modules/.package-lock.json'), 'utf8'));
    t.diagnostic(`a user's install: ${Object.keys(lock.packages).length} packages`);
    const installed = readdirSync(join(packed.project, 'node_modules'));
    for (const dev of Object.keys(PKG.devDependencies)) {
      if (dev === '@types/node') continue; // a dependency of @types/express, which the public types need
      assert.ok(!existsSync(join(packed.project, 'node_modules', dev)), `${dev} is not installed`);
    }
    assert.ok(installed.includes('flexfactor-mock'));
    assert.doesNotMatch(packed.installLog, /install-scripts|prepare/, 'no lifecycle script to approve');
    const root = join(packed.project, 'node_modules/flexfactor-mock');
    for (const file of [
      'contracts/openapi.yaml',
      'contracts/admin.yaml',
      'LICENSE',
      'dist/contracts/admin.json',
    ]) {
      assert.ok(existsSync(join(root, file)), `${file} is in the package`);
    }
    assert.match(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
      /MIT License[\s\S]*flexfactor-mock contributors/,
    );
  });

  test('every relative link in the shipped README and docs, and every source file they cite, is in the package', () => {
    const root = join(packed.project, 'node_modules/flexfactor-mock');
    const pages = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ];
    const missing: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z][a-z+.-]*:/i.test(link as string) || (link as string).startsWith('#')) continue;
        const target = join(root, dirname(page), (link as string).split('#')[0] as string);
        if (!existsSync(target)) missing.push(`${page} links ${link}`);
      }
      // A path in code type that names one of our source files ("read contracts/client/", "what consumer.ts does").
      for (const [, path] of text.matchAll(/`((?:contracts|scenarios)\/[\w./-]+)`/g)) {
        if (!existsSync(join(root, path as string))) missing.push(`${page} cites ${path}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('the bundled command line is ASCII only, so V8 keeps its source text at one byte a character', () => {
    const dist = join(packed.project, 'node_modules/flexfactor-mock/dist/mock');
    const bundled = [
      ...readdirSync(dist).filter((name) => /^cli.*\.js$/.test(name)),
      ...readdirSync(join(dist, 'cli-vendor')).map((name) => `cli-vendor/${name}`),
    ];
    assert.ok(bundled.length >= 5, `the bundle's files: ${bundled.join(', ')}`);
    for (const name of bundled) {
      const text = readFileSync(join(dist, name), 'utf8');
      const at = text.search(/[\u0080-\uffff]/);
      assert.equal(at, -1, `${name} has a character outside ASCII: …${text.slice(at - 40, at + 10)}…`);
    }
  });

  test('(a) the bin starts on port 0, answers a token, and reports its version', async () => {
    const version = await exec(bin, ['--version'], { cwd: packed.project });
    assert.equal(version.stdout.trim(), PKG.version);
    const server = await startServer(bin, ['--port', '0'], { cwd: packed.project });
    try {
      assert.equal(await tokenStatus(`${server.url}/v1`), 200);
      const index = (await (await fetch(`${server.url}/v1`)).json()) as { version: string; name: string };
      assert.deepEqual([index.name, index.version], ['flexfactor-mock', PKG.version]);
      // The inspector's files ship in the tarball and are served from the installed package.
      for (const [file, type] of [
        ['', /text\/html/],
        ['/app.js', /text\/javascript/],
        ['/style.css', /text\/css/],
        ['/views/journal.js', /text\/javascript/],
      ] as const) {
        const res = await fetch(`${server.url}/__admin/ui${file}`);
        assert.equal(res.status, 200, `/__admin/ui${file}`);
        assert.match(res.headers.get('content-type') ?? '', type);
        assert.ok((await res.text()).length > 100);
      }
    } finally {
      await stop(server.child);
    }
  });

  test('(b) an ESM script: startMock, token, evaluate, a scenario error, the journal; client and webhooks', async () => {
    writeFileSync(
      join(packed.project, 'in-process.mjs'),
      `import { startMock, TEST_CARDS, SCENARIO_HEADER } from 'flexfactor-mock';
import { FlexFactorClient, FlexFactorError } from 'flexfactor-mock/client';
import { signWebhook, verifyWebhookSignature } from 'flexfactor-mock/webhooks';
const mock = await startMock({ profile: 'lenient' });
try {
  const client = new FlexFactorClient({ baseUrl: mock.baseUrl, ...mock.credentials, maxRetries: 0 });
  const token = await mock.token();
  const order = await client.evaluate({
    isDeclined: true, isMIT: false, orderId: 'ORDER-1', idempotencyKey: crypto.randomUUID(),
    transaction: { id: 't-1', amount: 1500, currency: 'USD', timestampUtc: '2026-06-01T11:59:00Z', responseCode: '05',
      responseCodeSource: 'NMI', avsResultCode: 'M', cvvResultCode: 'M', cavvResultCode: 'NA' },
    payer: { email: 'john@example.com' },
    billingInformation: { firstName: 'John', lastName: 'Doe', country: 'United States', countryCode: 'US',
      addressLine1: '123 Main St.', city: 'San Francisco', state: 'CA', zipCode: '94111' },
    paymentMethod: { cardNumber: TEST_CARDS.approved, token: false },
  });
  const failing = new FlexFactorClient({ baseUrl: mock.baseUrl, ...mock.credentials, maxRetries: 0,
    headers: { [SCENARIO_HEADER]: 'internal-error' } });
  let scenarioError = null;
  try { await failing.getOrder(order.orderId); }
  catch (e) { scenarioError = e instanceof FlexFactorError ? { status: e.status, code: e.code } : String(e); }
  const requests = mock.journal.entries({ kind: 'request' }).map((e) => [e.path, e.status, e.scenarios]);
  const subscriberKey = mock.credentials.subscriberKey;
  const signed = signWebhook({ body: '{}', subscriberKey, host: 'example.test', date: new Date(), nonce: 'ab'.repeat(16) });
  const webhook = verifyWebhookSignature({ body: '{}', headers: { ...signed }, subscriberKey, host: 'example.test' }).ok;
  console.log(JSON.stringify({ token: token.split('.').length, status: order.status, scenarioError, requests, webhook }));
} finally {
  await mock.close();
}
`,
    );
    const result = await exec(process.execPath, ['in-process.mjs'], { cwd: packed.project });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    assert.equal(out.token, 3, 'a JWT');
    assert.equal(out.status, 'APPROVED');
    assert.deepEqual(out.scenarioError, { status: 500, code: '500001' });
    const journal = JSON.stringify(out.requests);
    assert.ok(journal.includes('["/v1/evaluate",200,[]]'), journal);
    assert.ok(journal.includes('500,["internal-error"]]'), journal);
    assert.equal(out.webhook, true);
  });

  test('(c) strict TypeScript with skipLibCheck false compiles a consumer and catches a typo', async () => {
    writeFileSync(
      join(packed.project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          // The consumer's Node types: ours (a TypeScript project has its own); everything else resolves from
          // the installed package and its dependencies only.
          typeRoots: [join(REPO, 'node_modules/@types')],
        },
        include: ['consumer.ts', 'typo.ts'],
      }),
    );
    writeFileSync(
      join(packed.project, 'consumer.ts'),
      `import { createApp, startMock, type MockServer } from 'flexfactor-mock';
import { FlexFactorClient } from 'flexfactor-mock/client';
import { verifyWebhookSignature } from 'flexfactor-mock/webhooks';
import { verifyPacts, type VerifyOptions } from 'flexfactor-mock/pact';
export async function use(): Promise<string> {
  const mock: MockServer = await startMock();
  const app = createApp({ seed: 2 });
  const client = new FlexFactorClient({ baseUrl: mock.baseUrl, appKey: 'k', appSecret: 's' });
  const verifying: VerifyOptions = { pacts: ['pacts'] };
  void client; void verifyWebhookSignature; void verifyPacts; void verifying;
  return \`\${mock.baseUrl} \${app.mock.settings.seed}\`;
}
`,
    );
    writeFileSync(
      join(packed.project, 'typo.ts'),
      `import { createApp, startMock } from 'flexfactor-mock';
export async function typo(): Promise<unknown> {
  const mock = await startMock();
  const app = createApp();
  return [mock.baseUrll, app.mock.settings.sed];
}
`,
    );
    const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
    // Type-checking Express's and Node's declarations takes tens of seconds on a busy machine: a generous bound.
    const result = await exec(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: packed.project,
      timeoutMs: 300_000,
    });
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    assert.equal(
      errors.length,
      2,
      `only the two typos fail (exit ${result.code}):\n${result.stdout}${result.stderr}`,
    );
    assert.ok(
      errors.every((line) => line.startsWith('typo.ts(')),
      result.stdout,
    );
    assert.ok(errors.some((line) => line.includes("'baseUrll'")));
    assert.ok(errors.some((line) => line.includes("'sed'")));
  });

  test('(d) verify without the optional Pact packages: one line naming what to install, exit 2 (could not run)', async () => {
    const result = await exec(bin, ['verify'], { cwd: packed.project });
    // 1 would read as "the contract is broken" in CI; a missing package means verification could not run.
    assert.equal(result.code, 2);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(
      lines[0] ?? '',
      /npm install --save-dev '@pact-foundation\/pact@\^16\.5\.0 \|\| \^17\.0\.0'/,
    );
    assert.doesNotMatch(result.stderr, /ERR_MODULE_NOT_FOUND|\n\s+at /);
  });

  test('(e) flexfactor-mock/pact without the optional Pact packages imports; verifyPacts() names what to install', async () => {
    writeFileSync(
      join(packed.project, 'pact-missing.mjs'),
      `import { stateHandlers, verifyPacts } from 'flexfactor-mock/pact';
try {
  await verifyPacts({ pacts: ['no-such-folder'] });
  console.log('verified?');
} catch (error) {
  console.log(JSON.stringify({ handlers: typeof stateHandlers, message: error.message }));
}
`,
    );
    const result = await exec(process.execPath, ['pact-missing.mjs'], { cwd: packed.project });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim());
    assert.equal(out.handlers, 'function');
    assert.match(
      out.message,
      /^flexfactor-mock\/pact verifyPacts\(\): needs the optional package @pact-foundation\/pact; install it with: npm install --save-dev '@pact-foundation\/pact@\^16\.5\.0 \|\| \^17\.0\.0'$/,
    );
  });

  test('the shell recipe of docs/ci-service.md runs verbatim: start, wait, client tests, stop', async () => {
    const [recipe] = fencedBlocks('docs/ci-service.md', 'sh');
    assert.ok(recipe, 'docs/ci-service.md has the sh recipe');
    writeClientTest(packed.project);
    const result = await exec('bash', ['-e', '-c', recipe], { cwd: packed.project });
    assert.equal(result.code, 0, result.stdout + result.stderr + readLog(packed.project));
    assert.match(result.stdout, /client test: token 200/);
  });

  test('the GitHub Actions steps of docs/ci-service.md run as Actions runs them', async () => {
    const [yamlBlock] = fencedBlocks('docs/ci-service.md', 'yaml');
    const steps = parseYaml(yamlBlock ?? '') as { name: string; run: string; if?: string }[];
    assert.equal(steps.length, 3);
    writeClientTest(packed.project);
    const githubEnv = join(packed.project, 'github-env');
    writeFileSync(githubEnv, '');
    const env: NodeJS.ProcessEnv = { GITHUB_ENV: githubEnv };
    let pid: string | undefined;
    try {
      for (const step of steps) {
        const result = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
          cwd: packed.project,
          env: npmEnv(env),
        });
        assert.equal(
          result.code,
          0,
          `${step.name}: ${result.stdout}${result.stderr}${readLog(packed.project)}`,
        );
        for (const line of readFileSync(githubEnv, 'utf8').split('\n')) {
          const eq = line.indexOf('=');
          if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
        }
        pid = env.MOCK_PID;
        if (step.name === 'Client tests') assert.match(result.stdout, /client test: token 200/);
      }
      assert.match(String(env.FLEXFACTOR_BASE_URL), /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      pid = undefined;
      // The stop step again, now that the server is gone (as when it died during the tests): it must still print
      // the log, which is when it is needed, and must not fail the job on its own.
      const stop = steps.at(-1);
      const again = await exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', stop?.run ?? ''], {
        cwd: packed.project,
        env: npmEnv(env),
      });
      assert.equal(again.code, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /listening on http:\/\/127\.0\.0\.1:\d+\/v1/);
    } finally {
      if (pid) process.kill(Number(pid), 'SIGTERM');
    }
  });

  test("the Dockerfile's steps outside a container: global install, serve, health check through wait", async () => {
    // The Dockerfile a tarball user copies out of the installed package is the repository's.
    const shipped = readFileSync(join(packed.project, 'node_modules/flexfactor-mock/Dockerfile'), 'utf8');
    assert.equal(shipped, readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
    const dockerfile = shipped.replace(/\\\n\s*/g, '');
    const instruction = (name: string) =>
      dockerfile
        .split('\n')
        .filter((line) => line.startsWith(`${name} `))
        .map((line) => line.slice(name.length + 1).trim());
    assert.deepEqual(instruction('FROM'), ['node:20-slim']);
    assert.deepEqual(instruction('USER'), ['node'], 'runs as a non-root user');
    assert.deepEqual(instruction('EXPOSE'), ['4848']);
    const [copy] = instruction('COPY');
    const [, inImage] = (copy ?? '').split(/\s+/);
    // The image's /tmp/flexfactor-mock.tgz is our tarball; the image's global prefix is a folder of this test.
    const prefix = join(packed.dir, 'global');
    mkdirSync(prefix);
    for (const command of instruction('RUN')) {
      const local = command.replaceAll(String(inImage), join(packed.dir, 'image.tgz'));
      writeFileSync(join(packed.dir, 'image.tgz'), readFileSync(packed.tarball));
      const result = await exec('sh', ['-c', local], {
        cwd: packed.dir,
        env: npmEnv({ npm_config_prefix: prefix, npm_config_prefer_offline: 'true' }),
        timeoutMs: 120_000,
      });
      assert.equal(result.code, 0, `RUN ${command}: ${result.stderr}`);
    }
    const port = await freePort();
    const env = npmEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, PORT: String(port) });
    const [cmd] = instruction('CMD');
    const serve = JSON.parse(cmd ?? '[]') as string[];
    // The one change: tests bind loopback only, where the container binds every interface.
    const args = serve.slice(1).map((a) => (a === '0.0.0.0' ? '127.0.0.1' : a));
    assert.ok(serve.includes('0.0.0.0'), 'the container binds every interface');
    const server = await startServer(join(prefix, 'bin', String(serve[0])), args, { cwd: packed.dir, env });
    try {
      assert.equal(server.url, `http://127.0.0.1:${port}`);
      const [health] = instruction('HEALTHCHECK');
      const check = JSON.parse(/CMD (\[.*\])/.exec(health ?? '')?.[1] ?? '[]') as string[];
      const healthy = await exec(join(prefix, 'bin', String(check[0])), check.slice(1), {
        cwd: packed.dir,
        env,
      });
      assert.equal(healthy.code, 0, healthy.stderr);
    } finally {
      await stop(server.child);
    }
  });

  // Last: it installs the optional peers that (d) must not find. Pact 17 declares Node >= 22 in its engines, yet its
  // verifier runs here on Node 20; the peer range allows both majors, and 16.5 is what our own suite runs.
  test('with the newest Pact major installed, verify replays a pact against the mock', async (t) => {
    const install = await exec(
      'npm',
      [
        'install',
        '--save-dev',
        ...NPM_FLAGS,
        '@pact-foundation/pact@^17',
        `${COMPARATOR}@${PKG.peerDependencies[COMPARATOR]}`,
      ],
      { cwd: packed.project, timeoutMs: 240_000 },
    );
    assert.equal(install.code, 0, install.stderr);
    const pact = JSON.parse(
      readFileSync(join(packed.project, 'node_modules/@pact-foundation/pact/package.json'), 'utf8'),
    );
    t.diagnostic(`@pact-foundation/pact ${pact.version} on Node ${process.versions.node}`);
    assert.match(pact.version, /^17\./);
    mkdirSync(join(packed.project, 'pacts'), { recursive: true });
    writeFileSync(join(packed.project, 'pacts/consumer-flexfactor.json'), JSON.stringify(TOKEN_PACT));
    const verify = await exec(bin, ['verify'], { cwd: packed.project, timeoutMs: 120_000 });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /1 of 1 interactions verified/);
  });
});

const COMPARATOR = '@pactflow/openapi-pact-comparator';

/** A consumer's pact with one interaction (a token request), in the V4 format pact-js 16 and 17 write. */
const TOKEN_PACT = {
  consumer: { name: 'pack-test-consumer' },
  provider: { name: 'flexfactor-core-api' },
  interactions: [
    {
      type: 'Synchronous/HTTP',
      description: 'a request for an access token',
      pending: false,
      request: {
        method: 'POST',
        path: '/v1/oauth2/token',
        headers: { 'Content-Type': ['application/json'] },
        body: {
          content: { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
          contentType: 'application/json',
          encoded: false,
        },
      },
      response: {
        status: 200,
        headers: { 'Content-Type': ['application/json'] },
        body: { content: { accessToken: 'a.b.c' }, contentType: 'application/json', encoded: false },
        matchingRules: { body: { '$.accessToken': { combine: 'AND', matchers: [{ match: 'type' }] } } },
      },
    },
  ],
  metadata: { pactSpecification: { version: '4.0' } },
};

/** The consumer project's own test: what its `npm test` runs in the recipes. */
function writeClientTest(project: string): void {
  writeFileSync(
    join(project, 'client.test.mjs'),
    `const base = process.env.FLEXFACTOR_BASE_URL;
if (!base) throw new Error('FLEXFACTOR_BASE_URL is not set');
const res = await fetch(base + '/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ AppKey: ${JSON.stringify(DEFAULT_MERCHANT.appKey)}, AppSecret: ${JSON.stringify(DEFAULT_MERCHANT.appSecret)} }) });
console.log('client test: token ' + res.status);
if (res.status !== 200) process.exit(1);
`,
  );
}

function readLog(project: string): string {
  const file = join(project, 'mock.log');
  return existsSync(file) ? `\nmock.log:\n${readFileSync(file, 'utf8')}` : '';
}
