import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobId, type GradeJob } from '../course/grade-job.js';

/** Acknowledge (an in-progress check run, at once) then grade: two queues, two concurrencies. */
export const ACK_QUEUE = 'ack';
export const GRADE_QUEUE = 'grade';

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
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const ack = new Queue(ACK_QUEUE, { connection, prefix });
  const grade = new Queue(GRADE_QUEUE, { connection, prefix });
  // connection errors are reported by whoever owns the connection, not once per queue
  for (const q of [ack, grade]) q.on('error', () => {});
  return {
    ack,
    grade,
    close: async () => void (await Promise.all([ack.close(), grade.close()])),
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
  const existing = await Promise.all(ids.map((id) => q.ack.getJob(id)));
  await q.ack.addBulk(jobs.map((data, i) => ({ name: 'ack', data, opts: { ...JOB_OPTIONS, jobId: ids[i]! } })));
  const duplicates = existing.filter(Boolean).length;
  return { queued: jobs.length - duplicates, duplicates };
}
