import { createHash } from 'node:crypto';
import type { Assignment } from '../assignments/assignment.js';
import { assignmentReference } from '../analysis/assignment-reference.js';
import { featurize, type ReferenceCode } from '../analysis/featurize.js';
import {
  DEFAULT_FEEDBACK_CONFIG,
  feedbackContext,
  type FeedbackConfig,
  type FeedbackContext,
} from '../feedback/feedback-context.js';
import type { Templates } from '../feedback/templates.js';
import { gradingFingerprint } from '../grading/assignment-fingerprint.js';
import { gradeSubmission, type GradeOptions } from '../grading/grade-submission.js';
import type { TestReport } from '../grading/report.js';
import { assignmentIdentity } from '../model/assignment-identity.js';
import type { PredictContext, Predictor, Prediction } from '../model/predictor.js';
import type { Taxonomy } from '../model/taxonomy.js';
import type { Sandbox } from '../sandbox/sandbox.js';

export interface Feedback {
  report: TestReport;
  prediction: Prediction | null;
  context: FeedbackContext;
  /** Pull-request or commit comment, Markdown. */
  comment: string;
  /** Check-run output. */
  check: { title: string; summary: string; conclusion: 'success' | 'failure' | 'neutral' };
  review: { flagged: boolean; reasons: string[] };
}

/**
 * Test reports kept by what decides them (source, file name, assignment and its settings), so
 * an identical submission (a re-run, a branch and its pull request, a job that waited and
 * came back) is not graded again. Best effort: a cache that fails is as if it were empty.
 */
export interface ReportCache {
  get(key: string): Promise<TestReport | null>;
  set(key: string, report: TestReport): Promise<void>;
}

/** The cache key of a grading: everything gradeSubmission's report depends on. */
export function reportKey(s: Submission, opts: GradeOptions = {}): string {
  const a = s.assignment;
  return createHash('sha256')
    .update(gradingFingerprint(a))
    .update(
      JSON.stringify([
        a.name,
        a.title,
        a.tests.map((t) => [t.suite, t.hidden, t.points]),
        s.fileName,
        opts.reruns ?? null,
      ]),
    )
    .update(s.source)
    .digest('hex');
}

export interface PipelineDeps {
  sandbox: Sandbox;
  /** null when no model could be loaded: feedback goes on without a category. */
  predictor: Predictor | null;
  /** Why the predictor is missing, told to the student in a note. */
  predictorProblem?: string;
  templates: Templates;
  taxonomy: Taxonomy;
  config?: FeedbackConfig;
  reports?: ReportCache;
}

export interface Submission {
  source: Buffer;
  fileName: string;
  assignment: Assignment;
}

/** grade: compile and run every test in the sandbox. */
export function grade(deps: PipelineDeps, s: Submission, opts: GradeOptions = {}): Promise<TestReport> {
  return gradeSubmission(s.source, s.assignment, deps.sandbox, { fileName: s.fileName, ...opts });
}

/** analyse + predict: features from the parse tree and the report, then the student model. */
export async function predict(
  deps: Pick<PipelineDeps, 'predictor' | 'predictorProblem'>,
  source: string,
  report: TestReport,
  reference: ReferenceCode | null,
  notes: string[],
  context: PredictContext = {},
): Promise<Prediction | null> {
  if (!report.compiled || report.verdict !== 'FAIL') return null;
  if (!deps.predictor) {
    notes.push(
      `No hint about the kind of fix this time: ${deps.predictorProblem ?? 'the model is not available'}. The test results above are complete.`,
    );
    return null;
  }
  let features: Float32Array;
  try {
    features = featurize(source, report, reference);
  } catch (err) {
    notes.push(
      `No hint about the kind of fix this time: the program could not be analysed (${(err as Error).message}). The test results above are complete.`,
    );
    return null;
  }
  try {
    return await deps.predictor.predictFeatures(features, context);
  } catch (err) {
    notes.push(
      `No hint about the kind of fix this time: the model failed (${(err as Error).message}). The test results above are complete.`,
    );
    return null;
  }
}

function checkTitle(r: TestReport): string {
  if (!r.compiled) return 'Does not compile';
  const s = r.summary;
  return `${s.passed}/${s.total} tests pass${s.points ? ` · ${s.points.earned}/${s.points.possible} points` : ''}`;
}

/** render: the comment and the check run, from the templates. */
export function render(
  deps: PipelineDeps,
  report: TestReport,
  prediction: Prediction | null,
  notes: string[],
  o: RenderOptions = {},
): Feedback {
  const context = feedbackContext({
    report,
    prediction,
    taxonomy: deps.taxonomy,
    config: deps.config ?? DEFAULT_FEEDBACK_CONFIG,
    notes,
    shadow: o.shadow ?? false,
  });
  return {
    report,
    prediction,
    context,
    comment: deps.templates.comment(context),
    check: {
      title: checkTitle(report),
      summary: deps.templates.checkSummary(context),
      conclusion: report.verdict === 'PASS' ? 'success' : 'failure',
    },
    review: context.review,
  };
}

/**
 * The one pipeline every door uses (the CLI, the GitHub worker, the demo, evaluation):
 * grade → analyse → predict → render. A failing later stage degrades the feedback with a
 * note; it never loses the test results.
 */
export interface RenderOptions {
  /** The assignment is in shadow mode: the prediction is recorded for TAs, not shown to the student. */
  shadow?: boolean;
}

export async function runPipeline(
  deps: PipelineDeps,
  s: Submission,
  opts: GradeOptions & RenderOptions = {},
): Promise<Feedback> {
  const { shadow, ...grading } = opts;
  const report = deps.reports ? await cachedGrade(deps, deps.reports, s, grading) : await grade(deps, s, grading);
  const notes: string[] = [];
  // the assignment's identity: one the model never learnt from gets the unseen calibration
  const prediction = await predict(deps, s.source.toString('utf8'), report, assignmentReference(s.assignment), notes, {
    assignment: assignmentIdentity(s.assignment),
  });
  return render(deps, report, prediction, notes, shadow === undefined ? {} : { shadow });
}

async function cachedGrade(
  deps: PipelineDeps,
  cache: ReportCache,
  s: Submission,
  opts: GradeOptions,
): Promise<TestReport> {
  const key = reportKey(s, opts);
  const hit = await cache.get(key).catch(() => null);
  if (hit) return hit;
  const report = await grade(deps, s, opts);
  await cache.set(key, report).catch(() => {});
  return report;
}
