import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/core/paths.js';
import { openStore } from '../../src/store/store.js';
import { fresh, freshSqlite, KINDS, rawRows, type TestDatabase } from './databases.js';
import { sampleRecord } from './sample-record.js';

/** Runs test/store/record-range.ts in its own Node process. */
function writer(db: string, from: number, to: number): Promise<{ created: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'test/store/record-range.ts', db, String(from), String(to)], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    p.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`)),
    );
  });
}

describe.each(KINDS)('two processes writing at once on %s', (kind) => {
  let d: TestDatabase;
  afterEach(async () => d?.drop());

  it('both migrate the same new database at the same moment, and both record every grading, overlapping ones once', async () => {
    d = await fresh(kind);
    // 0-199 and 100-299: the middle hundred is recorded by both, like a job redelivered to a second worker
    const [a, b] = await Promise.all([writer(d.url, 0, 200), writer(d.url, 100, 300)]);
    expect(a.created + b.created).toBe(300);
    const store = await openStore({ db: d.url });
    expect(await store.countSubmissions({})).toBe(300);
    await store.close();
    const dup = await rawRows(d, 'select job_id, count(*) as n from submissions group by job_id having count(*) > 1');
    expect(dup).toEqual([]);
    // and the children of each grading exactly once
    const tests = await rawRows(d, 'select count(*) as n from submission_tests');
    const expected = Array.from({ length: 300 }, (_, i) => sampleRecord(i).report.tests.length).reduce((x, y) => x + y);
    expect(Number(tests[0]!.n)).toBe(expected);
  });
});

describe('two stores in one process on one SQLite file (the web server and the worker of `serve`)', () => {
  it('migrate and write at the same time without waiting on each other', async () => {
    const d = freshSqlite();
    // a short busy timeout: two separate synchronous connections would fail here, not just wait
    const [a, b] = await Promise.all([
      openStore({ db: d.url, busyTimeoutMs: 200 }),
      openStore({ db: d.url, busyTimeoutMs: 200 }),
    ]);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).recordGrading(sampleRecord(i % 30))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(30);
    await a.close();
    // closing one leaves the other working
    expect(await b.countSubmissions({})).toBe(30);
    await b.close();
    await d.drop();
  });
});
