import path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Course, CourseAssignment } from '../course/course.js';
import { gradeJobSchema, type GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import { fetchSource, MissingSourceError } from '../github/fetch-source.js';
import type { GitHubClients } from '../github/installation-octokit.js';
import {
  completeCheckRun,
  neutralCheckRun,
  startCheckRun,
  upsertCommitComment,
  upsertPullRequestComment,
} from '../github/publish.js';
import { RateLimitedError } from '../github/write-limiter.js';
import { runPipeline, type PipelineDeps } from '../pipeline/pipeline.js';
import { ACK_QUEUE, GRADE_QUEUE, JOB_OPTIONS, type Queues } from './queues.js';

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
}

export interface GradeResult {
  verdict: string;
  conclusion: string;
  checkRunId: number;
  comment: 'created' | 'updated' | 'none';
  flagged: boolean;
  /** From the webhook's arrival to the completed check run. */
  latencyMs: number;
}

/** Jobs come back from Redis: checked before anything acts on them. */
function parseJob(job: Job): GradeJob {
  const r = gradeJobSchema.safeParse(job.data);
  if (!r.success)
    throw new UnrecoverableError(`malformed job ${job.id}: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return r.data;
}

/** GitHub's write budget is used up for a while: wait in the delayed set, not in a worker slot. */
async function delayOnRateLimit<T>(job: Job, token: string | undefined, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof RateLimitedError) {
      log('rate-limited', { job: job.id, waitMs: err.waitMs });
      await job.moveToDelayed(Date.now() + err.waitMs, token);
      throw new DelayedError();
    }
    throw err;
  }
}

export interface Workers {
  ack: Worker;
  grade: Worker;
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
  const common = {
    connection: d.connection,
    prefix: d.prefix,
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 3,
  };

  const ack = new Worker(
    ACK_QUEUE,
    async (job, token) => {
      const { data, a } = load(job);
      const reuse = job.attemptsMade > 0 || data.trigger !== 'push';
      const checkRunId = await delayOnRateLimit(job, token, () =>
        startCheckRun(d.github.forInstallation(data.installationId), data, a, reuse),
      );
      await d.queues.grade.add('grade', { ...data, checkRunId }, { ...JOB_OPTIONS, jobId: job.id! });
      return { checkRunId };
    },
    { ...common, concurrency: d.ackConcurrency },
  );

  const grade = new Worker<GradeJob, GradeResult>(
    GRADE_QUEUE,
    async (job, token) => {
      const { data, a } = load(job);
      const gh = d.github.forInstallation(data.installationId);
      return delayOnRateLimit(job, token, async () => {
        const t0 = performance.now();
        const checkRunId = data.checkRunId ?? (await startCheckRun(gh, data, a));
        let source: Buffer;
        try {
          source = await fetchSource(gh, data, a.source);
        } catch (err) {
          if (!(err instanceof MissingSourceError)) throw err;
          await neutralCheckRun(
            gh,
            data,
            checkRunId,
            `${a.source} not found`,
            `${err.message}. Push your program as \`${a.source}\` and it will be graded.`,
          );
          return {
            verdict: 'MISSING_SOURCE',
            conclusion: 'neutral',
            checkRunId,
            comment: 'none',
            flagged: false,
            latencyMs: Date.now() - data.receivedAt,
          };
        }
        const t1 = performance.now();
        const feedback = await runPipeline(d.pipeline, {
          source,
          fileName: path.basename(a.source),
          assignment: a.assignment,
        });
        const t2 = performance.now();
        await completeCheckRun(gh, data, checkRunId, feedback, a);
        let comment: GradeResult['comment'] = 'none';
        if (data.pullRequest) comment = await upsertPullRequestComment(gh, data, feedback.comment);
        else if (d.course.pushFeedback === 'commit_comment')
          comment = await upsertCommitComment(gh, data, feedback.comment);
        const result: GradeResult = {
          verdict: feedback.report.verdict,
          conclusion: feedback.check.conclusion,
          checkRunId,
          comment,
          flagged: feedback.review.flagged,
          latencyMs: Date.now() - data.receivedAt,
        };
        const ms = {
          fetch: Math.round(t1 - t0),
          pipeline: Math.round(t2 - t1),
          publish: Math.round(performance.now() - t2),
        };
        log('graded', {
          job: job.id,
          repo: `${data.owner}/${data.repo}`,
          sha: data.sha.slice(0, 7),
          assignment: data.assignment,
          ...result,
          ms,
          review: feedback.review.reasons,
        });
        return result;
      });
    },
    { ...common, concurrency: d.gradeConcurrency },
  );

  for (const w of [ack, grade]) {
    w.on('failed', (job, err) =>
      log('job-failed', { queue: w.name, job: job?.id, attempt: job?.attemptsMade, error: err.message }),
    );
    w.on('error', (err) => log('worker-error', { queue: w.name, error: err.message }));
  }
  return {
    ack,
    grade,
    // close() lets active jobs finish: a graceful stop loses nothing
    close: async () => void (await Promise.all([ack.close(), grade.close()])),
  };
}
