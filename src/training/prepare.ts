import type { Assignment } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { assignmentReference } from '../analysis/assignment-reference.js';
import { featurize } from '../analysis/featurize.js';
import type { TestReport } from '../grading/report.js';
import type { Example } from './example.js';
import { progress } from './progress.js';
import type { ReportCache } from './report-cache.js';

export interface Prepared {
  example: Example;
  report: TestReport;
  features: Float32Array;
}

/** Assignments by folder, loaded once. */
export class AssignmentBook {
  private readonly byDir = new Map<string, Promise<Assignment>>();
  get(dir: string): Promise<Assignment> {
    if (!this.byDir.has(dir)) this.byDir.set(dir, loadAssignment(dir));
    return this.byDir.get(dir)!;
  }
}

/**
 * Grades every example with the real grader (cached) and featurizes it with the same code
 * production uses. Programs that do not compile or pass every test are left out: the model
 * only ever sees failing programs.
 */
export async function prepare(
  examples: Example[],
  book: AssignmentBook,
  cache: ReportCache,
  opts: { title?: string; quiet?: boolean; concurrency?: number } = {},
): Promise<{ prepared: Prepared[]; skipped: { id: string; reason: string }[] }> {
  const bar = progress(opts.title ?? 'grading programs', examples.length, opts.quiet);
  const out: (Prepared | undefined)[] = new Array(examples.length);
  const skipped: { id: string; reason: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < examples.length) {
      const i = next++;
      const e = examples[i]!;
      const assignment = await book.get(e.assignmentDir);
      const report = await cache.grade(e.source, assignment);
      bar.tick();
      if (!report.compiled) skipped.push({ id: e.id, reason: 'does not compile' });
      else if (report.verdict === 'PASS') skipped.push({ id: e.id, reason: 'passes every test' });
      else out[i] = { example: e, report, features: featurize(e.source, report, assignmentReference(assignment)) };
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 2 }, worker));
  bar.stop();
  return { prepared: out.filter((p): p is Prepared => p !== undefined), skipped };
}
