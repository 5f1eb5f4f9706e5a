import { createHash } from 'node:crypto';
import { z } from 'zod';

/** A grading job as it travels through Redis: validated when a worker takes it. */
export const gradeJobSchema = z.object({
  installationId: z.number().int().positive(),
  owner: z.string().min(1),
  repo: z.string().min(1),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  assignment: z.string().min(1),
  pullRequest: z.number().int().positive().nullable(),
  trigger: z.enum(['push', 'pull_request', 'rerequested']),
  deliveryId: z.string(),
  /** When the webhook arrived (ms since the epoch), for latency figures. */
  receivedAt: z.number(),
  /** Who pushed (or opened the pull request): the student, as GitHub knows them. */
  student: z.object({ login: z.string().min(1), id: z.number().int().positive().nullable() }).optional(),
  /** The branch pushed to, or the pull request's head branch. */
  branch: z.string().min(1).nullable().optional(),
  /** check_run.rerequested: the run the student asked to repeat. */
  rerunOf: z.number().int().optional(),
  /** When the grading stage held this job back because the write budget was short (once per job). */
  heldAt: z.number().optional(),
  /** Set by the acknowledging stage of an earlier version: the in-progress check run to complete. */
  checkRunId: z.number().int().optional(),
});

export type GradeJob = z.infer<typeof gradeJobSchema>;

/**
 * The job id, from (repository, commit, assignment): a redelivered webhook or a second
 * push of the same commit maps to the same id and is graded once. A pull request's job
 * also carries its number (it must comment there); a re-run carries the run it repeats.
 */
export function jobId(j: Pick<GradeJob, 'owner' | 'repo' | 'sha' | 'assignment' | 'pullRequest' | 'rerunOf'>): string {
  const key = [`${j.owner}/${j.repo}`.toLowerCase(), j.sha, j.assignment, j.pullRequest ?? '', j.rerunOf ?? ''].join(
    '|',
  );
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** Check runs carry the assignment, so a re-run knows what to grade. */
export const CHECK_EXTERNAL_PREFIX = 'fixsense:';
