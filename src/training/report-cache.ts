import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Assignment } from '../assignments/assignment.js';
import { gradingFingerprint as fingerprint } from '../grading/assignment-fingerprint.js';
import { gradeSubmission } from '../grading/grade-submission.js';
import { testReportSchema, type TestReport } from '../grading/report.js';
import type { Sandbox } from '../sandbox/sandbox.js';

/**
 * Test reports of training programs, kept on disk by (source, assignment, grader): a
 * second `retrain` or `evaluate` grades only what changed. Rebuilt on demand, never in git.
 */
export class ReportCache {
  constructor(
    private readonly dir: string,
    private readonly sandbox: Sandbox,
  ) {}

  private key(source: string, a: Assignment): string {
    return createHash('sha256').update(fingerprint(a)).update(source).digest('hex');
  }

  async grade(source: string, a: Assignment): Promise<TestReport> {
    const file = path.join(this.dir, 'reports', `${this.key(source, a)}.json`);
    try {
      const cached = testReportSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
      if (cached.success) return cached.data;
    } catch {
      /* not cached yet, or unreadable: grade again */
    }
    const report = await gradeSubmission(Buffer.from(source), a, this.sandbox);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(report));
    await fs.rename(tmp, file);
    return report;
  }
}
