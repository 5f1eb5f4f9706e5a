import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadCourse } from '../course/course.js';
import { csvLine } from '../store/csv.js';
import { csvHeader, csvRow, labelsRow, sourcePath } from '../store/export-term.js';
import type { ListedSubmission } from '../store/list-submissions.js';
import { openStore, type Store } from '../store/store.js';
import type { TermSummary } from '../store/term-summary.js';
import { textTable } from '../store/text-table.js';
import { CliError } from './cli-error.js';

const DB_HELP = 'an SQLite file or a postgres:// URL (default: $DATABASE_URL, else data/fixsense.db)';
const out = (s: string) => process.stdout.write(s);
const note = (s: string) => process.stderr.write(`${s}\n`);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Opens the store for one command and closes it after. The store's errors become CLI
 * errors: a database that cannot be reached exits 3 (try again), a wrong setting exits 2.
 */
async function withStore<T>(
  flags: { db?: string },
  o: { create: boolean; migrate?: boolean },
  f: (store: Store) => Promise<T>,
): Promise<T> {
  let store: Store | undefined;
  try {
    store = await openStore({ ...(flags.db ? { db: flags.db } : {}), ...o });
    return await f(store);
  } finally {
    await store?.close();
  }
}

/** A day (YYYY-MM-DD, midnight UTC) or a full ISO time, as epoch ms. */
export function parseDate(flag: string, v: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const ms = day ? Date.parse(`${v}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms))
    throw new CliError(`${flag} must be a date like 2025-06-30 or 2025-06-30T12:00:00Z, got "${v}"`);
  return ms;
}

function outputFormat(flags: { json?: boolean; csv?: boolean }): 'table' | 'json' | 'csv' {
  if (flags.json && flags.csv) throw new CliError('give --json or --csv, not both');
  return flags.json ? 'json' : flags.csv ? 'csv' : 'table';
}

/** term summary --json: what tools read (snake_case, as every JSON this CLI prints). */
export function summaryJson(s: TermSummary) {
  return {
    term: s.term,
    assignments: s.assignments.map((a) => ({
      name: a.name,
      submissions: a.submissions,
      students: a.students,
      passed: a.passed,
      pass_rate: a.passRate,
      students_passed: a.studentsPassed,
      flagged: a.flagged,
      reviewed: a.reviewed,
      fix_types: a.fixTypes,
    })),
  };
}

function printSummary(s: TermSummary, format: 'table' | 'json' | 'csv', where: string): void {
  if (format === 'json') return void out(JSON.stringify(summaryJson(s), null, 2) + '\n');
  const types = [...new Set(s.assignments.flatMap((a) => Object.keys(a.fixTypes)))].sort();
  if (format === 'csv') {
    out(
      csvLine([
        'term',
        'assignment',
        'submissions',
        'students',
        'passed',
        'pass_rate',
        'students_passed',
        'flagged',
        'reviewed',
        ...types.map((t) => `fix_${t}`),
      ]),
    );
    for (const a of s.assignments)
      out(
        csvLine([
          s.term,
          a.name,
          a.submissions,
          a.students,
          a.passed,
          Number(a.passRate.toFixed(4)),
          a.studentsPassed,
          a.flagged,
          a.reviewed,
          ...types.map((t) => a.fixTypes[t] ?? 0),
        ]),
      );
    return;
  }
  if (s.term === null) return void out(`no gradings recorded yet (${where})\n`);
  out(`term ${s.term} (${where})\n\n`);
  if (!s.assignments.length) return void out('no gradings in this term\n');
  out(
    textTable(
      [
        'assignment',
        'submissions',
        'students',
        'passed',
        'pass rate',
        'students passing',
        'flagged',
        'reviewed',
        'kinds of fix (model)',
      ],
      s.assignments.map((a) => [
        a.name,
        a.submissions,
        a.students,
        a.passed,
        pct(a.passRate),
        a.studentsPassed,
        a.flagged,
        a.reviewed,
        Object.entries(a.fixTypes)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ') || '-',
      ]),
    ),
  );
}

type Cell = string | number | boolean | null | string[];

/** submissions list --json / --csv: the same columns, one flat object (or line) a submission. */
const SUBMISSION_COLUMNS: [string, (s: ListedSubmission) => Cell][] = [
  ['id', (s) => s.id],
  ['job_id', (s) => s.jobId],
  ['term', (s) => s.term],
  ['assignment', (s) => s.assignment],
  ['student', (s) => s.student.login],
  ['student_id', (s) => s.student.id],
  ['repository', (s) => s.repository],
  ['commit', (s) => s.commit],
  ['branch', (s) => s.branch],
  ['pull_request', (s) => s.pullRequest],
  ['received_at', (s) => iso(s.receivedAt)],
  ['graded_at', (s) => iso(s.gradedAt)],
  ['verdict', (s) => s.verdict],
  ['tests_passed', (s) => s.tests.passed],
  ['tests_total', (s) => s.tests.total],
  ['failing_tests', (s) => s.failingTests],
  ['fix_type', (s) => s.fixType],
  ['confidence', (s) => s.confidence],
  ['tags', (s) => s.tags.map((t) => t.tag)],
  ['flagged', (s) => s.flagged],
  ['flag_reasons', (s) => s.flagReasons],
  ['reviewed', (s) => s.reviewCount > 0],
  ['claimed_by', (s) => s.claim?.reviewer ?? null],
  ['check_run_id', (s) => s.checkRunId],
  ['comment_id', (s) => s.commentId],
  ['source_state', (s) => s.source.state],
];

export const submissionJson = (s: ListedSubmission): Record<string, Cell> =>
  Object.fromEntries(SUBMISSION_COLUMNS.map(([k, get]) => [k, get(s)]));

function printSubmissions(rows: ListedSubmission[], format: 'table' | 'json' | 'csv', where: string): void {
  if (format === 'json') return void out(JSON.stringify(rows.map(submissionJson), null, 2) + '\n');
  if (format === 'csv') {
    out(csvLine(SUBMISSION_COLUMNS.map(([k]) => k)));
    for (const r of rows)
      out(csvLine(SUBMISSION_COLUMNS.map(([, get]) => get(r)).map((v) => (Array.isArray(v) ? v.join(' ') : v))));
    return;
  }
  if (!rows.length) return void out(`no submissions match (${where})\n`);
  out(
    textTable(
      [
        'id',
        'graded (UTC)',
        'term',
        'assignment',
        'student',
        'verdict',
        'tests',
        'kind of fix',
        'sure',
        'flagged',
        'reviewed',
      ],
      rows.map((s) => [
        s.id,
        iso(s.gradedAt)!.slice(0, 16).replace('T', ' '),
        s.term,
        s.assignment,
        s.student.login,
        s.verdict,
        s.compiled ? `${s.tests.passed}/${s.tests.total}` : '-',
        s.fixType ?? '-',
        s.confidence === null ? '-' : `${Math.round(100 * s.confidence)}%`,
        s.flagged ? 'yes' : '',
        s.reviewCount ? 'yes' : '',
      ]),
    ),
  );
}

/** A file (or stdout) written line by line, waiting when it is full, so a large term streams. */
function sink(file: string | undefined): { write(s: string): Promise<void>; end(): Promise<void> } {
  const w: NodeJS.WritableStream = file ? fs.createWriteStream(file) : process.stdout;
  return {
    write: async (s) => {
      if (!w.write(s)) await once(w, 'drain');
    },
    end: () =>
      file
        ? new Promise<void>((resolve, reject) =>
            (w as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())),
          )
        : Promise.resolve(),
  };
}

interface ExportFlags {
  db?: string;
  format: string;
  term?: string;
  out?: string;
  reviewed?: boolean;
  course?: string;
}

/** --format jsonl --out DIR: the folder `retrain --data DIR --labels DIR/labels.jsonl` reads. */
async function exportFolder(store: Store, flags: ExportFlags, dir: string): Promise<void> {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new CliError(`--out ${dir} is a file: with --format jsonl it names a folder (labels.jsonl and the sources)`);
  const course = flags.course ? await loadCourse(flags.course) : null;
  fs.mkdirSync(dir, { recursive: true });
  const labels = sink(path.join(dir, 'labels.jsonl'));
  const counts = { rows: 0, labelled: 0, sources: 0 };
  const assignments = new Set<string>();
  for await (const r of store.exportTerm({
    ...(flags.term ? { term: flags.term } : {}),
    reviewedOnly: !!flags.reviewed,
    withSources: true,
  })) {
    counts.rows++;
    if (r.review) counts.labelled++;
    assignments.add(r.assignment);
    if (r.sourceContent) {
      const file = path.join(dir, sourcePath(r));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, r.sourceContent);
      counts.sources++;
    }
    await labels.write(JSON.stringify(labelsRow(r, { inlineSource: false })) + '\n');
  }
  await labels.end();
  const copied: string[] = [];
  for (const name of assignments) {
    const a = course?.byName(name);
    if (!a) continue;
    fs.cpSync(a.assignment.dir, path.join(dir, 'assignments', name), { recursive: true });
    copied.push(name);
  }
  note(
    `${counts.rows} submissions (${counts.labelled} labelled by a TA, ${counts.sources} sources) in ${dir}/labels.jsonl and ${dir}/submissions/` +
      (course
        ? `; assignments ${copied.join(', ') || 'none'} copied to ${dir}/assignments/`
        : '; give --course course.yml to copy the assignment folders retraining grades with'),
  );
  const missing = [...assignments].filter((a) => !copied.includes(a));
  if (course && missing.length) note(`not in ${flags.course}: ${missing.join(', ')}`);
  note(`retrain with: fixsense retrain --data ${dir} --labels ${path.join(dir, 'labels.jsonl')}`);
}

async function exportStream(store: Store, flags: ExportFlags, format: 'csv' | 'jsonl'): Promise<void> {
  const o = sink(flags.out);
  let n = 0;
  if (format === 'csv') await o.write(csvHeader());
  for await (const r of store.exportTerm({
    ...(flags.term ? { term: flags.term } : {}),
    reviewedOnly: !!flags.reviewed,
    withSources: format === 'jsonl',
  })) {
    n++;
    await o.write(format === 'csv' ? csvRow(r) : JSON.stringify(labelsRow(r, { inlineSource: true })) + '\n');
  }
  await o.end();
  if (flags.out) note(`${n} submissions written to ${flags.out}`);
}

/** The store's commands: `db migrate|purge`, `term summary|export`, `submissions list`. */
export function registerStoreCommands(program: Command): void {
  const db = program.command('db').description('the store: where every grading is recorded');
  db.command('migrate')
    .description('create the database or bring its schema up to date (the App also does this at start)')
    .option('--db <file-or-url>', DB_HELP)
    .action((flags: { db?: string }) =>
      withStore(flags, { create: true, migrate: false }, async (store) => {
        const ran = await store.migrate();
        const { applied } = await store.schemaStatus();
        out(
          `${store.description}: ${ran.length ? `migrated (${ran.join(', ')})` : 'up to date'}; schema ${applied.at(-1)}\n`,
        );
      }),
    );
  db.command('purge')
    .description(
      'retention: delete the sources of gradings graded before a date (reports, predictions and reviews stay)',
    )
    .requiredOption('--before <date>', 'a day (2025-06-30, midnight UTC) or an ISO time')
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .option('--db <file-or-url>', DB_HELP)
    .action((flags: { before: string; dryRun?: boolean; db?: string }) => {
      const before = parseDate('--before', flags.before);
      return withStore(flags, { create: false }, async (store) => {
        const r = await store.purgeSources({ before, dryRun: !!flags.dryRun });
        out(
          `${flags.dryRun ? 'would delete' : 'deleted'} the sources of ${r.sources} gradings graded before ${iso(before)} (${store.description})\n`,
        );
      });
    });

  const term = program.command('term').description("a course's term: figures and exports for staff");
  term
    .command('summary')
    .description('per assignment: submissions, students, pass rate, the kinds of fix, flagged and reviewed counts')
    .option('--term <name>', 'the term (default: the latest recorded)')
    .option('--json', 'JSON for tools')
    .option('--csv', 'CSV for spreadsheets')
    .option('--db <file-or-url>', DB_HELP)
    .action((flags: { term?: string; json?: boolean; csv?: boolean; db?: string }) => {
      const format = outputFormat(flags);
      return withStore(flags, { create: false }, async (store) =>
        printSummary(await store.termSummary(flags.term ? { term: flags.term } : {}), format, store.description),
      );
    });
  term
    .command('list')
    .description('the terms recorded, newest first')
    .option('--db <file-or-url>', DB_HELP)
    .action((flags: { db?: string }) =>
      withStore(flags, { create: false }, async (store) => {
        const ts = await store.terms();
        if (!ts.length) return void out(`no gradings recorded yet (${store.description})\n`);
        out(
          textTable(
            ['term', 'submissions', 'first (UTC)', 'last (UTC)'],
            ts.map((t) => [
              t.term,
              t.submissions,
              iso(t.firstReceivedAt)!.slice(0, 10),
              iso(t.lastReceivedAt)!.slice(0, 10),
            ]),
          ),
        );
      }),
    );
  term
    .command('export')
    .description(
      'one row per graded submission: csv for spreadsheets, or jsonl in the labels format `retrain --labels` reads (TA reviews are the labels)',
    )
    .requiredOption('--format <format>', 'csv or jsonl')
    .option('--term <name>', 'the term (default: the latest recorded)')
    .option(
      '--out <path>',
      'csv: the file; jsonl: a folder for labels.jsonl and the sources (default: stdout, sources inline)',
    )
    .option('--reviewed', 'only submissions a TA has labelled')
    .option(
      '--course <course.yml>',
      'jsonl --out: also copy the assignment folders, so the folder is ready for retrain',
    )
    .option('--db <file-or-url>', DB_HELP)
    .action((flags: ExportFlags) => {
      if (flags.format !== 'csv' && flags.format !== 'jsonl')
        throw new CliError(`--format must be csv or jsonl, got "${flags.format}"`);
      if (flags.course && !(flags.format === 'jsonl' && flags.out))
        throw new CliError('--course only goes with --format jsonl --out <folder>');
      return withStore(flags, { create: false }, (store) =>
        flags.format === 'jsonl' && flags.out
          ? exportFolder(store, flags, flags.out)
          : exportStream(store, flags, flags.format as 'csv' | 'jsonl'),
      );
    });

  program
    .command('submissions')
    .description('recorded gradings')
    .command('list')
    .description('graded submissions, newest first (or in review-queue order)')
    .option('--flagged', 'only those flagged for TA review')
    .option('--unreviewed', 'only those no TA has reviewed')
    .option('--assignment <name>', 'only this assignment')
    .option('--student <login>', "only this student's")
    .option('--term <name>', 'only this term (default: every term)')
    .option('--order <order>', 'newest, oldest or uncertainty (least sure first)', 'newest')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'JSON for tools')
    .option('--csv', 'CSV for spreadsheets')
    .option('--db <file-or-url>', DB_HELP)
    .action(
      (flags: {
        flagged?: boolean;
        unreviewed?: boolean;
        assignment?: string;
        student?: string;
        term?: string;
        order: string;
        limit: string;
        json?: boolean;
        csv?: boolean;
        db?: string;
      }) => {
        const format = outputFormat(flags);
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw new CliError(`--limit must be an integer from 1 to 10000, got "${flags.limit}"`);
        if (!['newest', 'oldest', 'uncertainty'].includes(flags.order))
          throw new CliError(`--order must be newest, oldest or uncertainty, got "${flags.order}"`);
        return withStore(flags, { create: false }, async (store) => {
          const rows = await store.listSubmissions(
            {
              ...(flags.flagged ? { flagged: true } : {}),
              ...(flags.unreviewed ? { reviewed: false } : {}),
              ...(flags.assignment ? { assignment: flags.assignment } : {}),
              ...(flags.student ? { student: flags.student } : {}),
              ...(flags.term ? { term: flags.term } : {}),
            },
            { order: flags.order as 'newest', limit },
          );
          printSubmissions(rows, format, store.description);
        });
      },
    );
}
