import { createHash } from 'node:crypto';
import { z } from 'zod';
import { jobId, type GradeJob } from '../course/grade-job.js';
import { testReportSchema } from '../grading/report.js';
import type { Feedback } from '../pipeline/pipeline.js';

/** Milliseconds since the epoch; seconds (a common slip) are refused rather than stored as 1970. */
export const epochMs = z
  .number()
  .int()
  .min(1e11, 'milliseconds since the epoch (this looks like seconds)')
  .max(1e14, 'milliseconds since the epoch');

const hex = (min: number, max: number) => z.string().regex(new RegExp(`^[0-9a-f]{${min},${max}}$`));
const githubId = z.number().int().positive().nullable().default(null);

export const predictionSchema = z.object({
  fixType: z.string().min(1),
  fixTypeProbs: z.record(z.string(), z.number()),
  tags: z.array(z.object({ tag: z.string().min(1), p: z.number() })),
  confidence: z.number().min(0).max(1),
});

export const publicationSchema = z.object({
  checkRunId: githubId,
  commentId: githubId,
  commentKind: z.enum(['pull_request', 'commit']).nullable().default(null),
  publishedAt: epochMs,
});
export type Publication = z.input<typeof publicationSchema>;

export const TRIGGERS = ['push', 'pull_request', 'rerequested', 'cli', 'demo'] as const;
export const MODES = ['live', 'shadow'] as const;
export type Mode = (typeof MODES)[number];

/**
 * Everything recorded about one grading, as the worker, `grade --record` and the demo hand it
 * to the store: the job's identity and provenance, the test report, the prediction, the
 * review flag, the feedback as published and the source. Checked on the way in.
 */
export const gradingRecordSchema = z.object({
  /** The grading job's id (course/grade-job.ts jobId): the idempotency key. */
  jobId: hex(40, 40),
  course: z.string().min(1),
  term: z.string().min(1),
  assignment: z.string().min(1),
  mode: z.enum(MODES).default('live'),
  installationId: githubId,
  repository: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'owner/name'),
  repositoryId: githubId,
  student: z.object({ login: z.string().min(1), id: githubId }),
  /** A git commit (40 hex, or 64 for SHA-256 repositories); a local file may give its content's hash. */
  commit: hex(7, 64),
  branch: z.string().min(1).nullable().default(null),
  pullRequest: z.number().int().positive().nullable().default(null),
  trigger: z.enum(TRIGGERS),
  deliveryId: z.string().min(1).nullable().default(null),
  receivedAt: epochMs,
  gradedAt: epochMs,
  report: testReportSchema,
  prediction: predictionSchema.nullable(),
  /** The model that made the prediction (registered in model_versions on first sight). */
  modelVersion: z.string().min(1).nullable().default(null),
  review: z.object({ flagged: z.boolean(), reasons: z.array(z.string()) }),
  feedback: z.object({
    comment: z.string(),
    checkTitle: z.string(),
    checkSummary: z.string(),
    conclusion: z.enum(['success', 'failure', 'neutral']),
  }),
  /** The ids GitHub gave the check run and comment; may also come later through recordPublication. */
  publication: publicationSchema.nullable().default(null),
  source: z.object({
    fileName: z.string().min(1),
    content: z.union([z.instanceof(Buffer), z.string()]),
  }),
});

/** What callers pass (defaults may be left out). */
export type GradingRecord = z.input<typeof gradingRecordSchema>;
/** What the store works with, after checking. */
export type CheckedGradingRecord = z.output<typeof gradingRecordSchema>;

/** The parts of a record that come from the grading job. */
export function jobFields(
  job: GradeJob,
): Pick<
  GradingRecord,
  | 'jobId'
  | 'assignment'
  | 'installationId'
  | 'repository'
  | 'commit'
  | 'pullRequest'
  | 'trigger'
  | 'deliveryId'
  | 'receivedAt'
> {
  return {
    jobId: jobId(job),
    assignment: job.assignment,
    installationId: job.installationId,
    repository: `${job.owner}/${job.repo}`,
    commit: job.sha,
    pullRequest: job.pullRequest,
    trigger: job.trigger,
    deliveryId: job.deliveryId || null,
    receivedAt: job.receivedAt,
  };
}

/** The parts of a record that come from the pipeline's feedback. */
export function feedbackFields(f: Feedback): Pick<GradingRecord, 'report' | 'prediction' | 'review' | 'feedback'> {
  return {
    report: f.report,
    prediction: f.prediction,
    review: { flagged: f.review.flagged, reasons: f.review.reasons },
    feedback: {
      comment: f.comment,
      checkTitle: f.check.title,
      checkSummary: f.check.summary,
      conclusion: f.check.conclusion,
    },
  };
}

/**
 * A job id for a grading that has no queue job (`grade --record`, the demo): the same
 * course, term, assignment and source give the same id, so running it again records nothing new.
 */
export function localJobId(g: { course: string; term: string; assignment: string; source: Buffer | string }): string {
  const source = createHash('sha256').update(g.source).digest('hex');
  return createHash('sha256')
    .update(['local', g.course, g.term, g.assignment, source].join('|'))
    .digest('hex')
    .slice(0, 40);
}
