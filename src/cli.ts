#!/usr/bin/env node
import { Command } from 'commander';
import { fixsenseEnv } from './app/config.js';
import { assignmentCheckCommand } from './commands/assignment-check.js';
import { demoCommand } from './commands/demo.js';
import { gradeCommand } from './commands/grade.js';
import { serveCommand } from './commands/serve.js';
import { registerTrainCommands } from './commands/train-commands.js';
import { CliError } from './commands/cli-error.js';
import { exitFor } from './commands/exit-codes.js';

const program = new Command()
  .name('fixsense')
  .description('Grades C programs in a sandbox and explains what kind of fix a failing one needs.')
  .showHelpAfterError()
  .exitOverride()
  // every command: a bad FIXSENSE_* value is refused by name before anything runs
  .hook('preAction', () => void fixsenseEnv());

program
  .command('grade')
  .description('compile and test one C file against an assignment')
  .argument('<file.c>', "the student's source file")
  .requiredOption(
    '-a, --assignment <folder-or-name>',
    'an assignment folder, or the name of a bundled fixture assignment',
  )
  .option(
    '--format <format>',
    'text (a table), markdown (the feedback comment) or json (report, prediction and feedback)',
    'text',
  )
  .option('--json', 'the same as --format json')
  .option('--model <folder>', 'the student model (default models/)')
  .option('--templates <folder>', "the course's feedback templates, overriding the defaults")
  .option('--reruns <n>', 're-run failing tests n times to detect nondeterminism', (v) => int('--reruns', 0, 5)(v))
  .option('--record', 'record the grading in the store (the course, term and student below)')
  .option(
    '--db <file-or-url>',
    'with --record: an SQLite file or a postgres:// URL (default: $DATABASE_URL, else data/fixsense.db)',
  )
  .option('--course <course.yml>', 'with --record: the course whose name and term to record under')
  .option('--student <login>', 'with --record: whose submission it is (default: your user name)')
  .action(gradeCommand);

program
  .command('demo')
  .description(
    'grade every bundled fixture submission end to end and write the feedback each student would get (no GitHub account, Redis or network needed)',
  )
  .option('--out <folder>', 'where to write one feedback comment per submission', 'demo-feedback')
  .option('--show <file...>', 'print the full comment of these submissions', ['digits/stops-at-ten.c'])
  .option(
    '--db <file>',
    'record into this SQLite file, made fresh (default: data/fixsense.db, or data/demo.db when that holds a course)',
  )
  .action(demoCommand);

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
};

registerTrainCommands(program);

program
  .command('serve')
  .description(
    'run the GitHub App: the webhook server and the grading worker (configuration from the environment and .env, see .env.example)',
  )
  .option('--no-web', 'run only the worker')
  .option('--no-worker', 'run only the webhook server')
  .option('--env-file <file>', 'read settings from this file if it exists (variables already set win)', '.env')
  .action(serveCommand);

program
  .command('assignment')
  .description('work with assignment folders')
  .command('check')
  .description('validate an assignment folder and run its reference solution against its tests')
  .argument('<folder-or-name>')
  .option('--write-expected', 'replace every <N>.out with what reference.c prints for <N>.in')
  .action(assignmentCheckCommand);

(await import('./commands/store-commands.js')).registerStoreCommands(program);
(await import('./commands/dashboard.js')).registerDashboardCommand(program);
(await import('./commands/models-commands.js')).registerModelsCommands(program);

try {
  await program.parseAsync();
} catch (err) {
  const { code, text } = exitFor(err);
  process.stderr.write(text);
  process.exit(code);
}
