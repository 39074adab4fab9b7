#!/usr/bin/env node
// The command line: parse flags and environment, build the app, listen, print one line, shut down on signals.
// `flexfactor-mock` (or `flexfactor-mock serve`) starts the server; `--help` lists every option.

import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { generateAdminToken, isLoopback } from './admin/admin-api.js';
import { registerContractCommand } from './cli/any-case.js';
import { duration, integer } from './cli/arguments.js';
import { registerDriftCommand } from './cli/drift.js';
import { compactWhenIdle } from './cli/idle-compaction.js';
import { registerRecordCommand } from './cli/record.js';
import { registerScenariosCheckCommand } from './cli/scenarios-check.js';
import { checkScenarioDirs, clearReadyFile, writeReadyFailure, writeReadyFile } from './cli/serve-support.js';
import { registerVerifyCommand } from './cli/verify.js';
import { addWaitCommand } from './cli/wait.js';
import { isWorker, reportListening, runPrimary, WORKER_ENV } from './cli/workers.js';
import { DEFAULT_ACCOUNTS, DEFAULT_MERCHANT, loadAccountsFile } from './domain/accounts.js';
import { COMPAT_PROFILES, type Compat } from './domain/compat.js';
import { createApp } from './http/app.js';
import { exposureWarning } from './http/exposure.js';
import { LOG_LEVELS, type LogLevel, serverLog } from './http/request-log.js';
import { DEFAULT_HOST, DEFAULT_PORT, listen } from './http/server.js';
import { DEFAULT_STORE_PREFIX, openSharedStore, STORE_ENV } from './redis/index.js';
import { packageInfo } from './support/package-info.js';
import { parseReceiverSpec } from './webhooks/dispatcher.js';

interface ServeOptions {
  port: number;
  host: string;
  profile: 'strict' | 'lenient';
  seed?: number;
  log: LogLevel;
  readyFile?: string;
  merchants?: string;
  startTime?: string;
  freezeTime?: boolean;
  captureWindow: number;
  bodyLimit: number;
  validateResponses?: boolean;
  scenarios: string[];
  scenario: string[];
  strictScenarios?: boolean;
  webhookUrl?: { mid: string; url: string }[];
  webhookContentType?: string;
  adminToken?: string;
  maxOrders: number;
  tokenKey?: string;
  reproducibleTokens?: boolean;
  journalBytes: number;
  idleCompact: number;
  scenarioMaxBytes: number;
  allowWebhookHost?: string[];
  isolateSessions?: boolean;
  compat: Compat;
  states?: string;
  store?: string;
  storePrefix: string;
  workers?: number;
}

/** A states module (default export: state sentence → set-up), loaded the way `verify --states` loads it. */
async function loadStates(path: string) {
  const { loadStatesModule } = await import('./cli/states-module.js');
  return loadStatesModule(path);
}

