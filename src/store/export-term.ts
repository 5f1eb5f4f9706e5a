import path from 'node:path';
import type { Kysely } from 'kysely';
import { csvLine } from './csv.js';
import { decodeSource } from './record-grading.js';
import { toReview, type Review } from './reviews.js';
import type { DB } from './schema.js';
import { matching, toSummary, type SubmissionFilter, type SubmissionSummary } from './submission-rows.js';

/** One graded submission as exported: the row, the model's tags, its latest review, its source. */
export interface ExportRow extends SubmissionSummary {
  tags: { tag: string; p: number }[];
  review: Review | null;
  /** null when not asked for, too large to keep, or purged. */
  sourceContent: Buffer | null;
}

export interface ExportOptions extends SubmissionFilter {
  /** Only submissions a TA has labelled (the rows retraining can use). */
  reviewedOnly?: boolean;
  withSources?: boolean;
  /** Rows fetched per query: the export streams, so a large term does not sit in memory. */
  pageSize?: number;
}

/** Every matching submission in id order, page by page (keyset on id: stable while gradings arrive). */
export async function* exportRows(db: Kysely<DB>, o: ExportOptions): AsyncGenerator<ExportRow> {
  const f: SubmissionFilter = { ...o, ...(o.reviewedOnly ? { reviewed: true } : {}) };
  const pageSize = o.pageSize ?? 500;
  let after = 0;
  while (true) {
    const rows = await db
      .selectFrom('submissions')
      .selectAll()
      .where(matching(f))
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    if (!rows.length) return;
    const ids = rows.map((r) => r.id);
    const reviewIds = rows.flatMap((r) => (r.last_review_id === null ? [] : [r.last_review_id]));
    const [tags, reviews, sources] = await Promise.all([
      db.selectFrom('submission_tags').selectAll().where('submission_id', 'in', ids).execute(),
      reviewIds.length ? db.selectFrom('reviews').selectAll().where('id', 'in', reviewIds).execute() : [],
      o.withSources ? db.selectFrom('submission_sources').selectAll().where('submission_id', 'in', ids).execute() : [],
    ]);
    const review = new Map(reviews.map((r) => [r.submission_id, toReview(r)]));
    const source = new Map(sources.map((s) => [s.submission_id, decodeSource(s)]));
    for (const r of rows)
      yield {
        ...toSummary(r),
        tags: tags
          .filter((t) => t.submission_id === r.id)
          .map((t) => ({ tag: t.tag, p: t.p }))
          .sort((a, b) => b.p - a.p),
        review: review.get(r.id) ?? null,
        sourceContent: source.get(r.id) ?? null,
      };
    after = ids[ids.length - 1]!;
    if (rows.length < pageSize) return;
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const CSV_COLUMNS: [string, (r: ExportRow) => string | number | boolean | null][] = [
  ['id', (r) => r.id],
  ['term', (r) => r.term],
  ['assignment', (r) => r.assignment],
  ['student', (r) => r.student.login],
  ['student_id', (r) => r.student.id],
  ['repository', (r) => r.repository],
  ['commit', (r) => r.commit],
  ['branch', (r) => r.branch],
  ['pull_request', (r) => r.pullRequest],
  ['received_at', (r) => iso(r.receivedAt)],
  ['graded_at', (r) => iso(r.gradedAt)],
  ['verdict', (r) => r.verdict],
  ['tests_passed', (r) => r.tests.passed],
  ['tests_total', (r) => r.tests.total],
  ['points_earned', (r) => r.points?.earned ?? null],
  ['points_possible', (r) => r.points?.possible ?? null],
  ['failing_tests', (r) => r.failingTests.join(' ')],
  ['model_version', (r) => r.modelVersion],
  ['fix_type', (r) => r.fixType],
  ['confidence', (r) => (r.confidence === null ? null : Number(r.confidence.toFixed(4)))],
  ['tags', (r) => r.tags.map((t) => t.tag).join(' ')],
  ['flagged', (r) => (r.flagged ? 1 : 0)],
  ['flag_reasons', (r) => r.flagReasons.join('; ')],
  ['mode', (r) => r.mode],
  ['check_run_id', (r) => r.checkRunId],
  ['comment_id', (r) => r.commentId],
  ['reviewed_by', (r) => r.review?.reviewer ?? null],
  ['reviewed_at', (r) => iso(r.review?.reviewedAt ?? null)],
  ['label_fix_type', (r) => r.review?.fixType ?? null],
  ['label_tags', (r) => r.review?.tags.join(' ') ?? null],
  ['review_note', (r) => r.review?.note ?? null],
  ['source_state', (r) => r.source.state],
];

export const csvHeader = (): string => csvLine(CSV_COLUMNS.map(([name]) => name));
export const csvRow = (r: ExportRow): string => csvLine(CSV_COLUMNS.map(([, get]) => get(r)));

const safe = (s: string) => s.replace(/[^\w.-]+/g, '_');

/** Where `term export --out` writes a row's source, relative to the export folder. */
export function sourcePath(r: ExportRow): string {
  return path.posix.join('submissions', safe(r.assignment), `${r.id}-${safe(r.student.login)}-${safe(r.source.file)}`);
}

/**
 * A row in the labels format `retrain --labels` reads (training/load-labelled-folder.ts): file,
 * assignment, student, and, when a TA has labelled it, fix_type, tags and teacher "ta". An
 * unlabelled row has no fix_type, so retraining skips it and says so; the model's own
 * prediction is under `predicted`, never as the label. The rest is provenance.
 */
export function labelsRow(r: ExportRow, o: { inlineSource: boolean }): Record<string, unknown> {
  return {
    file: sourcePath(r),
    assignment: r.assignment,
    student: r.student.login,
    ...(r.review ? { fix_type: r.review.fixType, tags: r.review.tags, teacher: 'ta' } : {}),
    submission_id: r.id,
    job_id: r.jobId,
    term: r.term,
    repository: r.repository,
    commit: r.commit,
    graded_at: iso(r.gradedAt),
    verdict: r.verdict,
    failing_tests: r.failingTests,
    predicted: r.fixType
      ? { fix_type: r.fixType, confidence: r.confidence, tags: r.tags.map((t) => t.tag), model_version: r.modelVersion }
      : null,
    flagged: r.flagged,
    review: r.review
      ? {
          id: r.review.id,
          reviewer: r.review.reviewer,
          reviewed_at: iso(r.review.reviewedAt),
          time_spent_ms: r.review.timeSpentMs,
          note: r.review.note,
          agrees: r.review.agrees,
        }
      : null,
    source_state: r.source.state,
    ...(o.inlineSource ? { source: r.sourceContent?.toString('utf8') ?? null } : {}),
  };
}
