import fs from 'node:fs/promises';
import path from 'node:path';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { checkReference } from '../grading/reference-outputs.js';
import { sandboxFromEnv } from '../app/config.js';
import { CliError } from './cli-error.js';

/** --write-expected starts from .in files alone: give each an empty .out to be filled. */
async function addMissingOutputs(dir: string): Promise<void> {
  const tests = path.join(dir, 'tests');
  const suites = await fs.readdir(tests, { withFileTypes: true }).catch(() => []);
  for (const s of suites.filter((d) => d.isDirectory())) {
    const files = await fs.readdir(path.join(tests, s.name));
    for (const f of files.filter((x) => /^\d+\.in$/.test(x))) {
      const out = f.replace(/\.in$/, '.out');
      if (!files.includes(out)) await fs.writeFile(path.join(tests, s.name, out), '');
    }
  }
}

export async function assignmentCheckCommand(target: string, flags: { writeExpected?: boolean }): Promise<void> {
  const dir = resolveAssignment(target);
  if (flags.writeExpected) await addMissingOutputs(dir);
  const a = await loadAssignment(dir);
  const suites = [...new Set(a.tests.map((t) => t.suite))].map(
    (s) => `${s} ${a.tests.filter((t) => t.suite === s).length}`,
  );
  process.stdout.write(
    `${a.title} (${a.name}): ${a.tests.length} tests (${suites.join(', ')}), checker ${a.checker.type}, source file ${a.sourceFile}\n`,
  );
  if (!a.reference) {
    process.stdout.write('no reference.c: tests not checked against a solution\n');
    return;
  }
  const { report, changed } = await checkReference(a, sandboxFromEnv(), flags.writeExpected ?? false);
  if (flags.writeExpected) {
    process.stdout.write(
      `wrote the expected outputs of all ${a.tests.length} tests from reference.c (${changed.length} changed)\n`,
    );
    return;
  }
  const failing = report.tests.filter((t) => t.verdict !== 'PASS');
  if (failing.length) {
    throw new CliError(
      `reference.c fails ${failing.length} test(s): ${failing.map((t) => `${t.id} ${t.verdict}`).join(', ')}`,
      1,
    );
  }
  process.stdout.write(`reference.c passes all ${report.tests.length} tests\n`);
}
