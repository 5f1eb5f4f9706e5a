import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './connect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- a migration runs against the schema as it was then, not DB */
type AnyDb = Kysely<any>;

/** 0/1 with a check, the one portable boolean. */
const flag = (name: string) => (c: ColumnDefinitionBuilder) => c.notNull().check(sql`${sql.ref(name)} in (0, 1)`);

function withId<T extends string>(t: CreateTableBuilder<T, never>, dialect: Dialect): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? t.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

const fkSubmission = (c: ColumnDefinitionBuilder) => c.notNull().references('submissions.id').onDelete('cascade');

/**
 * The first schema: every grading and what the TA dashboard (reviews, claims, sessions) and
 * the term loop (model versions, the alias log, per-assignment modes) need, so that those
 * features add queries, not migrations.
 */
function initial(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      // before submissions, which reference it
      await db.schema
        .createTable('model_versions')
        .addColumn('version', 'text', (c) => c.primaryKey())
        .addColumn('registered_at', 'bigint', (c) => c.notNull())
        .addColumn('registered_by', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text')
        .addColumn('manifest', 'text')
        .addColumn('notes', 'text', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('submissions'), dialect)
        .addColumn('job_id', 'text', (c) => c.notNull().unique())
        .addColumn('course', 'text', (c) => c.notNull())
        .addColumn('term', 'text', (c) => c.notNull())
        .addColumn('assignment', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) =>
          c
            .notNull()
            .defaultTo('live')
            .check(sql`mode in ('live', 'shadow')`),
        )
        .addColumn('installation_id', 'bigint')
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('repository_id', 'bigint')
        .addColumn('student_login', 'text', (c) => c.notNull())
        .addColumn('student_id', 'bigint')
        .addColumn('commit_sha', 'text', (c) => c.notNull())
        .addColumn('branch', 'text')
        .addColumn('pull_request', 'integer')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('delivery_id', 'text')
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('graded_at', 'bigint', (c) => c.notNull())
        .addColumn('recorded_at', 'bigint', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', flag('passed'))
        .addColumn('compiled', 'integer', flag('compiled'))
        .addColumn('tests_total', 'integer', (c) => c.notNull())
        .addColumn('tests_passed', 'integer', (c) => c.notNull())
        .addColumn('hidden_total', 'integer', (c) => c.notNull())
        .addColumn('hidden_passed', 'integer', (c) => c.notNull())
        .addColumn('points_earned', 'double precision')
        .addColumn('points_possible', 'double precision')
        .addColumn('failing_tests', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.references('model_versions.version'))
        .addColumn('fix_type', 'text')
        .addColumn('confidence', 'double precision')
        .addColumn('flagged', 'integer', flag('flagged'))
        .addColumn('flag_reasons', 'text', (c) => c.notNull())
        .addColumn('conclusion', 'text', (c) => c.notNull())
        .addColumn('check_run_id', 'bigint')
        .addColumn('comment_id', 'bigint')
        .addColumn('comment_kind', 'text')
        .addColumn('published_at', 'bigint')
        .addColumn('review_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reviewed_at', 'bigint')
        .addColumn('last_review_id', 'integer')
        .addColumn('source_file', 'text', (c) => c.notNull())
        .addColumn('source_bytes', 'integer', (c) => c.notNull())
        .addColumn('source_sha256', 'text', (c) => c.notNull())
        .addColumn('source_state', 'text', (c) =>
          c.notNull().check(sql`source_state in ('kept', 'too_large', 'purged')`),
        )
        .execute();

      await db.schema
        .createTable('submission_details')
        .addColumn('submission_id', 'integer', (c) => fkSubmission(c).primaryKey())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('prediction', 'text')
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('check_title', 'text', (c) => c.notNull())
        .addColumn('check_summary', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('submission_sources')
        .addColumn('submission_id', 'integer', (c) => fkSubmission(c).primaryKey())
        .addColumn('encoding', 'text', (c) => c.notNull().check(sql`encoding in ('utf8', 'base64')`))
        .addColumn('content', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('submission_tests')
        .addColumn('submission_id', 'integer', fkSubmission)
        .addColumn('test_id', 'text', (c) => c.notNull())
        .addColumn('suite', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('hidden', 'integer', flag('hidden'))
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('points', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('submission_tests_pk', ['submission_id', 'test_id'])
        .execute();

      await db.schema
        .createTable('submission_tags')
        .addColumn('submission_id', 'integer', fkSubmission)
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('p', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('submission_tags_pk', ['submission_id', 'tag'])
        .execute();

      await withId(db.schema.createTable('reviews'), dialect)
        .addColumn('submission_id', 'integer', fkSubmission)
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('reviewer_id', 'bigint')
        .addColumn('started_at', 'bigint')
        .addColumn('reviewed_at', 'bigint', (c) => c.notNull())
        .addColumn('time_spent_ms', 'bigint')
        .addColumn('fix_type', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('predicted_fix_type', 'text')
        .addColumn('agrees', 'integer', (c) => c.check(sql`agrees in (0, 1)`))
        .addColumn('model_version', 'text')
        .execute();

      await db.schema
        .createTable('claims')
        .addColumn('submission_id', 'integer', (c) => fkSubmission(c).primaryKey())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('login', 'text', (c) => c.notNull())
        .addColumn('user_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('model_aliases')
        .addColumn('alias', 'text', (c) => c.primaryKey())
        .addColumn('version', 'text', (c) => c.notNull().references('model_versions.version'))
        .addColumn('moved_at', 'bigint', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .execute();

      await withId(db.schema.createTable('model_alias_log'), dialect)
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('from_version', 'text')
        .addColumn('to_version', 'text', (c) => c.notNull())
        .addColumn('moved_at', 'bigint', (c) => c.notNull())
        .addColumn('moved_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('assignment_modes')
        .addColumn('assignment', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('live', 'shadow')`))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      const index = (name: string, table: string, columns: string[]) =>
        db.schema.createIndex(name).on(table).columns(columns).execute();
      // term summary and exports: one term, by assignment
      await index('submissions_term_assignment', 'submissions', ['term', 'assignment']);
      // the review queue: a term's flagged, unreviewed items by age or by uncertainty
      await index('submissions_queue_age', 'submissions', ['term', 'flagged', 'review_count', 'received_at']);
      await index('submissions_queue_confidence', 'submissions', ['term', 'flagged', 'review_count', 'confidence']);
      // the latest term, date filters, retention
      await index('submissions_received_at', 'submissions', ['received_at']);
      await index('submissions_graded_at', 'submissions', ['graded_at']);
      await index('submissions_student', 'submissions', ['student_login']);
      await index('submission_tags_tag', 'submission_tags', ['tag', 'submission_id']);
      await index('reviews_submission', 'reviews', ['submission_id']);
      await index('reviews_reviewer', 'reviews', ['reviewer', 'reviewed_at']);
      await index('sessions_expires', 'sessions', ['expires_at']);
      await index('model_alias_log_alias', 'model_alias_log', ['alias', 'moved_at']);
    },
  };
}

/**
 * Every migration, in order (names sort). Never edit one that has shipped: add the next.
 * Both databases run the same list.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return { '0001_initial': initial(dialect) };
}
