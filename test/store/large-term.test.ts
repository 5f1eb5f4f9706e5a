import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { fresh, KINDS, type TestDatabase } from './databases.js';
import { sampleRecord } from './sample-record.js';

const N = 10_000;
const records = Array.from({ length: N }, (_, i) => sampleRecord(i, { term: 'big' }));

/** The figures the summary must give, counted here from the records themselves. */
function expectedSummary() {
  const by = new Map<
    string,
    {
      subs: number;
      students: Set<string>;
      passed: number;
      passers: Set<string>;
      flagged: number;
      fix: Record<string, number>;
    }
  >();
  for (const r of records) {
    const a = by.get(r.assignment) ?? {
      subs: 0,
      students: new Set(),
      passed: 0,
      passers: new Set(),
      flagged: 0,
      fix: {},
    };
    by.set(r.assignment, a);
    a.subs++;
    a.students.add(r.student.login);
    if (r.report.verdict === 'PASS') {
      a.passed++;
      a.passers.add(r.student.login);
    }
    if (r.review.flagged) a.flagged++;
    if (r.prediction) a.fix[r.prediction.fixType] = (a.fix[r.prediction.fixType] ?? 0) + 1;
  }
  return [...by.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([name, a]) => ({
      name,
      submissions: a.subs,
      students: a.students.size,
      passed: a.passed,
      studentsPassed: a.passers.size,
      passRate: a.passed / a.subs,
      flagged: a.flagged,
      reviewed: 0,
      fixTypes: a.fix,
    }));
}

describe.each(KINDS)('a 10,000-submission term on %s', (kind) => {
  let d: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    d = await fresh(kind);
    store = await openStore({ db: d.url });
    for (let i = 0; i < N; i += 500) await store.recordGradings(records.slice(i, i + 500));
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await d?.drop();
  });

  it('summarises it exactly', async () => {
    expect(await store.termSummary({ term: 'big' })).toEqual({ term: 'big', assignments: expectedSummary() });
  });

  it('lists the review queue a page at a time, and every flagged item appears once', async () => {
    const flagged = records.filter((r) => r.review.flagged).length;
    expect(await store.countSubmissions({ term: 'big', flagged: true, reviewed: false })).toBe(flagged);
    const seen = new Set<number>();
    let last = -1;
    for (let offset = 0; ; offset += 1000) {
      const page = await store.listSubmissions(
        { term: 'big', flagged: true, reviewed: false },
        { order: 'uncertainty', limit: 1000, offset },
      );
      for (const s of page) {
        expect(s.confidence!).toBeGreaterThanOrEqual(last);
        last = s.confidence!;
        seen.add(s.id);
      }
      if (page.length < 1000) break;
    }
    expect(seen.size).toBe(flagged);
  });

  it('exports every row, streamed in id order', async () => {
    let n = 0;
    let prev = 0;
    for await (const r of store.exportTerm({ term: 'big' })) {
      expect(r.id).toBeGreaterThan(prev);
      prev = r.id;
      n++;
    }
    expect(n).toBe(N);
  });

  it('records the whole term again as a no-op (every job a redelivery)', async () => {
    const again = await store.recordGradings(records.slice(0, 2000));
    expect(again.every((r) => !r.created)).toBe(true);
    expect(await store.countSubmissions({ term: 'big' })).toBe(N);
  });
});
