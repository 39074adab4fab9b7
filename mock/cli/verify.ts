// `flexfactor-mock verify`: pact files against the mock (in-process) or a real base URL; the Pact verifier is loaded
// on demand because it is a development dependency.

import { type Command, Option } from 'commander';
import { integer } from './arguments.js';
import { importWithPeers } from './optional-import.js';

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      'verify pact files against the mock (started in-process) or against --base-url with credentials; ' +
        'exit 1 when an interaction is not satisfied, 2 when verification could not run',
    )
    .addOption(
      new Option('--base-url <url>', 'API root to verify, e.g. https://api-sandbox.flexfactor.io/v1'),
    )
    .addOption(new Option('--app-key <key>', 'API key for --base-url').env('FLEXFACTOR_APP_KEY'))
    .addOption(new Option('--app-secret <secret>', 'API secret for --base-url').env('FLEXFACTOR_APP_SECRET'))
    .addOption(new Option('--mid <mid>', 'MID replacing the recorded one').env('FLEXFACTOR_MID'))
    .addOption(
      new Option('--tokenization-key <key>', 'tokenization key replacing the recorded one').env(
        'FLEXFACTOR_TOKENIZATION_KEY',
      ),
    )
    .addOption(
      new Option('--pacts <path>', 'pact file or folder (repeatable; default: ./pacts)').argParser(
        (value: string, previous: string[] = []) => [...previous, value],
      ),
    )
    .addOption(
      new Option(
        '--no-spec-check',
        'skip comparing the pacts with contracts/openapi.yaml (without it, a missing comparator is exit 2)',
      ),
    )
    .addOption(new Option('--provider <name>', 'only pact files for this provider'))
    .addOption(new Option('--consumer <name>', 'only pact files from this consumer'))
    .addOption(
      new Option('--port <port>', 'port of the in-process mock (default: a free one)').argParser(
        integer('--port', 0, 65535),
      ),
    )
    .addOption(
      new Option('--states <module>', 'JS module exporting more provider states (sentence → set-up)'),
    )
    .addOption(
      new Option('--timeout <ms>', 'per-request timeout').argParser(integer('--timeout', 100, 600_000)),
    )
    .addOption(new Option('--json <file>', 'also write the report as JSON'))
    .addOption(new Option('--junit <file>', 'also write the report as JUnit XML'))
    .action(async (options) => {
      // Loaded on demand: Pact is a development dependency, and serving must not pay for it.
      const { runVerifyCommand } = await importWithPeers(async () => {
        const verify = await import('../../contracts/pact/verify.js');
        await verify.loadVerifier();
        return verify;
      }, 'verify');
      process.exitCode = await runVerifyCommand(options);
    });
}
