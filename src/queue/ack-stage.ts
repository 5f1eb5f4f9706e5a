import type { CourseAssignment } from '../course/course.js';
import type { GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import type { GitHubClients } from '../github/installation-octokit.js';
import { startCheckRun } from '../github/publish.js';
import { RateLimitedError } from '../github/write-limiter.js';
import type { CheckRunState } from './check-run-state.js';
import type { Queues } from './queues.js';

/** An in-progress run costs a write: only when at least this share of the write budget is free. */
export const ACK_HEADROOM = 0.5;

export interface AckDeps {
  queues: Queues;
  github: GitHubClients;
  state: CheckRunState;
}

export type AckOutcome = { checkRunId: number } | { skipped: 'superseded' | 'published' | 'budget' };

/**
 * The acknowledging stage runs a while after a push arrived (ACK_AFTER_MS): when the
 * grading has not been published by then, the student gets an in-progress check run as a
 * sign of life, if the installation's write budget has room. A grading finished sooner
 * creates its check run already completed, in one write, and this stage does nothing.
 */
export async function acknowledge(d: AckDeps, data: GradeJob, a: CourseAssignment, jobId: string): Promise<AckOutcome> {
  if (await d.queues.newest.supersededBy(data)) return { skipped: 'superseded' };
  if ((await d.state.run(jobId)) !== null) return { skipped: 'published' };
  if ((await d.github.writeHeadroom(data.installationId)) < ACK_HEADROOM) {
    log('ack-skipped', { job: jobId, reason: 'write budget short' });
    return { skipped: 'budget' };
  }
  if (!(await d.state.claimAck(jobId))) return { skipped: 'published' };
  try {
    const checkRunId = await startCheckRun(d.github.forInstallation(data.installationId, 'low'), data, a);
    await d.state.setRun(jobId, checkRunId);
    return { checkRunId };
  } catch (err) {
    await d.state.abandonAck(jobId);
    if (err instanceof RateLimitedError) return { skipped: 'budget' };
    throw err;
  }
}