async function serve(options: ServeOptions): Promise<void> {
  // Beyond loopback the admin API is guarded by a token: the given one, or a fresh one printed below.
  // A long-running server draws a fresh seed per start, so its orderSessionKeys and GUIDs never repeat those of a
  // previous run (they would collide in a developer's database); --seed reproduces a run. In-process, seed 1.
  // Workers take the primary's seed and token, so the processes of one server agree.
  const worker = isWorker();
  const workerSeed = worker ? Number.parseInt(process.env[WORKER_ENV.seed] ?? '', 10) : Number.NaN;
  const seed = options.seed ?? (Number.isInteger(workerSeed) ? workerSeed : randomInt(1, 2 ** 31 - 1));
  if (options.readyFile && !worker) clearReadyFile(options.readyFile);
  checkScenarioDirs(options.scenarios);
  if (options.workers !== undefined && options.workers > 1 && !options.store) {
    throw new Error(
      `--workers needs --store redis://… (or ${STORE_ENV}): processes with their own memory would not know each other’s orders.`,
    );
  }
  const adminToken =
    options.adminToken ??
    (worker ? process.env[WORKER_ENV.adminToken] : undefined) ??
    (isLoopback(options.host) && !options.isolateSessions ? undefined : generateAdminToken());
  // Read before any worker starts, so a bad file is one start failure (and the ready file's), not one per worker.
  const accounts = options.merchants
    ? [...DEFAULT_ACCOUNTS, ...loadAccountsFile(options.merchants)]
    : DEFAULT_ACCOUNTS;
  if (!worker && options.workers !== undefined && options.workers > 1) {
    if (options.states) (await import('./cli/states-module.js')).checkStatesFile(options.states);
    if (options.store) await (await openSharedStore(options.store, options.storePrefix)).close();
    runPrimary(options.workers, { seed, adminToken }, (url, line) => {
      if (adminToken && !options.adminToken) process.stderr.write(`admin API token: ${adminToken}\n`);
      const exposed = exposureWarning(options.host, url.replace(/\/v1$/, ''), Boolean(options.merchants));
      if (exposed) process.stderr.write(`${exposed}\n`);
      if (options.readyFile) writeReadyFile(options.readyFile, url);
      process.stdout.write(line);
    });
    return;
  }
  const log = serverLog(options.log);
  const shared = options.store ? await openSharedStore(options.store, options.storePrefix) : undefined;
  const app = createApp({
    profile: options.profile,
    seed,
    accounts,
    logger: log.logger,
    ...(log.hook ? { hooks: [log.hook] } : {}),
    clock: {
      ...(options.startTime ? { start: options.startTime } : {}),
      frozen: options.freezeTime ?? false,
    },
    captureWindowMs: options.captureWindow,
    bodyLimit: options.bodyLimit,
    validateResponses: options.validateResponses ?? false,
    scenarios: {
      dirs: options.scenarios,
      defaults: options.scenario,
      strict: options.strictScenarios ?? false,
      watch: true,
      maxFileBytes: options.scenarioMaxBytes,
    },
    webhooks: {
      receivers: options.webhookUrl ?? [],
      ...(options.webhookContentType ? { contentType: options.webhookContentType } : {}),
      allowHosts: options.allowWebhookHost ?? [],
    },
    isolateSessions: options.isolateSessions ?? false,
    ...(adminToken ? { adminToken } : {}),
    maxOrders: options.maxOrders,
    journalBytes: options.journalBytes,
    ...(options.tokenKey !== undefined ? { tokenKey: options.tokenKey } : {}),
    reproducibleTokens: options.reproducibleTokens ?? false,
    compat: options.compat,
    ...(options.states ? { stateHandlers: await loadStates(options.states) } : {}),
    ...(shared ? { shared } : {}),
  });
  // The first process sharing a store sets its clock; the others take it before they answer anything.
  await app.mock.shared?.store.init();
  // Scenario folders of the user are read now, so a bad file is reported at start (file:line), not at first use.
  if (options.scenarios.length > 0) app.mock.scenarios?.problems();
  const running = await listen(app, { port: options.port, host: options.host });
  const idleSeconds = options.idleCompact;
  const stopCompacting = compactWhenIdle(running.server, idleSeconds * 1000, (done) =>
    log.logger.info(
      `heap compacted after ${idleSeconds} s idle: ${done.beforeMb} -> ${done.afterMb} MB committed (${done.ms} ms)`,
    ),
  );
  if (adminToken && !options.adminToken && !worker) {
    process.stderr.write(`admin API token: ${adminToken}\n`);
  }
  const exposed = worker ? null : exposureWarning(options.host, running.url, Boolean(options.merchants));
  if (exposed) process.stderr.write(`${exposed}\n`);
  const m = DEFAULT_MERCHANT;
  // The default credentials are the mock's own published sandbox values (README), not secrets of anyone's.
  const line =
    `FlexFactor mock listening on ${running.url}/v1 (profile ${options.profile}, seed ${seed}${options.seed === undefined ? `; --seed ${seed} reproduces this run` : ''}) — ` +
    `AppKey ${m.appKey} AppSecret ${m.appSecret} MID ${m.mid} tokenization key ${m.tokenizationKey} ` +
    `webhook subscriberKey ${m.subscriberKey}` +
    (options.compat !== 'docs' ? ` (compat ${options.compat})` : '') +
    (options.merchants ? ` (+ merchants from ${options.merchants})` : '') +
    (shared ? ` — store ${shared.url} prefix ${shared.prefix}` : '') +
    ` — inspector ${running.url}/__admin/ui` +
    '\n';
  if (worker) reportListening(`${running.url}/v1`, line);
  else {
    // The ready file first: whoever sees the start line may rely on the file being there.
    if (options.readyFile) writeReadyFile(options.readyFile, `${running.url}/v1`);
    process.stdout.write(line);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopCompacting();
    process.stderr.write(`${signal}: finishing in-flight requests, then exiting\n`);
    running.close(4_000).then(() => {
      // Deliveries still waiting for a retry are not sent by a stopped server: say so, they are not silently lost.
      const pending = app.mock.webhooks?.deliveries({ status: 'pending' }).length ?? 0;
      if (pending > 0)
        process.stderr.write(`${pending} webhook deliveries were still pending and were not sent\n`);
      log.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function buildProgram(): Command {
  const program = new Command('flexfactor-mock')
    .description('A local, domain-true mock of the FlexFactor Core API v1')
    .version(packageInfo().version, '-V, --version', 'print the version')
    .showHelpAfterError();
  const serveCommand = program
    .command('serve', { isDefault: true })
    .description('start the mock server (the default command)')
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .env('PORT')
        .default(DEFAULT_PORT)
        .argParser(integer('--port', 0, 65535)),
    )
    .addOption(
      new Option('-H, --host <address>', 'address to bind (loopback by default)').default(DEFAULT_HOST),
    )
    .addOption(
      new Option('--profile <profile>', 'strict also enforces the integration prerequisites')
        .choices(['strict', 'lenient'])
        .default('strict'),
    )
    .addOption(
      new Option(
        '--compat <rules>',
        'request rules: docs = the current docs; sandbox-2024 = also the transaction result codes the 2024 sandbox required',
      )
        .choices([...COMPAT_PROFILES])
        .default('docs'),
    )
    .addOption(
      new Option(
        '--seed <n>',
        'seed for GUIDs and fake data (default: a fresh one per start, printed)',
      ).argParser(integer('--seed', 0, 2 ** 31 - 1)),
    )
    .addOption(
      new Option(
        '--log <level>',
        'info adds one line per request (method, path, status, ms, session, scenario)',
      )
        .choices(LOG_LEVELS)
        .default('warn'),
    )
    .addOption(new Option('--ready-file <path>', 'once listening, write the base URL (…/v1) to this file'))
    .addOption(new Option('--merchants <file>', 'YAML/JSON file with more merchant and partner accounts'))
    .addOption(new Option('--start-time <iso>', 'start the virtual clock at this instant'))
    .addOption(
      new Option('--freeze-time', 'freeze the virtual clock (time then moves only when a test advances it)'),
    )
    .addOption(
      new Option(
        '--capture-window <duration>',
        'how long CAPTUREREQUIRED orders wait for /capture, e.g. 30m, 7d',
      )
        .default(24 * 60 * 60 * 1000, '24h')
        .argParser(duration),
    )
    .addOption(
      new Option('--body-limit <bytes>', 'largest accepted request body')
        .default(1024 * 1024, '1 MiB')
        .argParser(integer('--body-limit', 1, 64 * 1024 * 1024)),
    )
    .addOption(
      new Option(
        '--validate-responses',
        'check every response against contracts/openapi.yaml (500002 on a mismatch)',
      ),
    )
    .addOption(
      new Option(
        '--scenarios <dir>',
        'also load the scenario files of this folder (repeatable; hot-reloaded)',
      )
        .default([])
        .argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .addOption(
      new Option(
        '--scenario <name>',
        'server-wide default scenario (repeatable; x-mock-scenario overrides it)',
      )
        .default([])
        .argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .addOption(new Option('--strict-scenarios', 'refuse to start when a scenario file is invalid'))
    .addOption(
      new Option(
        '--webhook-url <url>',
        'send webhooks to this URL (repeatable; <mid>=<url> for another merchant than the default)',
      ).argParser((value: string, previous: { mid: string; url: string }[] = []) => {
        try {
          return [...previous, parseReceiverSpec(value, DEFAULT_MERCHANT.mid)];
        } catch (error) {
          throw new InvalidArgumentError((error as Error).message);
        }
      }),
    )
    .addOption(
      new Option('--webhook-content-type <type>', 'Content-Type of webhook deliveries').default(
        'text/plain; charset=utf-8',
      ),
    )
    .addOption(
      new Option(
        '--admin-token <token>',
        'token required on /__admin calls (generated when binding a non-loopback address)',
      ),
    )
    .addOption(
      new Option(
        '--allow-webhook-host <host>',
        'also send webhooks to this host name or address, * for any (repeatable; default loopback only)',
      ).argParser((value: string, previous: string[] = []) => [...previous, value]),
    )
    .addOption(
      new Option(
        '--isolate-sessions',
        'each session needs its own token (x-mock-session-token) or the admin token, for shared servers',
      ),
    )
    .addOption(
      new Option(
        '--max-orders <n>',
        'orders and cards kept across all sessions, and 3× as many idempotency keys (100 to 10000000)',
      )
        .default(20_000)
        .argParser(integer('--max-orders', 100, 10_000_000)),
    )
    .addOption(
      new Option(
        '--token-key <secret>',
        'sign tokens with this secret (tokens survive restarts; anyone who knows it can mint tokens)',
      )
        .env('FLEXFACTOR_MOCK_TOKEN_KEY')
        .argParser((value: string) => {
          if (value.length < 8) throw new InvalidArgumentError('--token-key must be at least 8 characters.');
          return value;
        }),
    )
    .addOption(
      new Option(
        '--reproducible-tokens',
        'derive the token key from --seed: byte-identical tokens on every run (forgeable: tests only)',
      ).conflicts('tokenKey'),
    )
    .addOption(
      new Option('--journal-bytes <bytes>', 'byte budget of the request journal (oldest entries go first)')
        .default(32 * 1024 * 1024, '32 MiB')
        .argParser(integer('--journal-bytes', 64 * 1024, 2 ** 31)),
    )
    .addOption(
      new Option(
        '--idle-compact <seconds>',
        'after serving, once idle this long, compact the heap and give its free pages back to the system (0: never)',
      )
        .default(10)
        .argParser(integer('--idle-compact', 0, 86_400)),
    )
    .addOption(
      new Option('--scenario-max-bytes <bytes>', 'largest scenario file or bodyFile that is loaded')
        .default(1024 * 1024, '1 MiB')
        .argParser(integer('--scenario-max-bytes', 1024, 64 * 1024 * 1024)),
    )
    .addOption(
      new Option(
        '--store <url>',
        'share orders, sessions, the clock and the journal with other mock processes through Redis (redis://host:port/db); default: in memory',
      ).env(STORE_ENV),
    )
    .addOption(
      new Option(
        '--store-prefix <prefix>',
        'key prefix in that Redis: mocks under other prefixes stay apart',
      ).default(DEFAULT_STORE_PREFIX),
    )
    .addOption(
      new Option(
        '--workers <n>',
        'run n processes on the port, sharing the --store (for load tests)',
      ).argParser(integer('--workers', 1, 64)),
    )
    .addOption(
      new Option(
        '--states <module>',
        'JS module with more Pact provider states for /__admin/provider-states',
      ),
    )
    .action(async (options: ServeOptions) => {
      try {
        await serve(options);
      } catch (error) {
        const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
        // Node's own words name the address but not what to do about it.
        const message =
          code === 'EADDRINUSE'
            ? `port ${port} on ${address} is already in use; stop what listens there, or pick another with --port (0 picks a free one) or PORT`
            : (error as Error).message;
        process.stderr.write(`flexfactor-mock: ${message}\n`);
        if (options.readyFile && !isWorker()) writeReadyFailure(options.readyFile, message);
        process.exit(1);
      }
    });
  // The default command's options belong in the top-level help too: most users never type `serve`.
  program.addHelpText(
    'after',
    () =>
      `\nOptions of serve (the default command):\n${serveCommand.helpInformation().split('Options:\n')[1] ?? ''}`,
  );
  addWaitCommand(program);
  registerScenariosCheckCommand(program);
  registerVerifyCommand(program);
  registerRecordCommand(program);
  registerDriftCommand(program);
  registerContractCommand(program);
  // verify and drift exit 1 for a broken contract and 2 when they could not run; a usage error (unknown option,
  // bad value, missing required option) could not run, and must not read as a broken contract in CI. record exits 2
  // for its own bad --target, --out and --har, so commander's usage errors exit 2 there too.
  for (const command of program.commands) {
    if (command.name() === 'verify' || command.name() === 'drift' || command.name() === 'record') {
      command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
    }
  }
  return program;
}

// `flexfactor-mock contract | head -1`: a reader that stops early is not an error (Node would print an EPIPE trace).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = buildProgram();
const first = process.argv[2];
const commands = program.commands.map((command) => command.name());
if (first !== undefined && !first.startsWith('-') && first !== 'help' && !commands.includes(first)) {
  // serve is the default command and takes no arguments: commander would answer "too many arguments for 'serve'".
  process.stderr.write(
    `flexfactor-mock: unknown command '${first}' (commands: ${commands.join(', ')}; --help shows each)\n`,
  );
  process.exitCode = 1;
} else {
  await program.parseAsync(process.argv);
}
