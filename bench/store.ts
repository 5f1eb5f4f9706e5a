/**
 * npm run bench:store: a 10,000-submission term on SQLite (a file under data/, WAL, the
 * default synchronous=FULL) and on PostgreSQL (a fresh database on 127.0.0.1). Reports the
 * recording rate one grading a transaction (as the worker records) and in batches (imports),
 * then `term summary` and the review-queue query (flagged, unreviewed, least sure first, a
 * page of 50) over the full term: median and p95 of repeated runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/core/paths.js';
import { openStore, type Store } from '../src/store/store.js';
import { freshPostgres, type TestDatabase } from '../test/store/databases.js';
import { sampleRecord } from '../test/store/sample-record.js';
import { fmt, median, percentile, printTable } from './table.js';

const N = Number(process.env.BENCH_SUBMISSIONS ?? 10_000);
const SINGLE = Math.min(N, Number(process.env.BENCH_SINGLE ?? 1000));
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
process.env.FIXSENSE_QUIET ??= '1';

function sqliteDb(): TestDatabase {
  const dir = path.join(projectRoot, 'data', `bench-store-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return {
    kind: 'sqlite',
    url: path.join(dir, 'store.db'),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<number[]> {
  await f(); // warm: statements prepared, pages cached
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return ms;
}

async function rate(n: number, f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return n / ((performance.now() - t) / 1000);
}

async function bench(kind: 'sqlite' | 'postgres') {
  const d = kind === 'sqlite' ? sqliteDb() : await freshPostgres();
  const store: Store = await openStore({ db: d.url });
  try {
    const records = Array.from({ length: N }, (_, i) => sampleRecord(i, { term: 'bench' }));
    const one = await rate(SINGLE, async () => {
      for (const r of records.slice(0, SINGLE)) await store.recordGrading(r);
    });
    const batched = await rate(N - SINGLE, async () => {
      for (let i = SINGLE; i < N; i += 500) await store.recordGradings(records.slice(i, Math.min(N, i + 500)));
    });
    const again = await rate(SINGLE, async () => {
      for (const r of records.slice(0, SINGLE)) await store.recordGrading(r);
    });
    if ((await store.countSubmissions({ term: 'bench' })) !== N) throw new Error('the term is not complete');
    const summary = await timed(RUNS, () => store.termSummary({ term: 'bench' }));
    const queue = await timed(RUNS, () =>
      store.listSubmissions({ term: 'bench', flagged: true, reviewed: false }, { order: 'uncertainty', limit: 50 }),
    );
    const groups = await timed(Math.ceil(RUNS / 5), () => store.groupSubmissions({ term: 'bench', verdict: 'FAIL' }));
    return { kind, one, batched, again, summary, queue, groups };
  } finally {
    await store.close();
    await d.drop();
  }
}

const results = [];
for (const kind of ['sqlite', 'postgres'] as const) results.push(await bench(kind));

printTable(
  `store: a ${N.toLocaleString('en')}-submission term (${RUNS} runs a query)`,
  [
    'database',
    'record 1/tx (gradings/s)',
    'record 500/tx (gradings/s)',
    'redelivery (no-op/s)',
    'term summary median ms',
    'p95 ms',
    'queue page median ms',
    'p95 ms',
    'groups median ms',
  ],
  results.map((r) => [
    r.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL',
    fmt(r.one, 0),
    fmt(r.batched, 0),
    fmt(r.again, 0),
    fmt(median(r.summary)),
    fmt(percentile(r.summary, 95)),
    fmt(median(r.queue)),
    fmt(percentile(r.queue, 95)),
    fmt(median(r.groups)),
  ]),
);
const slow = results.filter((r) => percentile(r.summary, 95) >= 200);
console.log(
  slow.length
    ? `\nterm summary over 200 ms on ${slow.map((r) => r.kind).join(', ')}`
    : '\nterm summary under 200 ms (p95) on both databases',
);
