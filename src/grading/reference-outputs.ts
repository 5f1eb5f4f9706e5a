import fs from 'node:fs/promises';
import path from 'node:path';
import { AssignmentError, type Assignment } from '../assignments/assignment.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { compileSubmission, gradeSubmission, runLanes } from './grade-submission.js';
import type { TestReport } from './report.js';

export interface ReferenceCheck {
  report: TestReport;
  /** Tests whose .out differs from what the reference prints. */
  changed: string[];
}

/**
 * Grades the assignment's reference solution against its own tests. With `write`, each
 * test's expected output is replaced by what the reference prints (how a course makes
 * its .out files); the reference must then run cleanly on every input.
 */
export async function checkReference(a: Assignment, sandbox: Sandbox, write = false): Promise<ReferenceCheck> {
  if (!a.reference)
    throw new AssignmentError(path.join(a.dir, 'reference.c'), 'missing: the folder has no reference solution');
  const source = await fs.readFile(a.reference);
  const report = await gradeSubmission(source, a, sandbox, { fileName: 'reference.c', reruns: 2 });
  if (!report.compiled) throw new AssignmentError(a.reference, `does not compile:\n${report.compile.diagnostics}`);
  const changed: string[] = [];
  const broken: string[] = [];
  for (const t of report.tests) {
    const test = a.tests.find((x) => x.id === t.id)!;
    if (t.nondeterministic) broken.push(`${t.id}: output changes from run to run`);
    if (['RUNTIME_ERROR', 'TIMEOUT', 'MEMORY_LIMIT', 'OUTPUT_LIMIT'].includes(t.verdict))
      broken.push(`${t.id}: ${t.verdict}${t.detail ? ` (${t.detail})` : ''}`);
    if (t.actual !== test.expected.toString('utf8') || t.truncated) changed.push(t.id);
    if (t.truncated) broken.push(`${t.id}: output longer than the output limit`);
  }
  if (write) {
    if (broken.length)
      throw new AssignmentError(a.reference, `cannot produce expected outputs:\n  ${broken.join('\n  ')}`);
    // the report keeps only a display copy of each output: run once more for the exact bytes
    const { binary } = await compileSubmission(source, a, sandbox, 'reference.c');
    const runs = await runLanes(
      sandbox,
      binary!,
      a.tests.map((t) => t.input),
      a,
    );
    await Promise.all(
      a.tests.map((t, i) => fs.writeFile(path.join(a.dir, 'tests', t.suite, `${t.n}.out`), runs[i]!.stdout)),
    );
  }
  return { report, changed };
}
