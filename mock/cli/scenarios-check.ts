// `flexfactor-mock scenarios:check`: validate scenario files without starting the server, one file:line per problem.

import { type Command, Option } from 'commander';
import { fromWorkingDirectory } from '../scenarios/file-label.js';
import { checkScenarioFolders } from '../scenarios/index.js';
import { integer } from './arguments.js';

export function registerScenariosCheckCommand(program: Command): void {
  program
    .command('scenarios:check')
    .description(
      'validate scenario files without starting the server (default: the built-in scenarios/ folder)',
    )
    .argument('[folders...]', 'folders of scenario files')
    .addOption(
      new Option('--scenario-max-bytes <bytes>', 'largest scenario file or bodyFile that is loaded')
        .default(1024 * 1024, '1 MiB')
        .argParser(integer('--scenario-max-bytes', 1024, 64 * 1024 * 1024)),
    )
    .action((folders: string[], options: { scenarioMaxBytes: number }) => {
      const result = checkScenarioFolders(folders.length > 0 ? folders : undefined, {
        maxFileBytes: options.scenarioMaxBytes,
      });
      for (const p of result.problems) {
        process.stderr.write(`${fromWorkingDirectory(p.file) ?? p.file}:${p.line}: ${p.message}\n`);
      }
      // A recording replays as recorded: its differences from the contract are shown, but do not fail the check.
      for (const w of result.warnings) {
        process.stderr.write(`${fromWorkingDirectory(w.file) ?? w.file}:${w.line}: warning: ${w.message}\n`);
      }
      const invalid = result.files - result.valid;
      process.stdout.write(
        `${result.files} scenario file(s) checked: ${result.valid} valid, ${invalid} invalid` +
          (result.problems.length > 0 ? `, ${result.problems.length} problem(s)` : '') +
          (result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : '') +
          '\n',
      );
      if (result.problems.length > 0) process.exitCode = 1;
    });
}
