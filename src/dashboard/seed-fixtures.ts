import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Assignment } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import type { FeedbackConfig } from '../feedback/feedback-context.js';
import { loadSubmissionManifest, type SubmissionFixture } from '../fixtures/submission-manifest.js';
import { createPipelineDeps } from '../pipeline/create-deps.js';
import { runPipeline, type Feedback } from '../pipeline/pipeline.js';
import { feedbackFields, localJobId, type GradingRecord } from '../store/grading-record.js';
import type { Store } from '../store/store.js';

export interface GradedFixture {
  fixture: SubmissionFixture;
  student: string;
  source: Buffer;
  feedback: Feedback;
}

/** The bundled fixture submissions, graded through the real pipeline (the sandbox, the model). */
export async function gradeFixtures(
  o: { config?: FeedbackConfig; assignments?: string[] } = {},
): Promise<GradedFixture[]> {
  const deps = await createPipelineDeps(o.config ? { config: o.config } : {});
  const manifest = (await loadSubmissionManifest()).filter(
    (s) => !o.assignments || o.assignments.includes(s.assignment),
  );
  const assignments = new Map<string, Promise<Assignment>>();
  return Promise.all(
    manifest.map(async (fixture) => {
      if (!assignments.has(fixture.assignment))
        assignments.set(fixture.assignment, loadAssignment(resolveAssignment(fixture.assignment)));
      const a = await assignments.get(fixture.assignment)!;
      const source = fs.readFileSync(fixture.path);
      const feedback = await runPipeline(deps, { source, fileName: path.basename(a.sourceFile), assignment: a });
      return { fixture, student: path.basename(fixture.file, '.c'), source, feedback };
    }),
  );
}

/** A graded fixture as the demo records it: a local grading (no GitHub), one student per fixture. */
export function fixtureRecord(
  g: GradedFixture,
  o: { course: string; term: string; receivedAt: number; modelVersion?: string | null; copy?: number },
): GradingRecord {
  const student = o.copy ? `${g.student}-${o.copy}` : g.student;
  const key = `${g.fixture.file}#${o.copy ?? 0}`;
  return {
    jobId: localJobId({ course: o.course, term: o.term, assignment: g.fixture.assignment, source: key }),
    course: o.course,
    term: o.term,
    assignment: g.fixture.assignment,
    repository: `demo/${g.fixture.assignment}-${student}`,
    student: { login: student, id: null },
    commit: createHash('sha1').update(key).digest('hex'),
    trigger: 'demo',
    receivedAt: o.receivedAt,
    gradedAt: o.receivedAt + 1000,
    ...feedbackFields(g.feedback),
    modelVersion: g.feedback.prediction ? (o.modelVersion ?? 'shipped') : null,
    source: { fileName: path.basename(g.fixture.file), content: g.source },
  };
}

/** Records the graded fixtures (`fixsense dashboard --seed`): running it again records nothing new. */
export async function recordFixtures(
  store: Store,
  graded: GradedFixture[],
  o: { course: string; term: string; now: number },
): Promise<number> {
  const recorded = await store.recordGradings(
    graded.map((g, i) =>
      fixtureRecord(g, { course: o.course, term: o.term, receivedAt: o.now - (graded.length - i) * 60_000 }),
    ),
  );
  return recorded.filter((r) => r.created).length;
}
