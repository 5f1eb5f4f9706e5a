import type { Kysely } from 'kysely';
import { decodeSource } from './record-grading.js';
import { parseJson } from './normalise.js';
import type { DB } from './schema.js';
import {
  matching,
  ordered,
  toSummary,
  type Order,
  type SubmissionFilter,
  type SubmissionSummary,
} from './submission-rows.js';
import type { TestReport } from '../grading/report.js';
import type { CheckedGradingRecord } from './grading-record.js';

export interface ListOptions {
  order?: Order;
  /** At most this many (default 100, at most 10,000). */
  limit?: number;
  offset?: number;
}

/** A page of submissions, each with the model's tags and any live claim on it. */
export interface ListedSubmission extends SubmissionSummary {
  tags: { tag: string; p: number }[];
  claim: { reviewer: string; expiresAt: number } | null;
}

export async function listSubmissions(
  db: Kysely<DB>,
  f: SubmissionFilter,
  o: ListOptions = {},
  now = Date.now(),
): Promise<ListedSubmission[]> {
  const limit = Math.min(Math.max(1, o.limit ?? 100), 10_000);
  const rows = await ordered(
    db.selectFrom('submissions').selectAll('submissions').where(matching(f)),
    o.order ?? 'newest',
  )
    .limit(limit)
    .offset(Math.max(0, o.offset ?? 0))
    .execute();
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [tags, claims] = await Promise.all([
    db.selectFrom('submission_tags').select(['submission_id', 'tag', 'p']).where('submission_id', 'in', ids).execute(),
    db
      .selectFrom('claims')
      .select(['submission_id', 'reviewer', 'expires_at'])
      .where('submission_id', 'in', ids)
      .where('expires_at', '>', now)
      .execute(),
  ]);
  const tagsOf = new Map<number, { tag: string; p: number }[]>();
  for (const t of tags) tagsOf.set(t.submission_id, [...(tagsOf.get(t.submission_id) ?? []), { tag: t.tag, p: t.p }]);
  const claimOf = new Map(claims.map((c) => [c.submission_id, { reviewer: c.reviewer, expiresAt: c.expires_at }]));
  return rows.map((r) => ({
    ...toSummary(r),
    tags: (tagsOf.get(r.id) ?? []).sort((a, b) => b.p - a.p),
    claim: claimOf.get(r.id) ?? null,
  }));
}

export async function countSubmissions(db: Kysely<DB>, f: SubmissionFilter): Promise<number> {
  const r = await db
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(matching(f))
    .executeTakeFirstOrThrow();
  return r.n;
}

/** Everything recorded about one submission: what a TA opens to review it. */
export interface SubmissionDetail extends ListedSubmission {
  report: TestReport;
  prediction: CheckedGradingRecord['prediction'];
  feedback: { comment: string; checkTitle: string; checkSummary: string };
  testResults: { id: string; suite: string; n: number; hidden: boolean; verdict: string; points: number }[];
  /** The source's exact bytes, or null when it was too large to keep or has been purged. */
  sourceContent: Buffer | null;
}

export async function getSubmission(db: Kysely<DB>, id: number, now = Date.now()): Promise<SubmissionDetail | null> {
  const [listed] = await listSubmissions(db, { ids: [id] }, { limit: 1 }, now);
  if (!listed) return null;
  const [details, tests, source] = await Promise.all([
    db.selectFrom('submission_details').selectAll().where('submission_id', '=', id).executeTakeFirstOrThrow(),
    db.selectFrom('submission_tests').selectAll().where('submission_id', '=', id).orderBy('test_id').execute(),
    db.selectFrom('submission_sources').selectAll().where('submission_id', '=', id).executeTakeFirst(),
  ]);
  return {
    ...listed,
    report: JSON.parse(details.report) as TestReport,
    prediction: parseJson(details.prediction),
    feedback: { comment: details.comment, checkTitle: details.check_title, checkSummary: details.check_summary },
    testResults: tests.map((t) => ({
      id: t.test_id,
      suite: t.suite,
      n: t.n,
      hidden: t.hidden === 1,
      verdict: t.verdict,
      points: t.points,
    })),
    sourceContent: source ? decodeSource(source) : null,
  };
}
