import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobId, type GradeJob } from '../course/grade-job.js';
import { NewestCommits } from './newest-commit.js';

/**
 * Grade (and publish the check run completed, in one write) at once; acknowledge (an
 * in-progress run) only for a push still ungraded after a while: two queues.
 */
export const ACK_QUEUE = 'ack';
export const GRADE_QUEUE = 'grade';
/** A TA's review told to the student: the check run and comment rendered again (review-stage.ts). */
export const REVIEW_QUEUE = 'review';

/**
 * Transient failures (GitHub or the network down) are retried with exponential backoff;
 * failed jobs are kept for inspection; completed ones for a week, so a redelivered webhook
 * finds its job id taken and is graded once.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
  removeOnFail: false,
};

export interface Queues {
  ack: Queue;
  grade: Queue;
  review: Queue;
  /** The newest commit of each line of pushes: what a waiting job checks before it grades. */
  newest: NewestCommits;
  ackAfterMs: number;
  close(): Promise<void>;
}

export interface QueueOptions {
  /** How long after a push its in-progress check run is considered (only if still ungraded by then). */
  ackAfterMs?: number;
}

export const DEFAULT_ACK_AFTER_MS = 10_000;

export function createQueues(connection: Redis, prefix: string, o: QueueOptions = {}): Queues {
  const ack = new Queue(ACK_QUEUE, { connection, prefix });
  const grade = new Queue(GRADE_QUEUE, { connection, prefix });
  const review = new Queue(REVIEW_QUEUE, { connection, prefix });
  // connection errors are reported by whoever owns the connection, not once per queue
  for (const q of [ack, grade, review]) q.on('error', () => {});
  return {
    ack,
    grade,
    review,
    newest: new NewestCommits(connection, prefix),
    ackAfterMs: o.ackAfterMs ?? DEFAULT_ACK_AFTER_MS,
    close: async () => void (await Promise.all([ack.close(), grade.close(), review.close()])),
  };
}

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}

/** Queues gradings; a job whose id exists already (same repository, commit, assignment) is not added again. */
export async function enqueue(
  q: Queues,
  jobs: GradeJob[],
  connection?: Redis,
): Promise<{ queued: number; duplicates: number }> {
  if (!jobs.length) return { queued: 0, duplicates: 0 };
  // BullMQ would wait for Redis to come back; a webhook must be answered now
  if (connection && connection.status !== 'ready') throw new QueueUnavailableError(`Redis is ${connection.status}`);
  const ids = jobs.map(jobId);
  const existing = await Promise.all(ids.map((id) => q.grade.getJob(id)));
  // a redelivered old push must not become the newest of its line again: only new jobs count
  for (const [i, job] of jobs.entries()) if (!existing[i]) await q.newest.register(job);
  await q.grade.addBulk(jobs.map((data, i) => ({ name: 'grade', data, opts: { ...JOB_OPTIONS, jobId: ids[i]! } })));
  await q.ack.addBulk(
    jobs.map((data, i) => ({ name: 'ack', data, opts: { ...JOB_OPTIONS, jobId: ids[i]!, delay: q.ackAfterMs } })),
  );
  const duplicates = existing.filter(Boolean).length;
  return { queued: jobs.length - duplicates, duplicates };
}
