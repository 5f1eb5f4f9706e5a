import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Course, CourseAssignment } from '../course/course.js';
import { gradeJobSchema, type GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import type { GitHubClients } from '../github/installation-octokit.js';
import { GRADING_FAILED } from '../github/publish.js';
import { RateLimitedError } from '../github/write-limiter.js';
import { StoreUnavailableError } from '../store/errors.js';
import { AssignmentModes } from '../store/assignment-modes.js';
import type { LazyStore } from '../store/lazy-store.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import { acknowledge } from './ack-stage.js';
import { CheckRunState } from './check-run-state.js';
import { DEFAULT_PUBLISH_POLICY, gradeStage, publishRun, type GradeResult, type PublishPolicy } from './grade-stage.js';
import { ACK_QUEUE, GRADE_QUEUE, JOB_OPTIONS, REVIEW_QUEUE, type Queues } from './queues.js';
import { publishLatestReview, reviewJobSchema } from './review-stage.js';
import { RepositoryLocks } from './repository-lock.js';

export type { GradeResult };

export interface WorkerDeps {
  connection: Redis;
  prefix: string;
  queues: Queues;
  course: Course;
  pipeline: PipelineDeps;
  github: GitHubClients;
  gradeConcurrency: number;
  ackConcurrency: number;
  /** How long a job's lock lasts: a worker that dies frees its jobs after this (stalled-job recovery). */
  lockDurationMs?: number;
  /** How long a job whose repository is being graded waits before it looks again. */
  busyRetryMs?: number;
  store: LazyStore;
  policy?: PublishPolicy;
  /** Live or shadow per assignment; default: decided from the store, the course and the serving model. */
  modes?: AssignmentModes;
  /** How long a job waits for a database that does not answer before it tries again. */
  storeRetryMs?: number;
}

/** Jobs come back from Redis: checked before anything acts on them. */
function parseJob(job: Job): GradeJob {
  const r = gradeJobSchema.safeParse(job.data);
  if (!r.success)
    throw new UnrecoverableError(`malformed job ${job.id}: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return r.data;
}

/** Wait in the delayed set, not in a worker slot, and without spending an attempt. */
async function delay(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

/**
 * GitHub's write budget is used up for a while, or the database does not answer: wait in the
 * delayed set, without spending an attempt, however long it takes. Nothing is lost.
 */
async function delayWhileUnavailable<T>(
  job: Job,
  token: string | undefined,
  storeRetryMs: number,
  f: () => Promise<T>,
): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RateLimitedError) {
      log('rate-limited', { job: job.id, waitMs: err.waitMs });
      return delay(job, token, err.waitMs);
    }
    if (err instanceof StoreUnavailableError) {
      log('store-unavailable', { job: job.id, error: err.message, retryInMs: storeRetryMs });
      return delay(job, token, storeRetryMs);
    }
    throw err;
  }
}

/** BullMQ's reason for a job that stalled (its worker died or froze) more often than allowed. */
const STALLED = /stalled more than allowable limit/i;

export interface Workers {
  ack: Worker;
  grade: Worker;
  review: Worker;
  close(): Promise<void>;
}

/** The worker side of the App: acknowledge stage and grading stage, sharing one Redis. */
export function startWorkers(d: WorkerDeps): Workers {
  const load = (job: Job): { data: GradeJob; a: CourseAssignment } => {
    const data = parseJob(job);
    const a = d.course.byName(data.assignment);
    if (!a) throw new UnrecoverableError(`assignment ${data.assignment} is not in ${d.course.file}`);
    return { data, a };
  };
  const lockDuration = d.lockDurationMs ?? 30_000;
  const locks = new RepositoryLocks(d.connection, d.prefix, lockDuration);
  const state = new CheckRunState(d.connection, d.prefix);
  const modes = d.modes ?? new AssignmentModes(d.store, d.course, () => d.pipeline.predictor?.manifest);
  const common = {
    connection: d.connection,
    prefix: d.prefix,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 3,
  };

  const ack = new Worker(
    ACK_QUEUE,
    async (job) => {
      const { data, a } = load(job);
      // a job queued by an earlier version has no grading job yet: adding one is a no-op otherwise
      await d.queues.grade.add('grade', data, { ...JOB_OPTIONS, jobId: job.id! });
      return acknowledge({ ...d, state }, data, a, job.id!);
    },
    { ...common, concurrency: d.ackConcurrency },
  );

  const grade = new Worker<GradeJob, GradeResult>(
    GRADE_QUEUE,
    async (job, token) => {
      const { data, a } = load(job);
      return delayWhileUnavailable(job, token, d.storeRetryMs ?? 5000, async () => {
        const outcome = await gradeStage(
          { ...d, locks, state, policy: d.policy ?? DEFAULT_PUBLISH_POLICY, modes },
          data,
          a,
          {
            attemptsMade: job.attemptsMade,
            attempts: job.opts.attempts ?? 1,
            id: job.id!,
          },
        );
        if (outcome === 'busy') return delay(job, token, d.busyRetryMs ?? 500);
        if ('hold' in outcome) {
          await job.updateData({ ...data, heldAt: Date.now() });
          return delay(job, token, outcome.hold);
        }
        return outcome;
      });
    },
    { ...common, concurrency: d.gradeConcurrency },
  );

  // a TA's review told to the student (the check run and comment rendered again with the label)
  const review = new Worker(
    REVIEW_QUEUE,
    async (job, token) => {
      const r = reviewJobSchema.safeParse(job.data);
      if (!r.success) throw new UnrecoverableError(`malformed review job ${job.id}`);
      return delayWhileUnavailable(job, token, d.storeRetryMs ?? 5000, () =>
        publishLatestReview(d, r.data.submissionId),
      );
    },
    { ...common, concurrency: 2 },
  );

  for (const w of [ack, grade, review]) {
    w.on('failed', (job, err) =>
      log('job-failed', { queue: w.name, job: job?.id, attempt: job?.attemptsMade, error: err.message }),
    );
    w.on('error', (err) => log('worker-error', { queue: w.name, error: err.message }));
  }
  // a job whose worker died (or froze) on every attempt never returns to the processor: close
  // its check run here, so no student is left looking at "in progress"
  grade.on('failed', (job, err) => {
    if (!job || !STALLED.test(err.message)) return;
    const data = gradeJobSchema.safeParse(job.data);
    const a = data.success ? d.course.byName(data.data.assignment) : undefined;
    if (!data.success || !a) return;
    const g = data.data;
    log('grading-failed', { job: job.id, repo: `${g.owner}/${g.repo}`, sha: g.sha.slice(0, 7), error: err.message });
    const gh = d.github.forInstallation(g.installationId);
    publishRun({ ...d, locks, state, policy: d.policy ?? DEFAULT_PUBLISH_POLICY, modes }, gh, g, a, job.id!, {
      conclusion: 'neutral',
      ...GRADING_FAILED,
    }).catch((e: Error) => log('publish-failed', { job: job.id, error: e.message }));
  });
  return {
    ack,
    grade,
    review,
    // close() lets active jobs finish: a graceful stop loses nothing
    close: async () => void (await Promise.all([ack.close(), grade.close(), review.close()])),
  };
}
