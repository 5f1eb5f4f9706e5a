import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { runCli } from '../helpers/run-cli.js';
import { fresh, freshSqlite, KINDS, type TestDatabase } from './databases.js';
import { sampleRecord } from './sample-record.js';

const N = 40;

describe.each(KINDS)('store commands on %s', (kind) => {
  let d: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    d = await fresh(kind);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-cli-'));
    expect(runCli(['db', 'migrate', '--db', d.url]).stdout).toMatch(/migrated \(0001_initial\)/);
    const store = await openStore({ db: d.url });
    await store.recordGradings(Array.from({ length: N }, (_, i) => sampleRecord(i)));
    await store.close();
  });
  afterAll(async () => {
    await d?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('db migrate on a current database has nothing to do', () => {
    const r = runCli(['db', 'migrate', '--db', d.url]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/up to date; schema 0001_initial/);
    expect(r.stdout).not.toMatch(/secret/);
  });

  it('term summary --json has the fields tools read; the table and CSV say the same', async () => {
    const store = await openStore({ db: d.url });
    const expected = await store.termSummary();
    await store.close();
    const r = runCli(['term', 'summary', '--json', '--db', d.url]);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.term).toBe('2025-fall');
    expect(json.assignments).toHaveLength(4);
    for (const [i, a] of json.assignments.entries()) {
      const e = expected.assignments[i]!;
      expect(a).toEqual({
        name: e.name,
        submissions: e.submissions,
        students: e.students,
        passed: e.passed,
        pass_rate: e.passRate,
        students_passed: e.studentsPassed,
        flagged: e.flagged,
        reviewed: 0,
        fix_types: e.fixTypes,
      });
    }
    expect(json.assignments.reduce((n: number, a: any) => n + a.submissions, 0)).toBe(N);

    const table = runCli(['term', 'summary', '--db', d.url]).stdout.split('\n');
    expect(table[0]).toMatch(/^term 2025-fall \((SQLite|PostgreSQL) /);
    const header = table.find((l) => l.startsWith('assignment'))!;
    const median = table.find((l) => l.startsWith('median'))!;
    // aligned: the count ends where its column's header ends
    expect(median.indexOf(' 10 ') + 3).toBe(header.indexOf('submissions') + 'submissions'.length);

    const csv = runCli(['term', 'summary', '--csv', '--db', d.url]).stdout.trim().split('\r\n');
    expect(csv[0]).toMatch(
      /^term,assignment,submissions,students,passed,pass_rate,students_passed,flagged,reviewed,fix_/,
    );
    expect(csv).toHaveLength(5);
  });

  it('submissions list --flagged --assignment A lists exactly those, as a table, JSON or CSV', async () => {
    const store = await openStore({ db: d.url });
    const want = await store.countSubmissions({ flagged: true, assignment: 'median' });
    await store.close();
    expect(want).toBeGreaterThan(0);
    const json = JSON.parse(
      runCli(['submissions', 'list', '--flagged', '--assignment', 'median', '--json', '--db', d.url]).stdout,
    );
    expect(json).toHaveLength(want);
    expect(json.every((s: any) => s.flagged === true && s.assignment === 'median')).toBe(true);
    expect(json[0]).toMatchObject({
      verdict: 'FAIL',
      tests_total: 8,
      graded_at: expect.stringMatching(/^2025-09-01T/),
    });
    const table = runCli([
      'submissions',
      'list',
      '--flagged',
      '--assignment',
      'median',
      '--order',
      'uncertainty',
      '--db',
      d.url,
    ]);
    expect(table.stdout.trim().split('\n')).toHaveLength(want + 2);
    const csv = runCli(['submissions', 'list', '--limit', '5', '--csv', '--db', d.url]).stdout.trim().split('\r\n');
    expect(csv).toHaveLength(6);
    expect(csv[0]!.startsWith('id,job_id,term,assignment,student')).toBe(true);
  });

  it('term export --format csv writes one row per graded submission', () => {
    const file = path.join(tmp, 'term.csv');
    const r = runCli(['term', 'export', '--format', 'csv', '--out', file, '--db', d.url]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(`${N} submissions written`);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toMatch(/^id,term,assignment,student,/);
  });

  it('db purge --before deletes old sources (a dry run first counts them)', async () => {
    const dry = runCli(['db', 'purge', '--before', '2025-09-01T09:10:00Z', '--dry-run', '--db', d.url]);
    expect(dry.stdout).toMatch(/would delete the sources of 10 gradings graded before 2025-09-01T09:10:00.000Z/);
    const real = runCli(['db', 'purge', '--before', '2025-09-01T09:10:00Z', '--db', d.url]);
    expect(real.stdout).toMatch(/deleted the sources of 10 gradings/);
    const store = await openStore({ db: d.url });
    expect(await store.countSubmissions({})).toBe(N);
    expect((await store.listSubmissions({}, { order: 'oldest', limit: 11 })).map((s) => s.source.state)).toEqual([
      ...Array(10).fill('purged'),
      'kept',
    ]);
    await store.close();
  });
});

describe('store commands: mistakes get a clear message and a status', () => {
  it('a missing SQLite file, a bad option, a bad date: exit 2, nothing created', () => {
    const d = freshSqlite();
    const missing = runCli(['term', 'summary', '--db', d.url]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no database at .*store\.db \(fixsense db migrate creates one/);
    expect(fs.existsSync(d.url)).toBe(false);
    expect(runCli(['term', 'export', '--format', 'xml', '--db', d.url]).stderr).toMatch(
      /--format must be csv or jsonl/,
    );
    const date = runCli(['db', 'purge', '--before', '30/06/2025', '--db', d.url]);
    expect([date.status, date.stderr]).toEqual([2, expect.stringMatching(/--before must be a date like 2025-06-30/)]);
  });

  it('an empty database says so; a PostgreSQL that does not answer exits 3 (try again later) without the password', () => {
    const d = freshSqlite();
    runCli(['db', 'migrate', '--db', d.url]);
    expect(runCli(['term', 'summary', '--db', d.url]).stdout).toMatch(/no gradings recorded yet/);
    expect(JSON.parse(runCli(['term', 'summary', '--json', '--db', d.url]).stdout)).toEqual({
      term: null,
      assignments: [],
    });
    const down = runCli(['term', 'summary'], { DATABASE_URL: 'postgres://ta:hunter2@127.0.0.1:1/course' });
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/postgres:\/\/ta:\*\*\*@127\.0\.0\.1:1\/course is unavailable/);
    expect(down.stderr).not.toMatch(/hunter2/);
  });
});
