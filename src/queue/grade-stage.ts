import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { Course, CourseAssignment } from '../course/course.js';
import type { GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import { fetchSource, UngradableSourceError } from '../github/fetch-source.js';
import type { GitHub, GitHubClients } from '../github/installation-octokit.js';
import {
  findCheckRun,
  GRADING_FAILED,
  gradedCheckRun,
  publishCheckRun,
  type CheckRunResult,
  lineCount,
  supersededSummary,
  upsertCommitComment,
  upsertPullRequestComment,
  type CommentOutcome,
  type CommentResult,
} from '../github/publish.js';
import { modelVersionOf } from '../model/manifest.js';
import { StoreUnavailableError } from '../store/errors.js';
import { feedbackFields, jobFields, type GradingRecord } from '../store/grading-record.js';
import type { AssignmentModes } from '../store/assignment-modes.js';
import type { LazyStore } from '../store/lazy-store.js';
import { RateLimitedError } from '../github/write-limiter.js';
import { runPipeline, type Feedback, type PipelineDeps } from '../pipeline/pipeline.js';
import { SandboxFailureError, SandboxUnavailableError } from '../sandbox/errors.js';
import type { CheckRunState, PublishClaim } from './check-run-state.js';
import type { Queues } from './queues.js';
import type { RepositoryLocks } from './repository-lock.js';

export interface GradeResult {
  verdict: string;
  conclusion: string;
  checkRunId: number | null;
  comment: CommentOutcome | 'none';
  flagged: boolean;
  /** From the webhook's arrival to the completed check run. */
  latencyMs: number;
  /** Where a grading's time went: fetch, pipeline (grade, analyse, predict, render), record, publish. */
  ms?: { fetch: number; pipeline: number; record: number; publish: number };
  /** A superseded job that had been graded (and held back) before the newer commit came. */
  graded?: boolean;
  /** Set when a newer commit of the same line was graded instead. */
  supersededBy?: string;
}

export interface GradeStageDeps {
  queues: Queues;
  course: Course;
  pipeline: PipelineDeps;
  github: GitHubClients;
  locks: RepositoryLocks;
  state: CheckRunState;
  /** Where every grading is recorded, before it is published. */
  store: LazyStore;
  policy: PublishPolicy;
  /** Live or shadow, per assignment (shadow: the prediction is for TAs only). */
  modes: AssignmentModes;
}

/** How feedback waits when the write budget runs short (deadline night). */
export interface PublishPolicy {
  /** Below this share of the tightest budget free, a graded result waits once before it is published. */
  holdBelow: number;
  holdMs: number;
}

export const DEFAULT_PUBLISH_POLICY: PublishPolicy = { holdBelow: 0.7, holdMs: 240_000 };

export interface Attempt {
  id: string;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  attempts: number;
}

/**
 * A broken sandbox (or a program that broke it) does not mend by grading again and again:
 * two attempts, then the student is told and the staff see it in the log.
 */
export const SANDBOX_ATTEMPTS = 2;

function isFinal(err: unknown, attempt: Attempt): boolean {
  const sandbox = err instanceof SandboxFailureError || err instanceof SandboxUnavailableError;
  return attempt.attemptsMade + 1 >= (sandbox ? Math.min(SANDBOX_ATTEMPTS, attempt.attempts) : attempt.attempts);
}

/** What the store keeps of one grading: the job, the feedback as published, the source. */
function gradingRecord(
  d: GradeStageDeps,
  data: GradeJob,
  a: CourseAssignment,
  f: Feedback,
  source: Buffer,
): GradingRecord {
  const manifest = d.pipeline.predictor?.manifest;
  return {
    ...jobFields(data),
    course: d.course.name,
    term: d.course.term,
    student: data.student ?? { login: data.owner, id: null },
    branch: data.branch ?? null,
    repositoryId: null,
    gradedAt: Date.now(),
    ...feedbackFields(f),
    modelVersion: f.prediction && manifest ? modelVersionOf(manifest) : null,
    source: { fileName: a.source, content: source },
  };
}

/** How long the grading stage waits for the acknowledging stage to finish creating a run. */
const ACK_WAIT_MS = 10_000;

/** The check run this job writes to, claimed so that no second one is ever created for it. */
async function claimRun(d: GradeStageDeps, data: GradeJob, jobId: string): Promise<PublishClaim> {
  // a job queued by an earlier version carries its in-progress run
  if (data.checkRunId !== undefined) return { kind: 'update', checkRunId: data.checkRunId };
  const end = Date.now() + ACK_WAIT_MS;
  for (;;) {
    const claim = await d.state.claimPublish(jobId);
    if (claim.kind !== 'wait' || Date.now() > end)
      return claim.kind === 'wait' ? { kind: 'create', retry: true } : claim;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Publishes a check run for the job: creates it completed, or completes the one it has. */
export async function publishRun(
  d: GradeStageDeps,
  gh: GitHub,
  data: GradeJob,
  a: CourseAssignment,
  jobId: string,
  r: CheckRunResult,
): Promise<number> {
  const claim = await claimRun(d, data, jobId);
  let existing: number | null = null;
  if (claim.kind === 'update') existing = claim.checkRunId;
  // an earlier attempt may have created one before it died; a pull request's commit may have been pushed too
  else if (claim.kind === 'create' && (claim.retry || data.trigger === 'pull_request') && data.rerunOf === undefined)
    existing = await findCheckRun(gh, data, a);
  const id = await publishCheckRun(gh, data, a, existing, r);
  await d.state.setRun(jobId, id);
  return id;
}

/**
 * One job of the grading stage: skip it when a newer commit of its line is waiting, wait
 * ('busy') while the same repository is being graded, else fetch, grade and publish. On the
 * last attempt a failure still completes the check run, as neutral.
 */
export async function gradeStage(
  d: GradeStageDeps,
  data: GradeJob,
  a: CourseAssignment,
  attempt: Attempt,
): Promise<GradeResult | 'busy' | { hold: number }> {
  const gh = d.github.forInstallation(data.installationId);
  const where = { job: attempt.id, repo: `${data.owner}/${data.repo}`, sha: data.sha.slice(0, 7) };
  const result = (r: Omit<GradeResult, 'latencyMs' | 'flagged' | 'comment'> & Partial<GradeResult>): GradeResult => ({
    flagged: false,
    comment: 'none',
    latencyMs: Date.now() - data.receivedAt,
    ...r,
  });
  const newer = await d.queues.newest.supersededBy(data);
  if (newer) {
    // a run exists only if the acknowledging stage made one: complete it, with the writes nobody waits for
    const claim = await claimRun(d, data, attempt.id);
    let checkRunId: number | null = null;
    if (claim.kind === 'update') {
      const low = d.github.forInstallation(data.installationId, 'low');
      checkRunId = await publishCheckRun(low, data, a, claim.checkRunId, {
        conclusion: 'skipped',
        ...supersededSummary(newer.sha),
      });
    }
    log('superseded', { ...where, by: newer.sha.slice(0, 7) });
    return result({
      verdict: 'SUPERSEDED',
      conclusion: 'skipped',
      checkRunId,
      supersededBy: newer.sha,
      // graded, then held while the budget was short, and replaced meanwhile: it cost no write
      ...(data.heldAt !== undefined ? { graded: true } : {}),
    });
  }
  const lock = await d.locks.tryAcquire(data.owner, data.repo);
  if (!lock) return 'busy';
  try {
    const t0 = performance.now();
    let source: Buffer;
    try {
      source = await fetchSource(gh, data, a.source, a.assignment.compiler.maxSourceBytes);
    } catch (err) {
      if (!(err instanceof UngradableSourceError)) throw err;
      const hint = err.missing ? ` Push your program as \`${a.source}\` and it will be graded.` : '';
      const checkRunId = await publishRun(d, gh, data, a, attempt.id, {
        conclusion: 'neutral',
        title: err.title,
        summary: `${err.message}.${hint}`,
      });
      log('ungradable', { ...where, reason: err.message });
      return result({ verdict: 'UNGRADABLE_SOURCE', conclusion: 'neutral', checkRunId });
    }
    const t1 = performance.now();
    const mode = (await d.modes.modeOf(a)).mode;
    const feedback = await runPipeline(
      d.pipeline,
      { source, fileName: path.basename(a.source), assignment: a.assignment },
      { shadow: mode === 'shadow' },
    );
    const t2 = performance.now();
    // the write budget is short: wait a while once, and a student who pushes again meanwhile
    // costs no write for this commit (the report is cached, so coming back grades nothing)
    // the hour's budget, not the minute's: the minute's comes back within a minute by itself
    if (
      data.heldAt === undefined &&
      (await d.github.writeHeadroom(data.installationId, { longest: true })) < d.policy.holdBelow
    ) {
      log('held', { ...where, forMs: d.policy.holdMs });
      return { hold: d.policy.holdMs };
    }
    // recorded before it is published, so a published grading is always recorded (a retry finds the row)
    await d.store.use((s) => s.recordGrading({ ...gradingRecord(d, data, a, feedback, source), mode }));
    let recordMs = performance.now() - t2;
    const run = gradedCheckRun(feedback, a, lineCount(source));
    let comment: CommentResult | null = null;
    let checkRunId: number;
    if (data.pullRequest) {
      // on a pull request the student reads the comment: it goes first, and the check run with
      // the writes that leave a share of the budget to others' feedback
      comment = await upsertPullRequestComment(gh, data, feedback.comment, await d.github.botLogin());
      checkRunId = await publishRun(d, d.github.forInstallation(data.installationId, 'low'), data, a, attempt.id, run);
    } else {
      checkRunId = await publishRun(d, gh, data, a, attempt.id, run);
      if (d.course.pushFeedback === 'commit_comment')
        comment = await upsertCommitComment(gh, data, feedback.comment, await d.github.botLogin());
    }
    const t3 = performance.now();
    await d.store.use((s) =>
      s.recordPublication(attempt.id, {
        checkRunId,
        commentId: comment?.id ?? null,
        commentKind: comment ? (data.pullRequest ? 'pull_request' : 'commit') : null,
        publishedAt: Date.now(),
      }),
    );
    recordMs += performance.now() - t3;
    const ms = {
      fetch: Math.round(t1 - t0),
      pipeline: Math.round(t2 - t1),
      record: Math.round(recordMs),
      publish: Math.round(performance.now() - t2 - recordMs),
    };
    const r = result({
      verdict: feedback.report.verdict,
      conclusion: feedback.check.conclusion,
      checkRunId,
      comment: comment?.outcome ?? 'none',
      flagged: feedback.review.flagged,
      ms,
    });
    log('graded', { ...where, assignment: data.assignment, ...r, review: feedback.review.reasons });
    return r;
  } catch (err) {
    // waiting for GitHub's budget or the database is not a failure: the job is delayed, not failed
    if (err instanceof RateLimitedError || err instanceof StoreUnavailableError || !isFinal(err, attempt)) throw err;
    // the last attempt: the student is told, the staff find it in the log
    log('grading-failed', { ...where, attempt: attempt.attemptsMade + 1, error: (err as Error).message });
    await publishRun(d, gh, data, a, attempt.id, { conclusion: 'neutral', ...GRADING_FAILED }).catch((e: Error) =>
      log('publish-failed', { ...where, error: e.message }),
    );
    throw new UnrecoverableError(`grading failed on attempt ${attempt.attemptsMade + 1}: ${(err as Error).message}`);
  } finally {
    await lock.release();
  }
}
