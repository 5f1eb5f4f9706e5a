import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { Course } from '../course/course.js';
import type { GradeJob } from '../course/grade-job.js';
import { log } from '../core/log.js';
import { feedbackContext } from '../feedback/feedback-context.js';
import { capLength, GITHUB_TEXT_LIMIT } from '../feedback/safe-markdown.js';
import type { GitHub, GitHubClients } from '../github/installation-octokit.js';
import { commentBody, commentShows, findOwnComment } from '../github/publish.js';
import { orderTags } from '../model/taxonomy.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import type { LazyStore } from '../store/lazy-store.js';
import type { SubmissionDetail } from '../store/list-submissions.js';
import type { Queues } from './queues.js';

/** A review to tell the student about: only the submission; the job reads its latest review when it runs. */
export const reviewJobSchema = z.object({ submissionId: z.number().int().positive() });
export type ReviewJob = z.infer<typeof reviewJobSchema>;

/**
 * One job id per submission, removed once done: reviews of one submission that arrive while
 * its job waits are one update, and a review after that update makes a new job.
 */
export const reviewJobId = (submissionId: number): string => `review-${submissionId}`;

/** A TA who corrects the label a moment later (undo, a second key) costs no second write. */
export const REVIEW_DELAY_MS = 2000;

export const REVIEW_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Queues the update of a reviewed submission's check run and comment (the web side calls it after each review). */
export async function enqueueReview(q: Queues, submissionId: number, delayMs = REVIEW_DELAY_MS): Promise<void> {
  await q.review.add('review', { submissionId } satisfies ReviewJob, {
    ...REVIEW_JOB_OPTIONS,
    jobId: reviewJobId(submissionId),
    delay: delayMs,
  });
}

export interface ReviewStageDeps {
  course: Course;
  pipeline: Pick<PipelineDeps, 'templates' | 'taxonomy' | 'config'>;
  github: GitHubClients;
  store: LazyStore;
}

export type ReviewOutcome =
  | { skipped: 'missing' | 'unreviewed' | 'shadow' | 'unpublished' }
  | {
      reviewId: number;
      checkRun: 'updated' | 'none';
      /** 'stale': the comment shows another commit by now, and is left alone. */
      comment: 'updated' | 'unchanged' | 'stale' | 'gone' | 'none';
    };

/** The sticky comment of the submission, rewritten with the TA's label if it still shows this commit. */
async function updateComment(
  gh: GitHub,
  s: SubmissionDetail,
  job: GradeJob,
  markdown: string,
  bot: string,
): Promise<'updated' | 'unchanged' | 'stale' | 'gone' | 'none'> {
  if (s.commentId === null || s.commentKind === null) return 'none';
  const where = { owner: job.owner, repo: job.repo };
  const comments =
    s.commentKind === 'pull_request' && s.pullRequest !== null
      ? await gh.paginate(gh.rest.issues.listComments, { ...where, issue_number: s.pullRequest, per_page: 100 })
      : await gh.paginate(gh.rest.repos.listCommentsForCommit, { ...where, commit_sha: s.commit, per_page: 100 });
  const own = findOwnComment(comments, s.assignment, bot);
  if (!own || own.id !== s.commentId) return 'gone';
  // a newer push's feedback replaced it: the review is of an older commit, the student reads the newer one
  if (commentShows(own.body ?? '').sha !== s.commit) return 'stale';
  const text = commentBody(job, markdown);
  if (own.body === text) return 'unchanged';
  if (s.commentKind === 'pull_request')
    await gh.rest.issues.updateComment({ ...where, comment_id: own.id, body: text });
  else await gh.rest.repos.updateCommitComment({ ...where, comment_id: own.id, body: text });
  return 'updated';
}

/**
 * Tells the student what a TA decided: the feedback is rendered again from the recorded
 * report and prediction with the TA's label in the model's place ("a teaching assistant
 * looked at this"), and the check run's output and the sticky comment are rewritten. Writes
 * go through the low-priority client: they wait for the write budget (the job is delayed),
 * they never take the share that gradings need.
 */
