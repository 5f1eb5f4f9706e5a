/**
 * npm run bench:dashboard: the TA dashboard's pages over HTTP, in-process, with a
 * 10,000-submission term in SQLite and in PostgreSQL. The submissions are real gradings (the
 * bundled fixtures graded through the pipeline, recorded many times over as other students),
 * so a submission page renders a real report, source and prediction. Reports the median and
 * p95 of GET /dashboard (the queue: flagged, unreviewed, least sure first) and GET
 * /dashboard/s/<id> (which also claims the item), each over a different item.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { projectRoot } from '../src/core/paths.js';
import { createDashboard } from '../src/dashboard/dashboard.js';
import { fixtureRecord, gradeFixtures } from '../src/dashboard/seed-fixtures.js';
import { loadTaxonomy } from '../src/model/taxonomy.js';
import { openStore } from '../src/store/store.js';
import { freshPostgres, type TestDatabase } from '../test/store/databases.js';
import { fmt, median, percentile, printTable } from './table.js';

const N = Number(process.env.BENCH_SUBMISSIONS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
process.env.FIXSENSE_QUIET ??= '1';

function sqliteDb(): TestDatabase {
  const dir = path.join(projectRoot, 'data', `bench-dashboard-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return {
    kind: 'sqlite',
    url: path.join(dir, 'store.db'),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const graded = await gradeFixtures({
  config: { confidence_threshold: 0.6, review_fix_types: [], failing_tests_shown: 2, diagnostics_shown: 5 },
});
const T0 = Date.parse('2026-02-01T09:00:00Z');

async function bench(kind: 'sqlite' | 'postgres') {
  const d = kind === 'sqlite' ? sqliteDb() : await freshPostgres();
  const store = await openStore({ db: d.url });
  const server = http.createServer();
  try {
    for (let i = 0; i < N; i += 500) {
      const batch = Array.from({ length: Math.min(500, N - i) }, (_, j) => {
        const k = i + j;
        return fixtureRecord(graded[k % graded.length]!, {
          course: 'bench',
          term: 'bench',
          receivedAt: T0 + k * 30_000,
          copy: Math.floor(k / graded.length) + 1,
        });
      });
      await store.recordGradings(batch);
    }
    const dashboard = createDashboard({
      store: { use: (f) => f(store) },
      taxonomy: loadTaxonomy(),
      course: null,
      signIn: { kind: 'local', reviewer: 'bench-ta' },
      tellStudent: null,
    });
    const app = express();
    app.use('/dashboard', dashboard.router);
    server.on('request', app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await fetch(`${base}/dashboard/login/${dashboard.oneTimeLogin()}`, { redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const get = async (p: string) => {
      const r = await fetch(base + p, { headers: { cookie }, redirect: 'manual' });
      const body = await r.text();
      if (r.status !== 200) throw new Error(`${p}: ${r.status} ${body.slice(0, 200)}`);
      return body;
    };
    const flagged = await store.listSubmissions({ term: 'bench', flagged: true }, { limit: 10_000 });
    const timed = async (f: (i: number) => Promise<unknown>) => {
      await f(0);
      await f(1);
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await f(i);
        ms.push(performance.now() - t);
      }
      return ms;
    };
    const queue = await timed(() => get('/dashboard'));
    const submission = await timed((i) => get(`/dashboard/s/${flagged[(i * 37) % flagged.length]!.id}`));
    const filtered = await timed(() => get('/dashboard?assignment=median&order=oldest'));
    await dashboard.close();
    return { kind, flagged: flagged.length, queue, submission, filtered };
  } finally {
    server.close();
    await store.close();
    await d.drop();
  }
}

const results: Awaited<ReturnType<typeof bench>>[] = [];
for (const kind of ['sqlite', 'postgres'] as const) results.push(await bench(kind));
const row = (what: string, pick: (r: (typeof results)[number]) => number[]) =>
  results.flatMap((r) => [[what, r.kind, fmt(median(pick(r))), fmt(percentile(pick(r), 95))]]);
printTable(
  `dashboard pages over HTTP: a ${N.toLocaleString('en')}-submission term (${results[0]!.flagged} flagged), ${RUNS} requests each`,
  ['page', 'database', 'median ms', 'p95 ms'],
  [
    ...row('GET /dashboard (the queue)', (r) => r.queue),
    ...row('GET /dashboard?assignment&order', (r) => r.filtered),
    ...row('GET /dashboard/s/<id> (claims it)', (r) => r.submission),
  ],
);
