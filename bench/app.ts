/**
 * npm run bench:app: a burst of 200 push webhooks for different commits on loopback,
 * through the real web server, Redis, worker processes, sandbox, store and a fake GitHub.
 * Reports webhook → first check run the student sees and webhook → completed check run
 * (median, p95), jobs per second with 1 and 2 worker processes against the grading engine's
 * own throughput on the same programs, and what recording each grading in the store costs
 * (SQLite, and PostgreSQL for one worker process).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { startApp } from '../src/app/start-app.js';
import { loadAssignment } from '../src/assignments/load-assignment.js';
import { resolveAssignment } from '../src/assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../src/fixtures/submission-manifest.js';
import { gradeSubmission } from '../src/grading/grade-submission.js';
import { projectRoot } from '../src/core/paths.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { FakeGitHub } from '../test/helpers/fake-github.js';
import { APP_ID, env, keys, pushPayload, sendWebhook, sha, waitFor } from '../test/helpers/app-harness.js';
import { fmt, median, percentile, printTable } from './table.js';

const BURST = Number(process.env.BENCH_BURST ?? 200);
// 20 installations (courses or organisations): each stays within GitHub's 80 writes a minute,
// so the figures measure the App, not GitHub's budget (one installation alone: 200 pushes
// need 400 writes, at least five minutes at 80 a minute; the throttle paces them)
const INSTALLATIONS = 20;

process.env.FIXSENSE_QUIET ??= '1';
const manifest = (await loadSubmissionManifest()).filter(
  (s) =>
    ['median', 'smallest'].includes(s.assignment) &&
    s.expect !== 'COMPILE_ERROR' &&
    !(s.verdicts ?? []).includes('TIMEOUT'),
);
const programs = manifest.map((s) => ({ s, source: fs.readFileSync(s.path) }));

/** Every push a program text of its own, as students' are: identical ones would reuse a cached report. */
const distinct = (source: Buffer, commit: string) => Buffer.concat([source, Buffer.from(`\n/* ${commit} */\n`)]);

async function engineThroughput(parallel: number): Promise<number> {
  const sandbox = new Sandbox();
  const assignments = new Map(
    await Promise.all(
      [...new Set(programs.map((p) => p.s.assignment))].map(
        async (n) => [n, await loadAssignment(resolveAssignment(n))] as const,
      ),
    ),
  );
  const jobs = Array.from({ length: BURST }, (_, i) => programs[i % programs.length]!);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        await gradeSubmission(j.source, assignments.get(j.s.assignment)!, sandbox);
      }
    }),
  );
  return jobs.length / ((performance.now() - start) / 1000);
}

