#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { assignmentCheckCommand } from './commands/assignment-check.js';
import { demoCommand } from './commands/demo.js';
import { gradeCommand } from './commands/grade.js';
import { CliError } from './commands/cli-error.js';

const program = new Command()
  .name('fixsense')
  .description('Grades C programs in a sandbox and explains what kind of fix a failing one needs.')
  .showHelpAfterError()
  .exitOverride();

program
  .command('grade')
  .description('compile and test one C file against an assignment')
  .argument('<file.c>', "the student's source file")
  .requiredOption('-a, --assignment <folder-or-name>', 'an assignment folder, or the name of a bundled fixture assignment')
  .option('--json', 'print the test report as JSON (a stable contract)')
  .option('--reruns <n>', 're-run failing tests n times to detect nondeterminism', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 5) throw new CliError(`--reruns must be an integer from 0 to 5, got "${v}"`);
    return n;
  })
  .action(gradeCommand);

program
  .command('demo')
  .description('grade every bundled fixture submission (no GitHub account, Redis or network needed)')
  .action(demoCommand);

program
  .command('assignment')
  .description('work with assignment folders')
  .command('check')
  .description("validate an assignment folder and run its reference solution against its tests")
  .argument('<folder-or-name>')
  .option('--write-expected', "replace every <N>.out with what reference.c prints for <N>.in")
  .action(assignmentCheckCommand);

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number') {
    process.stderr.write(`fixsense: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`fixsense: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
