import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { matching, type SubmissionFilter } from './submission-rows.js';

export interface AssignmentSummary {
  name: string;
  /** Gradings recorded (every push graded is one). */
  submissions: number;
  /** Distinct students who submitted. */
  students: number;
  /** Gradings that passed every test. */
  passed: number;
  /** Students with at least one passing grading. */
  studentsPassed: number;
  /** passed / submissions */
  passRate: number;
  flagged: number;
  /** Gradings a TA has reviewed. */
  reviewed: number;
  /** The model's fix types over the failing gradings: type → count. */
  fixTypes: Record<string, number>;
}

export interface TermSummary {
  /** The term summarised: the one asked for, else the latest recorded; null when nothing is. */
  term: string | null;
  assignments: AssignmentSummary[];
}

export interface TermInfo {
  term: string;
  submissions: number;
  firstReceivedAt: number;
  lastReceivedAt: number;
}

export async function terms(db: Kysely<DB>): Promise<TermInfo[]> {
  const rows = await db
    .selectFrom('submissions')
    .select((eb) => [
      'term',
      eb.fn.countAll<number>().as('submissions'),
      eb.fn.min('received_at').as('first'),
      eb.fn.max('received_at').as('last'),
    ])
    .groupBy('term')
    .orderBy('last', 'desc')
    .execute();
  return rows.map((r) => ({
    term: r.term,
    submissions: r.submissions,
    firstReceivedAt: r.first,
    lastReceivedAt: r.last,
  }));
}

/** The term of the most recently received grading. */
export async function latestTerm(db: Kysely<DB>): Promise<string | null> {
  const r = await db
    .selectFrom('submissions')
    .select('term')
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.term ?? null;
}

/** Per assignment of one term: two grouped scans over the term's index, whatever the term's size. */
export async function termSummary(
  db: Kysely<DB>,
  f: { term?: string } & Omit<SubmissionFilter, 'term'> = {},
): Promise<TermSummary> {
  const term = f.term ?? (await latestTerm(db));
  if (term === null) return { term: null, assignments: [] };
  const where = matching({ ...f, term });
  const [totals, mix] = await Promise.all([
    db
      .selectFrom('submissions')
      .select((eb) => [
        'assignment',
        eb.fn.countAll<number>().as('submissions'),
        sql<number>`count(distinct student_login)`.as('students'),
        sql<number>`coalesce(sum(passed), 0)`.as('passed'),
        sql<number>`count(distinct case when passed = 1 then student_login end)`.as('students_passed'),
        sql<number>`coalesce(sum(flagged), 0)`.as('flagged'),
        sql<number>`coalesce(sum(case when review_count > 0 then 1 else 0 end), 0)`.as('reviewed'),
      ])
      .where(where)
      .groupBy('assignment')
      .orderBy('assignment')
      .execute(),
    db
      .selectFrom('submissions')
      .select((eb) => ['assignment', 'fix_type', eb.fn.countAll<number>().as('n')])
      .where(where)
      .where('fix_type', 'is not', null)
      .groupBy(['assignment', 'fix_type'])
      .execute(),
  ]);
  return {
    term,
    assignments: totals.map((t) => ({
      name: t.assignment,
      submissions: t.submissions,
      students: t.students,
      passed: t.passed,
      studentsPassed: t.students_passed,
      passRate: t.submissions ? t.passed / t.submissions : 0,
      flagged: t.flagged,
      reviewed: t.reviewed,
      fixTypes: Object.fromEntries(
        mix
          .filter((m) => m.assignment === t.assignment)
          .sort((a, b) => b.n - a.n || a.fix_type!.localeCompare(b.fix_type!))
          .map((m) => [m.fix_type!, m.n]),
      ),
    })),
  };
}

/** A dashboard group: one assignment, verdict, predicted fix type and set of failing tests. */
export interface SubmissionGroup {
  assignment: string;
  verdict: string;
  fixType: string | null;
  failingTests: string[];
  submissions: number;
  students: number;
  flagged: number;
  unreviewed: number;
  oldestReceivedAt: number;
  /** The group's first submission, to open as its example. */
  firstId: number;
}

export async function groupSubmissions(db: Kysely<DB>, f: SubmissionFilter = {}): Promise<SubmissionGroup[]> {
  const rows = await db
    .selectFrom('submissions')
    .select((eb) => [
      'assignment',
      'verdict',
      'fix_type',
      'failing_tests',
      eb.fn.countAll<number>().as('submissions'),
      sql<number>`count(distinct student_login)`.as('students'),
      sql<number>`coalesce(sum(flagged), 0)`.as('flagged'),
      sql<number>`coalesce(sum(case when review_count = 0 then 1 else 0 end), 0)`.as('unreviewed'),
      eb.fn.min('received_at').as('oldest'),
      eb.fn.min('id').as('first_id'),
    ])
    .where(matching(f))
    .groupBy(['assignment', 'verdict', 'fix_type', 'failing_tests'])
    .orderBy('submissions', 'desc')
    .orderBy('assignment')
    .orderBy('first_id')
    .execute();
  return rows.map((r) => ({
    assignment: r.assignment,
    verdict: r.verdict,
    fixType: r.fix_type,
    failingTests: JSON.parse(r.failing_tests) as string[],
    submissions: r.submissions,
    students: r.students,
    flagged: r.flagged,
    unreviewed: r.unreviewed,
    oldestReceivedAt: r.oldest,
    firstId: r.first_id,
  }));
}
