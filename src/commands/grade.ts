import fs from 'node:fs/promises';
import path from 'node:path';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { FIX_TYPE_WORDS } from '../feedback/describe.js';
import { formatReport } from '../grading/format-report.js';
import { createPipelineDeps } from '../pipeline/create-deps.js';
import { runPipeline, type Feedback } from '../pipeline/pipeline.js';
import { loadCourse } from '../course/course.js';
import { openStore } from '../store/store.js';
import { sandboxFromEnv } from '../app/config.js';
import { CliError } from './cli-error.js';
import { localGradingRecord, localStudent } from './local-record.js';

export interface GradeFlags {
  assignment: string;
  json?: boolean;
  format?: 'text' | 'markdown' | 'json';
  reruns?: number;
  model?: string;
  templates?: string;
  /** Record the grading in the store (--db, else DATABASE_URL, else data/fixsense.db). */
  record?: boolean;
  db?: string;
  /** The course file whose name and term the grading is recorded under. */
  course?: string;
  student?: string;
}

function textFeedback(f: Feedback): string {
  const c = f.context;
  const lines: string[] = [];
  if (c.category?.shown) {
    lines.push(
      `Kind of fix: ${FIX_TYPE_WORDS[c.category.fixType] ?? c.category.fixType} (${c.category.fixType}, ${c.category.confidence}% sure)`,
    );
    if (c.category.tags.length) lines.push(`Why: ${c.category.tags.map((t) => t.name).join(', ')}`);
  } else if (c.category)
    lines.push(
      `Kind of fix: withheld (${c.category.fixType} at ${c.category.confidence}% is below the confidence threshold)`,
    );
  if (!c.passed) lines.push(`Next step: ${c.nextStep}`);
  if (c.review.flagged) lines.push(`TA review: ${c.review.reasons.join('; ')}`);
  lines.push(...c.notes.map((n) => `Note: ${n}`));
  return lines.length ? `\n${lines.join('\n')}\n` : '';
}

export async function gradeCommand(file: string, flags: GradeFlags): Promise<void> {
  const format = flags.json ? 'json' : (flags.format ?? 'text');
  if (!['text', 'markdown', 'json'].includes(format))
    throw new CliError(`--format must be text, markdown or json, got "${format}"`);
  let source: Buffer;
  try {
    source = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `${file}: no such file`
        : code === 'EISDIR'
          ? `${file}: is a folder, not a C file`
          : `${file}: ${(err as Error).message}`,
    );
  }
  const assignment = await loadAssignment(resolveAssignment(flags.assignment));
  const deps = await createPipelineDeps({
    sandbox: sandboxFromEnv(),
    ...(flags.model ? { modelDir: flags.model } : {}),
    ...(flags.templates ? { templatesDir: flags.templates } : {}),
  });
  const feedback = await runPipeline(
    deps,
    { source, fileName: path.basename(file), assignment },
    flags.reruns !== undefined ? { reruns: flags.reruns } : {},
  );
  if (format === 'json') {
    const { report, prediction, comment, check, review } = feedback;
    process.stdout.write(
      JSON.stringify({ ...report, prediction, feedback: { comment, check, review } }, null, 2) + '\n',
    );
  } else if (format === 'markdown') {
    process.stdout.write(feedback.comment);
  } else {
    process.stdout.write(formatReport(feedback.report) + textFeedback(feedback));
  }
  if (flags.record) {
    const course = flags.course ? await loadCourse(flags.course) : null;
    const store = await openStore({ ...(flags.db ? { db: flags.db } : {}) });
    try {
      const r = await store.recordGrading(
        localGradingRecord({
          deps,
          feedback,
          source,
          fileName: path.basename(file),
          // a course's own name for the assignment when it grades this folder, else the folder's
          assignment: course?.assignments.find((x) => x.assignment.dir === assignment.dir)?.name ?? assignment.name,
          course: course?.name ?? 'local',
          term: course?.term ?? String(new Date().getFullYear()),
          student: flags.student ?? localStudent(),
          trigger: 'cli',
          at: Date.now(),
        }),
      );
      process.stderr.write(
        `${r.created ? 'recorded' : 'already recorded'} as submission ${r.id} in ${store.description}\n`,
      );
    } finally {
      await store.close();
    }
  }
  // like a test runner: scripts and CI jobs can tell a passing submission from the status
  if (feedback.report.verdict !== 'PASS') process.exitCode = 1;
}
