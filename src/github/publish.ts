import { CHECK_EXTERNAL_PREFIX, type GradeJob } from '../course/grade-job.js';
import type { CourseAssignment } from '../course/course.js';
import { capLength, GITHUB_TEXT_LIMIT } from '../feedback/safe-markdown.js';
import type { Feedback } from '../pipeline/pipeline.js';
import type { GitHub } from './installation-octokit.js';

const ANNOTATIONS_PER_REQUEST = 50;

export function checkName(a: CourseAssignment): string {
  return `fixsense: ${a.assignment.title}`;
}

/** The hidden line that lets the App find its own comment again and update it. */
export function marker(assignment: string): string {
  return `<!-- fixsense:feedback:${assignment} -->`;
}

/**
 * The check run of this commit and assignment, in progress. With `reuse`, an existing one
 * is taken (a retried or recovered job, or a pull request whose commit was pushed too,
 * must not add a second); a first attempt at a fresh push need not look.
 */
export async function startCheckRun(gh: GitHub, job: GradeJob, a: CourseAssignment, reuse = true): Promise<number> {
  const externalId = `${CHECK_EXTERNAL_PREFIX}${job.assignment}`;
  if (job.rerunOf === undefined && reuse) {
    const { data } = await gh.rest.checks.listForRef({
      owner: job.owner,
      repo: job.repo,
      ref: job.sha,
      check_name: checkName(a),
      filter: 'latest',
      per_page: 100,
    });
    const mine = data.check_runs.find((r) => r.external_id === externalId);
    if (mine) return mine.id;
  }
  const { data } = await gh.rest.checks.create({
    owner: job.owner,
    repo: job.repo,
    name: checkName(a),
    head_sha: job.sha,
    external_id: externalId,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    output: { title: 'Grading…', summary: `Compiling ${a.source} and running the tests of ${a.assignment.title}.` },
  });
  return data.id;
}

type Annotation = {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  message: string;
  title?: string;
};

function annotations(f: Feedback, path: string): Annotation[] {
  const c = f.report.compile;
  const fromCompiler: Annotation[] = c.messages
    .filter((m) => m.severity !== 'note')
    .map((m) => ({
      path,
      start_line: Math.max(1, m.line),
      end_line: Math.max(1, m.line),
      annotation_level: m.severity === 'error' ? 'failure' : 'warning',
      message: m.message.slice(0, 60_000),
      title: m.severity === 'error' ? 'Compile error' : 'Compiler warning',
    }));
  const hints: Annotation[] = f.report.compiled
    ? f.context.warnings.map((w) => ({
        path,
        start_line: Math.max(1, w.line),
        end_line: Math.max(1, w.line),
        annotation_level: 'notice' as const,
        message: w.text.replace(/^`+|`+$/g, ''),
        title: 'The compiler has a hint',
      }))
    : [];
  return [...fromCompiler, ...hints];
}

/**
 * Completes the check run. Annotations go 50 per request, as GitHub requires; every batch
 * but the last is sent while the run is still in progress, so a completed run has them all.
 */
export async function completeCheckRun(
  gh: GitHub,
  job: GradeJob,
  checkRunId: number,
  f: Feedback,
  a: CourseAssignment,
): Promise<void> {
  const all = annotations(f, a.source);
  const output = (batch: Annotation[]) => ({
    title: f.check.title,
    summary: capLength(f.check.summary, GITHUB_TEXT_LIMIT - 500),
    annotations: batch,
  });
  const batches: Annotation[][] = [];
  for (let i = 0; i < all.length; i += ANNOTATIONS_PER_REQUEST) batches.push(all.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const last = batches.pop() ?? [];
  for (const batch of batches)
    await gh.rest.checks.update({ owner: job.owner, repo: job.repo, check_run_id: checkRunId, output: output(batch) });
  await gh.rest.checks.update({
    owner: job.owner,
    repo: job.repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: f.check.conclusion,
    completed_at: new Date().toISOString(),
    output: output(last),
  });
}

/** A check run that explains why nothing was graded (the student's file is missing, say). */
export async function neutralCheckRun(
  gh: GitHub,
  job: GradeJob,
  checkRunId: number,
  title: string,
  summary: string,
): Promise<void> {
  await gh.rest.checks.update({
    owner: job.owner,
    repo: job.repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: 'neutral',
    completed_at: new Date().toISOString(),
    output: { title, summary },
  });
}

/** One comment per pull request and assignment, found by its marker and updated on each push. */
export async function upsertPullRequestComment(
  gh: GitHub,
  job: GradeJob,
  body: string,
): Promise<'created' | 'updated'> {
  const text = `${marker(job.assignment)}\n${capLength(body, GITHUB_TEXT_LIMIT - 200)}`;
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    owner: job.owner,
    repo: job.repo,
    issue_number: job.pullRequest!,
    per_page: 100,
  });
  const mine = comments.find((c) => c.body?.startsWith(marker(job.assignment)));
  if (mine) {
    await gh.rest.issues.updateComment({ owner: job.owner, repo: job.repo, comment_id: mine.id, body: text });
    return 'updated';
  }
  await gh.rest.issues.createComment({ owner: job.owner, repo: job.repo, issue_number: job.pullRequest!, body: text });
  return 'created';
}

/** For a plain push, when the course wants it: one comment on the commit, updated on a re-run. */
export async function upsertCommitComment(gh: GitHub, job: GradeJob, body: string): Promise<'created' | 'updated'> {
  const text = `${marker(job.assignment)}\n${capLength(body, GITHUB_TEXT_LIMIT - 200)}`;
  const { data } = await gh.rest.repos.listCommentsForCommit({
    owner: job.owner,
    repo: job.repo,
    commit_sha: job.sha,
    per_page: 100,
  });
  const mine = data.find((c) => c.body?.startsWith(marker(job.assignment)));
  if (mine) {
    await gh.rest.repos.updateCommitComment({ owner: job.owner, repo: job.repo, comment_id: mine.id, body: text });
    return 'updated';
  }
  await gh.rest.repos.createCommitComment({ owner: job.owner, repo: job.repo, commit_sha: job.sha, body: text });
  return 'created';
}
