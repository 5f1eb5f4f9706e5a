import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../src/core/paths.js';
import { runCli } from './helpers/run-cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-record-'));

describe('recording gradings done on this machine', () => {
  it('grade --record records once, under the course file’s name and term; term summary shows it', () => {
    const dir = tmp();
    const db = path.join(dir, 'course.db');
    const course = path.join(dir, 'course.yml');
    fs.writeFileSync(
      course,
      `name: C 101\nterm: 2027-spring\nassignments:\n  - name: med\n    folder: ${path.join(fixturesDir, 'assignments/median')}\n    repositories: ["median-*"]\n`,
    );
    const file = path.join(fixturesDir, 'submissions/median/forgets-equal-values.c');
    const args = ['grade', file, '-a', 'median', '--record', '--db', db, '--course', course, '--student', 'ada'];
    const first = runCli(args);
    expect(first.status).toBe(1); // the program fails its tests
    expect(first.stderr).toMatch(/^recorded as submission 1 in SQLite /m);
    const again = runCli(args);
    expect(again.stderr).toMatch(/^already recorded as submission 1/m);
    const summary = runCli(['term', 'summary', '--db', db, '--json']);
    expect(summary.status).toBe(0);
    const s = JSON.parse(summary.stdout);
    expect(s.term).toBe('2027-spring');
    expect(s.assignments).toEqual([expect.objectContaining({ name: 'med', submissions: 1, students: 1, passed: 0 })]);
  });

  it(
    'the demo records every fixture into a fresh database each run, and refuses one that holds a course',
    { timeout: 120_000 },
    () => {
      const dir = tmp();
      const db = path.join(dir, 'demo.db');
      for (let run = 0; run < 2; run++) {
        const r = runCli(['demo', '--db', db, '--out', path.join(dir, 'out')]);
        expect(r.status).toBe(0);
        expect(r.stdout).toContain(`recorded in ${path.relative(process.cwd(), db)}`);
      }
      const s = JSON.parse(runCli(['term', 'summary', '--db', db, '--json']).stdout);
      const total = s.assignments.reduce((n: number, a: { submissions: number }) => n + a.submissions, 0);
      expect(total).toBe(37);
      expect(s.assignments).toHaveLength(6);
      // a database of a real course is never overwritten by the demo
      const course = path.join(dir, 'real.db');
      const file = path.join(fixturesDir, 'submissions/median/forgets-equal-values.c');
      runCli(['grade', file, '-a', 'median', '--record', '--db', course]);
      const refused = runCli(['demo', '--db', course, '--out', path.join(dir, 'out2')]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/holds the course "local": the demo only writes a database of its own/);
    },
  );
});
