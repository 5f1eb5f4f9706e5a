import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { z } from 'zod';
import { checkInput } from './check-input.js';
import { NotFoundError } from './errors.js';
import { epochMs } from './grading-record.js';
import { text } from './normalise.js';
import type { DB, ReviewsTable } from './schema.js';
import type { Selectable } from 'kysely';

export const reviewInputSchema = z
  .object({
    submissionId: z.number().int().positive(),
    /** The TA's GitHub login. */
    reviewer: z.string().min(1),
    reviewerId: z.number().int().positive().nullable().default(null),
    /** When the TA opened the item; with reviewedAt it gives the time spent when that is not given. */
    startedAt: epochMs.nullable().default(null),
    reviewedAt: epochMs,
    timeSpentMs: z.number().int().min(0).nullable().default(null),
    /** The label: a fix type and its tags (the dashboard checks them against the taxonomy). */
    fixType: z.string().min(1),
    tags: z.array(z.string().min(1)).max(8),
    note: z.string().max(10_000).default(''),
  })
  .refine((r) => r.startedAt === null || r.startedAt <= r.reviewedAt, {
    message: 'startedAt is after reviewedAt',
    path: ['startedAt'],
  });
export type ReviewInput = z.input<typeof reviewInputSchema>;

export interface Review {
  id: number;
  submissionId: number;
  reviewer: string;
  reviewerId: number | null;
  startedAt: number | null;
  reviewedAt: number;
  timeSpentMs: number | null;
  fixType: string;
  tags: string[];
  note: string;
  predictedFixType: string | null;
  /** The TA's fix type is the model's (null: the model said nothing). */
  agrees: boolean | null;
  modelVersion: string | null;
}

export function toReview(r: Selectable<ReviewsTable>): Review {
  return {
    id: r.id,
    submissionId: r.submission_id,
    reviewer: r.reviewer,
    reviewerId: r.reviewer_id,
    startedAt: r.started_at,
    reviewedAt: r.reviewed_at,
    timeSpentMs: r.time_spent_ms,
    fixType: r.fix_type,
    tags: JSON.parse(r.tags) as string[],
    note: r.note,
    predictedFixType: r.predicted_fix_type,
    agrees: r.agrees === null ? null : r.agrees === 1,
    modelVersion: r.model_version,
  };
}

export const checkReview = (input: ReviewInput): z.output<typeof reviewInputSchema> =>
  checkInput(reviewInputSchema, input, 'review');

/**
 * A TA's label for a submission, kept beside the model's prediction it answers (for
 * agreement figures). The submission becomes reviewed and the TA's claim on it ends. A
 * submission may be reviewed again: the latest review is its label.
 */
