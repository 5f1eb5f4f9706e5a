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

/** Our check run of this commit and assignment, if one exists (a retried job, or a pull request whose commit was pushed too). */
export async function findCheckRun(gh: GitHub, job: GradeJob, a: CourseAssignment): Promise<number | null> {
  const { data } = await gh.rest.checks.listForRef({
    owner: job.owner,
    repo: job.repo,
    ref: job.sha,
    check_name: checkName(a),
    filter: 'latest',
    per_page: 100,
  });
  return data.check_runs.find((r) => r.external_id === `${CHECK_EXTERNAL_PREFIX}${job.assignment}`)?.id ?? null;
}

/** An in-progress check run: only when the student would otherwise wait long for any sign of life. */
export async function startCheckRun(gh: GitHub, job: GradeJob, a: CourseAssignment): Promise<number> {
  const { data } = await gh.rest.checks.create({
    owner: job.owner,
    repo: job.repo,
    name: checkName(a),
    head_sha: job.sha,
    external_id: `${CHECK_EXTERNAL_PREFIX}${job.assignment}`,
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

/**
 * Compiler output can be steered by `#line` (a line of 2,147,483,600 was seen): every
 * annotation is clamped to the lines the file really has.
 */
export function annotations(f: Feedback, path: string, lineCount: number): Annotation[] {
  const c = f.report.compile;
  const last = Math.max(1, lineCount);
  const at = (line: number) => Math.min(last, Math.max(1, Math.trunc(Number.isFinite(line) ? line : 1)));
  const fromCompiler: Annotation[] = c.messages
    .filter((m) => m.severity !== 'note')
    .map((m) => ({
      path,
      start_line: at(m.line),
      end_line: at(m.line),
      annotation_level: m.severity === 'error' ? 'failure' : 'warning',
      message: m.message.slice(0, 60_000),
      title: m.severity === 'error' ? 'Compile error' : 'Compiler warning',
    }));
  const hints: Annotation[] = f.report.compiled
    ? f.context.warnings.map((w) => ({
        path,
        start_line: at(w.line),
        end_line: at(w.line),
        annotation_level: 'notice' as const,
        message: w.text.replace(/^`+|`+$/g, ''),
        title: 'The compiler has a hint',
      }))
    : [];
  return [...fromCompiler, ...hints];
}

/** How many lines a source file has, as GitHub counts them for annotations. */
export function lineCount(source: Buffer): number {
  if (source.length === 0) return 1;
  let n = 1;
  for (let i = source.indexOf(10); i >= 0 && i < source.length - 1; i = source.indexOf(10, i + 1)) n++;
  return n;
}

export interface CheckRunResult {
  conclusion: 'success' | 'failure' | 'neutral' | 'skipped';
  title: string;
  summary: string;
  annotations?: Annotation[];
}

/** The check run as the grading left it: the title, summary and annotations of the feedback. */
export function gradedCheckRun(f: Feedback, a: CourseAssignment, lines: number): CheckRunResult {
  return {
    conclusion: f.check.conclusion,
    title: f.check.title,
    summary: f.check.summary,
    annotations: annotations(f, a.source, lines),
  };
}

/**
 * Publishes the outcome in as few writes as GitHub allows: a new check run is created
 * already completed, with its annotations (one write); an existing one (in progress) is
 * completed. Annotations beyond 50 need one more request per 50, as GitHub takes at most 50
 * a request: then the run is created in progress and the last request completes it.
 */
export async function publishCheckRun(
  gh: GitHub,
  job: GradeJob,
  a: CourseAssignment,
  existing: number | null,
  r: CheckRunResult,
): Promise<number> {
  const where = { owner: job.owner, repo: job.repo };
  const summary = capLength(r.summary, GITHUB_TEXT_LIMIT - 500);
  const batches: Annotation[][] = [];
  const all = r.annotations ?? [];
  for (let i = 0; i < all.length; i += ANNOTATIONS_PER_REQUEST) batches.push(all.slice(i, i + ANNOTATIONS_PER_REQUEST));
  if (batches.length === 0) batches.push([]);
  const done = { status: 'completed' as const, conclusion: r.conclusion, completed_at: new Date().toISOString() };
  // the last request completes the run, so a completed run already has all its annotations;
  // the count of requests is the same either way: one per 50 annotations
  const state = (i: number) => (i === batches.length - 1 ? done : { status: 'in_progress' as const });
  const output = (i: number) => ({ title: r.title, summary, annotations: batches[i]! });
  let id: number;
  if (existing === null) {
    const { data } = await gh.rest.checks.create({
      ...where,
      name: checkName(a),
      head_sha: job.sha,
      external_id: `${CHECK_EXTERNAL_PREFIX}${job.assignment}`,
      ...state(0),
      output: output(0),
    });
    id = data.id;
  } else {
    id = existing;
    await gh.rest.checks.update({ ...where, check_run_id: id, ...state(0), output: output(0) });
  }
  for (let i = 1; i < batches.length; i++)
    await gh.rest.checks.update({ ...where, check_run_id: id, ...state(i), output: output(i) });
  return id;
}

/** What a student reads when the App itself failed: never a check run left "in progress". */
export const GRADING_FAILED = {
  title: 'Grading failed',
  summary:
    'Grading failed on our side, not because of your program; the course staff have been told. ' +
    'Push again, or ask for a re-run of this check, to try once more.',
};

/** A newer commit was queued before this one was graded: only the newest is graded. */
export function supersededSummary(newerSha: string): { title: string; summary: string } {
  return {
    title: `Skipped: ${newerSha.slice(0, 7)} is newer`,
    summary:
      `A newer commit, ${newerSha}, was pushed before this one was graded, so only the newer one is graded. ` +
      'Its results are on that commit.',
  };
}

/**
 * The hidden trailer of a sticky comment: which commit it shows and when that commit's
 * webhook arrived, so feedback for an older commit never replaces a newer one's.
 */
const TRAILER = /<!-- fixsense:commit ([0-9a-f]{40}) at (\d+) -->\s*$/;

export function commentBody(job: GradeJob, body: string): string {
  return `${marker(job.assignment)}\n${capLength(body, GITHUB_TEXT_LIMIT - 300)}\n<!-- fixsense:commit ${job.sha} at ${job.receivedAt} -->\n`;
}

/** Which commit a comment shows and when it arrived; arrival 0 for a comment written before the trailer existed. */
export function commentShows(body: string): { sha: string | null; receivedAt: number } {
  const m = TRAILER.exec(body);
  return m ? { sha: m[1]!, receivedAt: Number(m[2]) } : { sha: null, receivedAt: 0 };
}

interface ListedComment {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
}

/**
 * Our comment: the App's own bot wrote it and it starts with the assignment's marker. The
 * marker alone is not enough: a student can write it into a comment of their own.
 */
export function findOwnComment(
  comments: ListedComment[],
  assignment: string,
  botLogin: string,
): ListedComment | undefined {
  return comments.find(
    (c) => c.user?.login.toLowerCase() === botLogin.toLowerCase() && c.body?.startsWith(marker(assignment)),
  );
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

export interface CommentResult {
  outcome: CommentOutcome;
  /** The comment that now holds the feedback (the existing one when left alone). */
  id: number | null;
}

/**
 * One comment per pull request (or commit) and assignment, updated on each push; the caller
 * serialises calls for one thread, so the read-compare-write below is not raced. An
 * existing comment that shows a later arrival is left alone ('stale'), and one that already
 * says the same is not written again ('unchanged').
 */
async function upsertComment(
  existing: ListedComment | undefined,
  job: GradeJob,
  body: string,
  write: {
    create(text: string): Promise<{ data: { id: number } }>;
    update(id: number, text: string): Promise<unknown>;
  },
): Promise<CommentResult> {
  const text = commentBody(job, body);
  if (existing) {
    const shows = commentShows(existing.body ?? '');
    if (shows.receivedAt > job.receivedAt) return { outcome: 'stale', id: existing.id };
    // a re-run of an older commit, asked for later, still must not replace the newer commit's feedback
    if (job.trigger === 'rerequested' && shows.sha !== null && shows.sha !== job.sha)
      return { outcome: 'stale', id: existing.id };
    // the same feedback as shown costs no write, even for another commit: the grading lock and
    // the newest-commit check keep an older commit from publishing after a newer one anyway
    if (existing.body?.replace(TRAILER, '') === text.replace(TRAILER, ''))
      return { outcome: 'unchanged', id: existing.id };
    await write.update(existing.id, text);
    return { outcome: 'updated', id: existing.id };
  }
  const { data } = await write.create(text);
  return { outcome: 'created', id: data.id };
}

export async function upsertPullRequestComment(
  gh: GitHub,
  job: GradeJob,
  body: string,
  botLogin: string,
): Promise<CommentResult> {
  const where = { owner: job.owner, repo: job.repo };
  const comments = await gh.paginate(gh.rest.issues.listComments, {
    ...where,
    issue_number: job.pullRequest!,
    per_page: 100,
  });
  return upsertComment(findOwnComment(comments, job.assignment, botLogin), job, body, {
    create: (text) => gh.rest.issues.createComment({ ...where, issue_number: job.pullRequest!, body: text }),
    update: (id, text) => gh.rest.issues.updateComment({ ...where, comment_id: id, body: text }),
  });
}

/** For a plain push, when the course wants it: one comment on the commit, updated on a re-run. */
export async function upsertCommitComment(
  gh: GitHub,
  job: GradeJob,
  body: string,
  botLogin: string,
): Promise<CommentResult> {
  const where = { owner: job.owner, repo: job.repo };
  const comments = await gh.paginate(gh.rest.repos.listCommentsForCommit, {
    ...where,
    commit_sha: job.sha,
    per_page: 100,
  });
  return upsertComment(findOwnComment(comments, job.assignment, botLogin), job, body, {
    create: (text) => gh.rest.repos.createCommitComment({ ...where, commit_sha: job.sha, body: text }),
    update: (id, text) => gh.rest.repos.updateCommitComment({ ...where, comment_id: id, body: text }),
  });
}
