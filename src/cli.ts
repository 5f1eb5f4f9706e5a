#!/usr/bin/env node
import { Command } from 'commander';
import { fixsenseEnv } from './app/config.js';
import { assignmentCheckCommand } from './commands/assignment-check.js';
import { demoCommand } from './commands/demo.js';
import { gradeCommand } from './commands/grade.js';
import { serveCommand } from './commands/serve.js';
import { evaluateCommand, retrainCommand } from './commands/train-commands.js';
import { modelsDir } from './core/paths.js';
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

program
  .command('retrain')
  .description(
    'build the dataset (teacher labels + mutants), train both students, evaluate, write the model, manifest and report',
  )
  .requiredOption('--data <path>', 'a folder in the IntroClass format, or a folder of submissions with --labels')
  .option('--labels <jsonl>', 'labels of the submissions in --data, one JSON object a line')
  .option('--mutants <n>', 'mutants to add to the training data', int('--mutants', 0, 50_000), 4000)
  .option('--out <folder>', 'where to write student.onnx, manifest.json and the report', modelsDir)
  .option(
    '--seed <n>',
    'random seed (the same command, seed and graded reports in .cache give the same model)',
    int('--seed', 0, 2 ** 31 - 1),
    1,
  )
  .option(
    '--members <n>',
    'seeds trained and merged (logit average) into the shipped network',
    int('--members', 1, 20),
    5,
  )
  .option('--taxonomy <file>', 'label taxonomy (default models/taxonomy.json)')
  .option('--train-split <name>', 'split to train on', 'train')
  .option('--eval-split <name>', 'split to evaluate on', 'validation')
  .option('--no-fixtures', "do not mutate the project's own correct fixture programs")
  .action(retrainCommand);

program
  .command('evaluate')
  .description(
    "measure the model on a split: the paper's tables, baselines, seeds, intervals, leave-one-assignment-out",
  )
  .requiredOption('--data <path>', 'a folder in the IntroClass format, or a folder of submissions with --labels')
  .requiredOption('--split <name>', 'the split to evaluate on, e.g. validation')
  .option('--labels <jsonl>', 'labels of the submissions in --data')
  .option('--model <folder>', 'the model folder (student.onnx + manifest.json)', modelsDir)
  .option('--out <folder>', 'where to write report.md, report.json and confusion.svg', 'evaluation')
  .option('--train-split <name>', 'split the comparison students train on', 'train')
  .option('--seeds <n>', 'seeds per variant', int('--seeds', 1, 20), 5)
  .option('--mutants <n>', 'mutants for the comparison students', int('--mutants', 0, 50_000), 4000)
  .option('--taxonomy <file>', 'label taxonomy (default models/taxonomy.json)')
  .option('--no-loao', 'skip leave-one-assignment-out')
  .option('--loao-seeds <n>', 'seeds per leave-one-assignment-out fold and variant', int('--loao-seeds', 1, 20), 3)
  .option('--ablation', 'also train without each feature group and with fewer mutants')
  .option('--no-fixtures', "do not mutate the project's own correct fixture programs")
  .action(evaluateCommand);

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

try {
  await program.parseAsync();
} catch (err) {
  const { code, text } = exitFor(err);
  process.stderr.write(text);
  process.exit(code);
}
