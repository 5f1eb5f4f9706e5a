import fs from 'node:fs/promises';
import path from 'node:path';
import { AssignmentError } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { formatReport } from '../grading/format-report.js';
import { gradeSubmission } from '../grading/grade-submission.js';
import { SandboxUnavailableError } from '../sandbox/errors.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { CliError } from './cli-error.js';

export interface GradeFlags {
  assignment: string;
  json?: boolean;
  reruns?: number;
}

export async function gradeCommand(file: string, flags: GradeFlags): Promise<void> {
  let source: Buffer;
  try {
    source = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : code === 'EISDIR' ? `${file}: is a folder, not a C file` : `${file}: ${(err as Error).message}`);
  }
  try {
    const assignment = await loadAssignment(resolveAssignment(flags.assignment));
    const report = await gradeSubmission(source, assignment, new Sandbox(), {
      fileName: path.basename(file),
      ...(flags.reruns !== undefined ? { reruns: flags.reruns } : {}),
    });
    process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    // like a test runner: scripts and CI jobs can tell a passing submission from the status
    if (report.verdict !== 'PASS') process.exitCode = 1;
  } catch (err) {
    if (err instanceof AssignmentError) throw new CliError(`broken assignment: ${err.message}`);
    if (err instanceof SandboxUnavailableError) throw new CliError(err.message, 3);
    throw err;
  }
}
