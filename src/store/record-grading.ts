import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { Kysely } from 'kysely';
import { checkInput } from './check-input.js';
import { CourseMismatchError } from './errors.js';
import {
  gradingRecordSchema,
  publicationSchema,
  type CheckedGradingRecord,
  type GradingRecord,
  type Publication,
} from './grading-record.js';
import { bit, text } from './normalise.js';
import type { DB } from './schema.js';

export interface Recorded {
  /** The submission's row id. */
  id: number;
  /** false when the job had been recorded before: nothing was added. */
  created: boolean;
}

/** Checks a record, with every problem named; nothing is written when one is bad. */
export const checkRecord = (input: GradingRecord): CheckedGradingRecord =>
  checkInput(gradingRecordSchema, input, `grading record${typeof input?.jobId === 'string' ? ` ${input.jobId}` : ''}`);

function encodeSource(content: Buffer | string): { encoding: 'utf8' | 'base64'; content: string; bytes: Buffer } {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // kept byte for byte: text when it is clean UTF-8, else base64 (PostgreSQL text holds no NUL)
  return isUtf8(bytes) && !bytes.includes(0)
    ? { encoding: 'utf8', content: bytes.toString('utf8'), bytes }
    : { encoding: 'base64', content: bytes.toString('base64'), bytes };
}

/** The failing tests as one canonical value (sorted JSON), so the dashboard can group by it. */
export const failingTestsKey = (r: CheckedGradingRecord['report']): string =>
  JSON.stringify(
    r.tests
      .filter((t) => t.verdict !== 'PASS')
      .map((t) => t.id)
      .sort(),
  );

/** The database holds one course: the first recording names it, a recording for another is refused. */
export async function ensureCourse(trx: Kysely<DB>, course: string): Promise<void> {
  await trx
    .insertInto('meta')
    .values({ key: 'course', value: course })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await trx.selectFrom('meta').select('value').where('key', '=', 'course').executeTakeFirstOrThrow();
  if (row.value !== course)
    throw new CourseMismatchError(
      `this database holds course "${row.value}", not "${course}": each course's students stay in its own database`,
    );
}

/** Fills in the publication ids a row does not have yet; ids already recorded are kept. */
export async function applyPublication(trx: Kysely<DB>, jobId: string, p: Publication): Promise<number> {
  const pub = checkInput(publicationSchema, p, 'publication');
  const r = await trx
    .updateTable('submissions')
    .set((eb) => ({
      check_run_id: eb.fn.coalesce('check_run_id', eb.val(pub.checkRunId)),
      comment_id: eb.fn.coalesce('comment_id', eb.val(pub.commentId)),
      comment_kind: eb.fn.coalesce('comment_kind', eb.val(pub.commentKind)),
      published_at: eb.fn.coalesce('published_at', eb.val(pub.publishedAt)),
    }))
    .where('job_id', '=', jobId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Records one checked grading inside the caller's transaction. The job id is unique: a
 * retried or redelivered job finds its row and adds nothing (beyond publication ids that
 * were missing), so a job may record as often as the queue runs it.
 */
export async function recordOne(
  trx: Kysely<DB>,
  g: CheckedGradingRecord,
  o: { now: number; maxSourceBytes: number },
): Promise<Recorded> {
  const src = encodeSource(g.source.content);
  const keep = src.bytes.length <= o.maxSourceBytes;
  const r = g.report;
  const p = g.prediction;
  if (g.modelVersion)
    await trx
      .insertInto('model_versions')
      .values({
        version: g.modelVersion,
        registered_at: o.now,
        registered_by: 'grading',
        sha256: null,
        manifest: null,
        notes: '',
      })
      .onConflict((oc) => oc.column('version').doNothing())
      .execute();
  const inserted = await trx
    .insertInto('submissions')
    .values({
      job_id: g.jobId,
      course: g.course,
      term: g.term,
      assignment: g.assignment,
      mode: g.mode,
      installation_id: g.installationId,
      repository: g.repository,
      repository_id: g.repositoryId,
      student_login: g.student.login,
      student_id: g.student.id,
      commit_sha: g.commit,
      branch: g.branch,
      pull_request: g.pullRequest,
      trigger: g.trigger,
      delivery_id: g.deliveryId,
      received_at: g.receivedAt,
      graded_at: g.gradedAt,
      recorded_at: o.now,
      verdict: r.verdict,
      passed: bit(r.verdict === 'PASS'),
      compiled: bit(r.compiled),
      tests_total: r.summary.total,
      tests_passed: r.summary.passed,
      hidden_total: r.summary.hiddenTotal,
      hidden_passed: r.summary.hiddenPassed,
      points_earned: r.summary.points?.earned ?? null,
      points_possible: r.summary.points?.possible ?? null,
      failing_tests: failingTestsKey(r),
      model_version: p ? g.modelVersion : null,
      fix_type: p?.fixType ?? null,
      confidence: p?.confidence ?? null,
      flagged: bit(g.review.flagged),
      flag_reasons: JSON.stringify(g.review.reasons.map(text)),
      conclusion: g.feedback.conclusion,
      check_run_id: g.publication?.checkRunId ?? null,
      comment_id: g.publication?.commentId ?? null,
      comment_kind: g.publication?.commentKind ?? null,
      published_at: g.publication?.publishedAt ?? null,
      reviewed_at: null,
      last_review_id: null,
      source_file: g.source.fileName,
      source_bytes: src.bytes.length,
      source_sha256: createHash('sha256').update(src.bytes).digest('hex'),
      source_state: keep ? 'kept' : 'too_large',
    })
    .onConflict((oc) => oc.column('job_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await trx
      .selectFrom('submissions')
      .select('id')
      .where('job_id', '=', g.jobId)
      .executeTakeFirstOrThrow();
    if (g.publication) await applyPublication(trx, g.jobId, g.publication);
    return { id: existing.id, created: false };
  }
  const id = inserted.id;
  await trx
    .insertInto('submission_details')
    .values({
      submission_id: id,
      report: JSON.stringify(r),
      prediction: p ? JSON.stringify(p) : null,
      comment: text(g.feedback.comment),
      check_title: text(g.feedback.checkTitle),
      check_summary: text(g.feedback.checkSummary),
    })
    .execute();
  if (keep)
    await trx
      .insertInto('submission_sources')
      .values({ submission_id: id, encoding: src.encoding, content: src.content })
      .execute();
  if (r.tests.length)
    await trx
      .insertInto('submission_tests')
      .values(
        r.tests.map((t) => ({
          submission_id: id,
          test_id: t.id,
          suite: t.suite,
          n: t.n,
          hidden: bit(t.hidden),
          verdict: t.verdict,
          points: t.points,
        })),
      )
      .execute();
  if (p?.tags.length)
    await trx
      .insertInto('submission_tags')
      .values(p.tags.map((t) => ({ submission_id: id, tag: t.tag, p: t.p })))
      .execute();
  return { id, created: true };
}

/** Decodes a stored source back to its exact bytes. */
export function decodeSource(row: { encoding: string; content: string }): Buffer {
  return Buffer.from(row.content, row.encoding === 'base64' ? 'base64' : 'utf8');
}
