import fs from 'node:fs/promises';
import type { Assignment } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../fixtures/submission-manifest.js';
import { gradeSubmission } from '../grading/grade-submission.js';
import type { TestReport } from '../grading/report.js';
import { SandboxUnavailableError } from '../sandbox/errors.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { CliError } from './cli-error.js';

function line(file: string, r: TestReport): string {
  const kinds = Object.entries(r.summary.byVerdict)
    .filter(([v]) => v !== 'PASS')
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const result = r.verdict === 'COMPILE_ERROR' ? 'COMPILE_ERROR' : `${r.summary.passed}/${r.summary.total} passed`;
  return `${file.padEnd(44)} ${result.padEnd(16)} ${kinds}`;
}

/** Grades every bundled fixture submission, locally: no GitHub, Redis or network needed. */
export async function demoCommand(): Promise<void> {
  try {
    const manifest = await loadSubmissionManifest();
    const sandbox = new Sandbox();
    const assignments = new Map<string, Promise<Assignment>>();
    const assignment = (name: string) => {
      if (!assignments.has(name)) assignments.set(name, loadAssignment(resolveAssignment(name)));
      return assignments.get(name)!;
    };
    const start = performance.now();
    const reports = await Promise.all(
      manifest.map(async (s) => ({ s, r: await gradeSubmission(await fs.readFile(s.path), await assignment(s.assignment), sandbox) })),
    );
    for (const { s, r } of reports) process.stdout.write(line(s.file, r) + '\n');
    const secs = (performance.now() - start) / 1000;
    process.stdout.write(`\ngraded ${reports.length} submissions in ${secs.toFixed(1)} s\n`);
  } catch (err) {
    if (err instanceof SandboxUnavailableError) throw new CliError(err.message, 3);
    throw err;
  }
}