export async function publishReview(d: ReviewStageDeps, submissionId: number): Promise<ReviewOutcome> {
  const s = await d.store.use((st) => st.getSubmission(submissionId));
  if (!s) return { skipped: 'missing' };
  if (s.mode === 'shadow') return { skipped: 'shadow' };
  if (s.installationId === null || (s.checkRunId === null && s.commentId === null)) return { skipped: 'unpublished' };
  const review = (await d.store.use((st) => st.listReviews({ submissionId }))).at(-1);
  // no review left (a TA took theirs back): the student's feedback goes back to what was published
  if (!review && s.reviewCount === 0 && !s.reviewedAt) return restoreOriginal(d, s);
  if (!review) return { skipped: 'unreviewed' };
  const { taxonomy, templates } = d.pipeline;
  const ctx = feedbackContext({
    report: s.report,
    prediction: s.prediction,
    taxonomy,
    config: d.pipeline.config ?? d.course.feedback,
    notes: [],
    teacher: { fixType: review.fixType, tags: orderTags(taxonomy, review.tags) },
  });
  const job = jobOf(s);
  const { owner, repo } = job;
  const gh = d.github.forInstallation(s.installationId, 'low');
  let checkRun: 'updated' | 'none' = 'none';
  if (s.checkRunId !== null) {
    await gh.rest.checks.update({
      owner,
      repo,
      check_run_id: s.checkRunId,
      output: {
        title: s.feedback.checkTitle,
        summary: capLength(templates.checkSummary(ctx), GITHUB_TEXT_LIMIT - 500),
      },
    });
    checkRun = 'updated';
  }
  const comment = await updateComment(gh, s, job, templates.comment(ctx), await d.github.botLogin());
  log('review-published', { submission: submissionId, review: review.id, checkRun, comment });
  return { reviewId: review.id, checkRun, comment };
}

function jobOf(s: SubmissionDetail): GradeJob {
  const [owner, repo] = s.repository.split('/') as [string, string];
  return {
    installationId: s.installationId!,
    owner,
    repo,
    sha: s.commit,
    assignment: s.assignment,
    pullRequest: s.pullRequest,
    trigger: 'push',
    deliveryId: s.deliveryId ?? '',
    receivedAt: s.receivedAt,
  };
}

/** The feedback as it was first published, written back (the comment only if its text differs). */
async function restoreOriginal(d: ReviewStageDeps, s: SubmissionDetail): Promise<ReviewOutcome> {
  const job = jobOf(s);
  const gh = d.github.forInstallation(s.installationId!, 'low');
  let checkRun: 'updated' | 'none' = 'none';
  if (s.checkRunId !== null) {
    await gh.rest.checks.update({
      owner: job.owner,
      repo: job.repo,
      check_run_id: s.checkRunId,
      output: { title: s.feedback.checkTitle, summary: capLength(s.feedback.checkSummary, GITHUB_TEXT_LIMIT - 500) },
    });
    checkRun = 'updated';
  }
  const comment = await updateComment(gh, s, job, s.feedback.comment, await d.github.botLogin());
  log('review-withdrawn', { submission: s.id, checkRun, comment });
  return { reviewId: 0, checkRun, comment };
}

/**
 * A review recorded while its update was being written has no job of its own (the job id was
 * taken): write again until the latest review is the one shown.
 */
export async function publishLatestReview(d: ReviewStageDeps, submissionId: number): Promise<ReviewOutcome> {
  let outcome = await publishReview(d, submissionId);
  for (let i = 0; i < 3 && 'reviewId' in outcome; i++) {
    const latest = (await d.store.use((st) => st.getSubmission(submissionId)))?.lastReviewId;
    // 0: the original feedback was restored, and no review has come since
    if ((latest ?? 0) === outcome.reviewId) break;
    outcome = await publishReview(d, submissionId);
  }
  return outcome;
}
