import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { projectRoot } from '../core/paths.js';
import { modelVersionOf } from '../model/manifest.js';
import type { Feedback, PipelineDeps } from '../pipeline/pipeline.js';
import { feedbackFields, localJobId, type GradingRecord } from '../store/grading-record.js';
import { openStore, type Store } from '../store/store.js';
import { CliError } from './cli-error.js';

export const DEMO_COURSE = 'fixsense demo';

/** A grading done on this machine (`grade --record`, the demo), as the store keeps it. */
export function localGradingRecord(o: {
  deps: PipelineDeps;
  feedback: Feedback;
  source: Buffer;
  fileName: string;
  assignment: string;
  course: string;
  term: string;
  student: string;
  trigger: 'cli' | 'demo';
  at: number;
}): GradingRecord {
  const manifest = o.deps.predictor?.manifest;
  return {
    jobId: localJobId({ course: o.course, term: o.term, assignment: o.assignment, source: o.source }),
    course: o.course,
    term: o.term,
    assignment: o.assignment,
    installationId: null,
    repository: `local/${o.student}`,
    repositoryId: null,
    student: { login: o.student, id: null },
    // no commit: the content's hash stands in for it
    commit: createHash('sha256').update(o.source).digest('hex'),
    trigger: o.trigger,
    receivedAt: o.at,
    gradedAt: o.at,
    ...feedbackFields(o.feedback),
    modelVersion: o.feedback.prediction && manifest ? modelVersionOf(manifest) : null,
    source: { fileName: o.fileName, content: o.source },
  };
}

/** Who runs `grade --record` when --student is not given. */
export function localStudent(): string {
  return os.userInfo().username || 'local';
}

/** The course a database file holds, or null (no file, no recording yet, not a store). */
async function courseOf(file: string): Promise<string | null> {
  if (!fs.existsSync(file)) return null;
  const existing = await openStore({ db: file, migrate: false, create: false }).catch(() => null);
  const course = existing ? await existing.course().catch(() => null) : null;
  await existing?.close();
  return course;
}

/**
 * The demo's database, fresh each run. By default it is the embedded store (data/fixsense.db),
 * so `term summary` and `dashboard` find it with no option, unless that file holds a real
 * course's data, which the demo never touches: then it is data/demo.db beside it. A --db the
 * user names is refused when it holds a real course.
 */
export async function openDemoStore(given?: string): Promise<{ store: Store; file: string; isDefault: boolean }> {
  const dir = path.join(projectRoot, 'data');
  const main = path.join(dir, 'fixsense.db');
  let file = given ? path.resolve(given) : main;
  const course = await courseOf(file);
  if (course !== null && course !== DEMO_COURSE) {
    if (given) throw new CliError(`${given} holds the course "${course}": the demo only writes a database of its own`);
    file = path.join(dir, 'demo.db');
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return { store: await openStore({ db: file }), file, isDefault: file === main };
}
