import type { ExpressionBuilder, Expression, SqlBool, SelectQueryBuilder, Selectable } from 'kysely';
import { parseJson } from './normalise.js';
import type { DB, SubmissionsTable } from './schema.js';

/** A recorded grading as the dashboard and the CLI see it: everything but the heavy text. */
export interface SubmissionSummary {
  id: number;
  jobId: string;
  course: string;
  term: string;
  assignment: string;
  mode: 'live' | 'shadow';
  installationId: number | null;
  repository: string;
  repositoryId: number | null;
  student: { login: string; id: number | null };
  commit: string;
  branch: string | null;
  pullRequest: number | null;
  trigger: string;
  deliveryId: string | null;
  receivedAt: number;
  gradedAt: number;
  recordedAt: number;
  verdict: 'PASS' | 'FAIL' | 'COMPILE_ERROR';
  passed: boolean;
  compiled: boolean;
  tests: { total: number; passed: number; hiddenTotal: number; hiddenPassed: number };
  points: { earned: number; possible: number } | null;
  failingTests: string[];
  modelVersion: string | null;
  fixType: string | null;
  confidence: number | null;
  flagged: boolean;
  flagReasons: string[];
  conclusion: string;
  checkRunId: number | null;
  commentId: number | null;
  commentKind: 'pull_request' | 'commit' | null;
  publishedAt: number | null;
  reviewCount: number;
  reviewedAt: number | null;
  lastReviewId: number | null;
  source: { file: string; bytes: number; sha256: string; state: 'kept' | 'too_large' | 'purged' };
}

/** Rows come out of both databases alike (normalise.ts); this only renames and unpacks. */
export function toSummary(r: Selectable<SubmissionsTable>): SubmissionSummary {
  return {
    id: r.id,
    jobId: r.job_id,
    course: r.course,
    term: r.term,
    assignment: r.assignment,
    mode: r.mode as SubmissionSummary['mode'],
    installationId: r.installation_id,
    repository: r.repository,
    repositoryId: r.repository_id,
    student: { login: r.student_login, id: r.student_id },
    commit: r.commit_sha,
    branch: r.branch,
    pullRequest: r.pull_request,
    trigger: r.trigger,
    deliveryId: r.delivery_id,
    receivedAt: r.received_at,
    gradedAt: r.graded_at,
    recordedAt: r.recorded_at,
    verdict: r.verdict as SubmissionSummary['verdict'],
    passed: r.passed === 1,
    compiled: r.compiled === 1,
    tests: { total: r.tests_total, passed: r.tests_passed, hiddenTotal: r.hidden_total, hiddenPassed: r.hidden_passed },
    points:
      r.points_earned === null || r.points_possible === null
        ? null
        : { earned: r.points_earned, possible: r.points_possible },
    failingTests: parseJson<string[]>(r.failing_tests) ?? [],
    modelVersion: r.model_version,
    fixType: r.fix_type,
    confidence: r.confidence,
    flagged: r.flagged === 1,
    flagReasons: parseJson<string[]>(r.flag_reasons) ?? [],
    conclusion: r.conclusion,
    checkRunId: r.check_run_id,
    commentId: r.comment_id,
    commentKind: r.comment_kind as SubmissionSummary['commentKind'],
    publishedAt: r.published_at,
    reviewCount: r.review_count,
    reviewedAt: r.reviewed_at,
    lastReviewId: r.last_review_id,
    source: {
      file: r.source_file,
      bytes: r.source_bytes,
      sha256: r.source_sha256,
      state: r.source_state as SubmissionSummary['source']['state'],
    },
  };
}