/** A fresh PostgreSQL database for one burst, dropped afterwards. */
async function postgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.FIXSENSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `fx_bench_${Date.now()}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}

async function burst(workers: number, database: 'sqlite' | 'postgres' = 'sqlite') {
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  await fake.start();
  const pgDb = database === 'postgres' ? await postgres() : null;
  // each worker process runs with its defaults: jobs in flight = 2 × cores, gradings at once = cores
  const e = env(fake, {
    FIXSENSE_QUIET: process.env.BENCH_WORKER_LOG ? '0' : '1',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
  });
  delete e.WORKER_CONCURRENCY;
  const web = await startApp({ web: true, worker: false, env: e });
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--no-web'], {
      cwd: projectRoot,
      env: { ...process.env, ...e },
      stdio: process.env.BENCH_WORKER_LOG
        ? ['ignore', fs.openSync(process.env.BENCH_WORKER_LOG, 'a'), 'ignore']
        : 'ignore',
    }),
  );
  // wait until the workers are up: a first push is graded and left out of the figures
  const warm = sha(`warm-${workers}`);
  fake.addFile('course', 'median-warm', warm, 'median.c', programs[0]!.source);
  await sendWebhook(
    web.port!,
    'push',
    pushPayload({ owner: 'course', repo: 'median-warm', sha: warm, installation: 999 }),
  );
  await waitFor(
    () => fake.checkRuns.find((c) => c.head_sha === warm && c.status === 'completed'),
    120_000,
    'workers to start',
  );

  // unloaded: pushes one at a time
  const single: number[] = [];
  for (let i = 0; i < 10; i++) {
    const c = sha(`single-${workers}-${i}`);
    fake.addFile('course', `median-one${i}`, c, 'median.c', distinct(programs[i % programs.length]!.source, c));
    const t = Date.now();
    await sendWebhook(
      web.port!,
      'push',
      pushPayload({ owner: 'course', repo: `median-one${i}`, sha: c, installation: 998 }),
    );
    const run = await waitFor(() => fake.checkRuns.find((r) => r.head_sha === c && r.status === 'completed'), 60_000);
    single.push(run.completed_at! - t);
  }

  const sent = new Map<string, number>();
  const commits = Array.from({ length: BURST }, (_, i) => sha(`bench-${workers}-${i}`));
  commits.forEach((c, i) => {
    const p = programs[i % programs.length]!;
    fake.addFile(
      'course',
      `${p.s.assignment}-b${i}`,
      c,
      p.s.assignment === 'smallest' ? 'src/smallest.c' : 'median.c',
      distinct(p.source, c),
    );
  });
  const start = Date.now();
  await Promise.all(
    commits.map((c, i) => {
      const p = programs[i % programs.length]!;
      sent.set(c, Date.now());
      return sendWebhook(
        web.port!,
        'push',
        pushPayload({
          owner: 'course',
          repo: `${p.s.assignment}-b${i}`,
          sha: c,
          installation: 100 + (i % INSTALLATIONS),
        }),
      );
    }),
  );
  await waitFor(
    () => commits.every((c) => fake.checkRuns.some((r) => r.head_sha === c && r.status === 'completed')),
    600_000,
    'the burst',
  );
  const end = Math.max(...fake.checkRuns.filter((r) => sent.has(r.head_sha)).map((r) => r.completed_at!));
  const runs = commits.map((c) => fake.checkRuns.find((r) => r.head_sha === c)!);
  // a check run is created in progress only when its push waited long, else already completed
  const toFirst = runs.map((r) => r.created_at - sent.get(r.head_sha)!);
  const toDone = runs.map((r) => r.completed_at! - sent.get(r.head_sha)!);
  const inProgress = runs.filter((r) => r.created_status === 'in_progress').length;
  const jobs = (await web.queues.grade.getJobs(['completed'])).filter((j) => sent.has(j.data.sha));
  const spent = (k: 'record' | 'pipeline' | 'fetch' | 'publish') =>
    jobs.reduce((n, j) => n + (j.returnvalue?.ms?.[k] ?? 0), 0);
  const all = spent('fetch') + spent('pipeline') + spent('record') + spent('publish');
  const recordMs = spent('record') / Math.max(1, jobs.length);
  for (const c of children) c.kill('SIGTERM');
  await web.close();
  await fake.stop();
  await pgDb?.drop();
  if (fake.violations.length) throw new Error(`API violations: ${fake.violations.slice(0, 3).join('; ')}`);
  return {
    toFirst,
    toDone,
    inProgress,
    single,
    jobsPerSec: BURST / ((end - start) / 1000),
    recordMs,
    recordShare: spent('record') / Math.max(1, all),
  };
}

console.log(
  `fixsense App load test: ${BURST} push webhooks at once, ${programs.length} fixture programs, ${INSTALLATIONS} installations, loopback fake GitHub, real Redis`,
);
const one = await burst(1);
const two = await burst(2);
const onePg = await burst(1, 'postgres');
const e1 = await engineThroughput(1);
const e2 = await engineThroughput(2);
printTable(
  'One push at a time (ms, webhook → completed check run)',
  ['workers', 'median', 'p95'],
  [
    ['1', fmt(median(one.single), 0), fmt(percentile(one.single, 95), 0)],
    ['2', fmt(median(two.single), 0), fmt(percentile(two.single, 95), 0)],
  ],
);
printTable(
  `A burst of ${BURST} pushes (ms)`,
  ['workers', 'webhook → first check run: median', 'p95', 'webhook → completed: median', 'p95', 'created in progress'],
  [one, two].map((b, i) => [
    String(i + 1),
    fmt(median(b.toFirst), 0),
    fmt(percentile(b.toFirst, 95), 0),
    fmt(median(b.toDone), 0),
    fmt(percentile(b.toDone, 95), 0),
    `${b.inProgress} of ${BURST}`,
  ]),
);
printTable(
  'Recording each grading in the store (before it is published, and its ids after)',
  ['', 'ms a grading', 'share of the job’s time', 'App jobs/s'],
  [
    [
      'SQLite (data/ file, WAL), 1 worker process',
      fmt(one.recordMs, 1),
      fmt(one.recordShare * 100, 1) + '%',
      fmt(one.jobsPerSec),
    ],
    ['SQLite, 2 worker processes', fmt(two.recordMs, 1), fmt(two.recordShare * 100, 1) + '%', fmt(two.jobsPerSec)],
    [
      'PostgreSQL, 1 worker process',
      fmt(onePg.recordMs, 1),
      fmt(onePg.recordShare * 100, 1) + '%',
      fmt(onePg.jobsPerSec),
    ],
  ],
);
const best = Math.max(e1, e2);
printTable(
  'Throughput (jobs/s)',
  ['', 'jobs/s', 'share of the engine’s best'],
  [
    ['grading engine alone, 1 grading at a time', fmt(e1), fmt(e1 / best, 2)],
    ['grading engine alone, 2 at a time', fmt(e2), fmt(e2 / best, 2)],
    ['App end to end, 1 worker process', fmt(one.jobsPerSec), fmt(one.jobsPerSec / best, 2)],
    ['App end to end, 2 worker processes', fmt(two.jobsPerSec), fmt(two.jobsPerSec / best, 2)],
  ],
);
console.log(
  '\nworker processes run with their defaults (2 × cores jobs in flight, cores gradings at once); targets: App throughput at least 80% of the engine’s; recording under 5% of the throughput',
);
process.exit(0);