export async function recordReview(trx: Kysely<DB>, r: z.output<typeof reviewInputSchema>): Promise<Review> {
  const s = await trx
    .selectFrom('submissions')
    .select(['fix_type', 'model_version'])
    .where('id', '=', r.submissionId)
    .executeTakeFirst();
  if (!s) throw new NotFoundError(`no submission ${r.submissionId}`);
  const row = await trx
    .insertInto('reviews')
    .values({
      submission_id: r.submissionId,
      reviewer: r.reviewer,
      reviewer_id: r.reviewerId,
      started_at: r.startedAt,
      reviewed_at: r.reviewedAt,
      time_spent_ms: r.timeSpentMs ?? (r.startedAt === null ? null : r.reviewedAt - r.startedAt),
      fix_type: r.fixType,
      tags: JSON.stringify(r.tags),
      note: text(r.note),
      predicted_fix_type: s.fix_type,
      agrees: s.fix_type === null ? null : s.fix_type === r.fixType ? 1 : 0,
      model_version: s.model_version,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('submissions')
    .set((eb) => ({ review_count: eb('review_count', '+', 1), reviewed_at: r.reviewedAt, last_review_id: row.id }))
    .where('id', '=', r.submissionId)
    .execute();
  await trx
    .deleteFrom('claims')
    .where('submission_id', '=', r.submissionId)
    .where('reviewer', '=', r.reviewer)
    .execute();
  return toReview(row);
}

/**
 * Takes back a TA's review: their latest review of the submission, when it is the
 * submission's latest (a label another TA gave since stays). The submission's review count,
 * time and latest review fall back to what they were. Returns the removed review, or null.
 */
export async function undoReview(
  trx: Kysely<DB>,
  o: { submissionId: number; reviewer: string },
): Promise<Review | null> {
  const sub = await trx
    .selectFrom('submissions')
    .select(['last_review_id'])
    .where('id', '=', o.submissionId)
    .executeTakeFirst();
  if (!sub) throw new NotFoundError(`no submission ${o.submissionId}`);
  if (sub.last_review_id === null) return null;
  const last = await trx.selectFrom('reviews').selectAll().where('id', '=', sub.last_review_id).executeTakeFirst();
  if (!last || last.reviewer !== o.reviewer) return null;
  await trx.deleteFrom('reviews').where('id', '=', last.id).execute();
  const before = await trx
    .selectFrom('reviews')
    .select(['id', 'reviewed_at'])
    .where('submission_id', '=', o.submissionId)
    .orderBy('reviewed_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  await trx
    .updateTable('submissions')
    .set((eb) => ({
      review_count: eb('review_count', '-', 1),
      reviewed_at: before?.reviewed_at ?? null,
      last_review_id: before?.id ?? null,
    }))
    .where('id', '=', o.submissionId)
    .execute();
  return toReview(last);
}

export interface ReviewFilter {
  submissionId?: number;
  reviewer?: string;
  term?: string;
  since?: number;
  until?: number;
}

/** Reviews joined to their submissions, narrowed by the filter. */
function reviewsMatching(db: Kysely<DB>, f: ReviewFilter) {
  return db
    .selectFrom('reviews')
    .innerJoin('submissions', 'submissions.id', 'reviews.submission_id')
    .where((eb) => {
      const c: Expression<SqlBool>[] = [];
      if (f.submissionId !== undefined) c.push(eb('reviews.submission_id', '=', f.submissionId));
      if (f.reviewer !== undefined) c.push(eb('reviews.reviewer', '=', f.reviewer));
      if (f.term !== undefined) c.push(eb('submissions.term', '=', f.term));
      if (f.since !== undefined) c.push(eb('reviews.reviewed_at', '>=', f.since));
      if (f.until !== undefined) c.push(eb('reviews.reviewed_at', '<', f.until));
      return eb.and(c);
    });
}

export async function listReviews(db: Kysely<DB>, f: ReviewFilter = {}): Promise<Review[]> {
  const rows = await reviewsMatching(db, f)
    .selectAll('reviews')
    .orderBy('reviews.reviewed_at')
    .orderBy('reviews.id')
    .execute();
  return rows.map(toReview);
}

/**
 * The model against the TAs on one assignment: for each reviewed submission the model made a
 * prediction for, whether its latest review agrees, and the model's confidence. What decides
 * whether an assignment in shadow mode goes live.
 */
export async function reviewedPredictions(
  db: Kysely<DB>,
  f: { term: string; assignment: string },
): Promise<{ agrees: boolean; confidence: number }[]> {
  const rows = await db
    .selectFrom('submissions')
    .innerJoin('reviews', 'reviews.id', 'submissions.last_review_id')
    .select(['reviews.agrees as agrees', 'submissions.confidence as confidence'])
    .where('submissions.term', '=', f.term)
    .where('submissions.assignment', '=', f.assignment)
    .where('reviews.agrees', 'is not', null)
    .where('submissions.confidence', 'is not', null)
    .execute();
  return rows.map((r) => ({ agrees: r.agrees === 1, confidence: Number(r.confidence) }));
}

export interface ReviewerStats {
  reviewer: string;
  reviews: number;
  submissions: number;
  /** Sum and mean of the time spent over the reviews that measured it. */
  timeSpentMs: number;
  meanTimeSpentMs: number | null;
  /** Reviews where the model had a prediction, and those where the TA agreed with it. */
  withPrediction: number;
  agreed: number;
}

export async function reviewerStats(
  db: Kysely<DB>,
  f: Omit<ReviewFilter, 'submissionId'> = {},
): Promise<ReviewerStats[]> {
  const rows = await reviewsMatching(db, f)
    .select((eb) => [
      'reviews.reviewer',
      eb.fn.countAll<number>().as('reviews'),
      sql<number>`count(distinct reviews.submission_id)`.as('submissions'),
      sql<number>`coalesce(sum(reviews.time_spent_ms), 0)`.as('time_spent'),
      sql<number | null>`avg(reviews.time_spent_ms)`.as('mean_time'),
      sql<number>`count(reviews.agrees)`.as('with_prediction'),
      sql<number>`coalesce(sum(reviews.agrees), 0)`.as('agreed'),
    ])
    .groupBy('reviews.reviewer')
    .orderBy('reviews.reviewer')
    .execute();
  return rows.map((r) => ({
    reviewer: r.reviewer,
    reviews: r.reviews,
    submissions: r.submissions,
    timeSpentMs: r.time_spent,
    meanTimeSpentMs: r.mean_time === null ? null : Math.round(r.mean_time),
    withPrediction: r.with_prediction,
    agreed: r.agreed,
  }));
}

/** Model versus TA over each submission's latest review: how often, per assignment and fix type pair. */
export interface AgreementCell {
  assignment: string;
  predicted: string | null;
  labelled: string;
  n: number;
}

export async function agreement(
  db: Kysely<DB>,
  f: { term?: string; modelVersion?: string } = {},
): Promise<AgreementCell[]> {
  const rows = await db
    .selectFrom('submissions')
    .innerJoin('reviews', 'reviews.id', 'submissions.last_review_id')
    .select((eb) => [
      'submissions.assignment',
      'reviews.predicted_fix_type',
      'reviews.fix_type',
      eb.fn.countAll<number>().as('n'),
    ])
    .$if(f.term !== undefined, (q) => q.where('submissions.term', '=', f.term!))
    .$if(f.modelVersion !== undefined, (q) => q.where('reviews.model_version', '=', f.modelVersion!))
    .groupBy(['submissions.assignment', 'reviews.predicted_fix_type', 'reviews.fix_type'])
    .orderBy('submissions.assignment')
    .orderBy('n', 'desc')
    .orderBy((eb) => eb.fn.coalesce('reviews.predicted_fix_type', eb.val('')))
    .orderBy('reviews.fix_type')
    .execute();
  return rows.map((r) => ({ assignment: r.assignment, predicted: r.predicted_fix_type, labelled: r.fix_type, n: r.n }));
}