/** Which submissions: every field optional, all given ones must hold. */
export interface SubmissionFilter {
  ids?: number[];
  term?: string;
  assignment?: string;
  student?: string;
  verdict?: 'PASS' | 'FAIL' | 'COMPILE_ERROR';
  flagged?: boolean;
  /** Reviewed at least once (true) or never (false). */
  reviewed?: boolean;
  /** The model's fix type. */
  fixType?: string;
  /** The model gave this tag. */
  tag?: string;
  /** Exactly this set of failing tests (a dashboard group). */
  failingTests?: string[];
  minConfidence?: number;
  maxConfidence?: number;
  /** Graded at or after / before (epoch ms). */
  since?: number;
  until?: number;
  mode?: 'live' | 'shadow';
  /** Leave out what another TA holds a live claim on at `now` (`except` sees its own claims). */
  unclaimed?: { now: number; except?: string };
}

type Eb = ExpressionBuilder<DB, 'submissions'>;

/** The filter as one WHERE condition on `submissions`, for every query that selects them. */
export function matching(f: SubmissionFilter): (eb: Eb) => Expression<SqlBool> {
  return (eb) => {
    const c: Expression<SqlBool>[] = [];
    if (f.ids !== undefined) c.push(f.ids.length ? eb('submissions.id', 'in', f.ids) : eb.lit(false));
    if (f.term !== undefined) c.push(eb('submissions.term', '=', f.term));
    if (f.assignment !== undefined) c.push(eb('submissions.assignment', '=', f.assignment));
    if (f.student !== undefined) c.push(eb('submissions.student_login', '=', f.student));
    if (f.verdict !== undefined) c.push(eb('submissions.verdict', '=', f.verdict));
    if (f.flagged !== undefined) c.push(eb('submissions.flagged', '=', f.flagged ? 1 : 0));
    if (f.reviewed !== undefined) c.push(eb('submissions.review_count', f.reviewed ? '>' : '=', 0));
    if (f.fixType !== undefined) c.push(eb('submissions.fix_type', '=', f.fixType));
    if (f.failingTests !== undefined)
      c.push(eb('submissions.failing_tests', '=', JSON.stringify([...f.failingTests].sort())));
    if (f.minConfidence !== undefined) c.push(eb('submissions.confidence', '>=', f.minConfidence));
    if (f.maxConfidence !== undefined) c.push(eb('submissions.confidence', '<=', f.maxConfidence));
    if (f.since !== undefined) c.push(eb('submissions.graded_at', '>=', f.since));
    if (f.until !== undefined) c.push(eb('submissions.graded_at', '<', f.until));
    if (f.mode !== undefined) c.push(eb('submissions.mode', '=', f.mode));
    if (f.tag !== undefined)
      c.push(
        eb.exists(
          eb
            .selectFrom('submission_tags')
            .select('submission_tags.tag')
            .whereRef('submission_tags.submission_id', '=', 'submissions.id')
            .where('submission_tags.tag', '=', f.tag),
        ),
      );
    if (f.unclaimed) {
      const { now, except } = f.unclaimed;
      c.push(
        eb.not(
          eb.exists(
            eb
              .selectFrom('claims')
              .select('claims.submission_id')
              .whereRef('claims.submission_id', '=', 'submissions.id')
              .where('claims.expires_at', '>', now)
              .$if(except !== undefined, (q) => q.where('claims.reviewer', '!=', except!)),
          ),
        ),
      );
    }
    return eb.and(c);
  };
}

export type Order = 'uncertainty' | 'oldest' | 'newest';

/** The review queue's orders: least sure first (no prediction counts as least sure), oldest first, newest first. */
export function ordered<O>(
  q: SelectQueryBuilder<DB, 'submissions', O>,
  order: Order,
): SelectQueryBuilder<DB, 'submissions', O> {
  if (order === 'newest') return q.orderBy('submissions.received_at', 'desc').orderBy('submissions.id', 'desc');
  if (order === 'uncertainty')
    q = q
      .orderBy((eb) => eb.case().when('submissions.confidence', 'is', null).then(0).else(1).end())
      .orderBy('submissions.confidence', 'asc');
  return q.orderBy('submissions.received_at', 'asc').orderBy('submissions.id', 'asc');
}
