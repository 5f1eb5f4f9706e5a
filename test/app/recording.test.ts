import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../src/core/paths.js';
import { openStore } from '../../src/store/store.js';
import {
  pullRequestPayload,
  pushPayload,
  sendWebhook,
  sha,
  startHarness,
  waitFor,
  type Harness,
} from '../helpers/app-harness.js';
import { Relay } from '../helpers/tcp-relay.js';
import { freshPostgres } from '../store/databases.js';

const src = (f: string) => fs.readFileSync(path.join(fixturesDir, 'submissions', f));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function harness(o: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(o);
  cleanups.push(() => h.stop());
  return h;
}

/** The gradings the App recorded, read through a store of the test's own. */
async function recorded(h: Harness, db = h.env.DATABASE_URL!) {
  const store = await openStore({ db, migrate: false });
  try {
    const rows = await store.listSubmissions({}, { order: 'oldest', limit: 100 });
    // awaited here: the store closes in the finally below
    return await Promise.all(rows.map(async (r) => ({ row: r, detail: (await store.getSubmission(r.id))! })));
  } finally {
    await store.close();
  }
}

describe('every grading the App publishes is recorded, once', () => {
  it('a pull request leaves exactly one recorded grading with the job, report, prediction, publication and source', async () => {
    const h = await harness();
    const commit = sha('rec-1');
    const program = src('median/forgets-equal-values.c');
    h.fake.addFile('course', 'median-rec', commit, 'median.c', program);
    await sendWebhook(
      h.app.port!,
      'pull_request',
      pullRequestPayload({ owner: 'course', repo: 'median-rec', sha: commit, installation: 51, number: 8 }),
    );
    await waitFor(() => h.fake.comments.length === 1, 30_000, 'the comment');
    const rows = await waitFor(
      async () => {
        const r = await recorded(h);
        return r.length === 1 && r[0]!.row.checkRunId !== null && r;
      },
      10_000,
      'the recorded publication',
    );
    const { row, detail } = rows[0]!;
    const run = h.fake.checkRuns[0]!;
    expect(row).toMatchObject({
      course: h.app.course.name,
      term: h.app.course.term,
      assignment: 'median',
      repository: 'course/median-rec',
      student: { login: 'student', id: expect.any(Number) },
      branch: expect.any(String),
      commit,
      pullRequest: 8,
      trigger: 'pull_request',
      verdict: 'FAIL',
      checkRunId: run.id,
      commentId: h.fake.comments[0]!.id,
    });
    expect(detail.report.summary).toMatchObject({ total: 18, passed: 13 });
    expect(detail.prediction?.fixType).toBeTruthy();
    expect(row.modelVersion).toMatch(/^sha256-[0-9a-f]{12}$/);
    expect(detail.sourceContent!.equals(program)).toBe(true);
    expect(detail.source).toMatchObject({ file: 'median.c', bytes: program.length, state: 'kept' });
  });

  it('a job retried after GitHub failed, and a redelivered webhook, still leave one row', async () => {
    const h = await harness();
    const commit = sha('rec-retry');
    h.fake.addFile('course', 'median-rer', commit, 'median.c', src('median/sort-with-swaps.c'));
    // more failures than octokit retries by itself: the queue retries the whole job
    h.fake.failNext('POST', /\/check-runs$/, 4, 500);
    const body = pushPayload({ owner: 'course', repo: 'median-rer', sha: commit, installation: 52 });
    await sendWebhook(h.app.port!, 'push', body, { delivery: 'rec-d1' });
    await waitFor(() => h.fake.checkRuns.some((c) => c.status === 'completed'), 60_000, 'the check run');
    await sendWebhook(h.app.port!, 'push', body, { delivery: 'rec-d1' });
    await sendWebhook(h.app.port!, 'push', body, { delivery: 'rec-d2' });
    const [job] = await h.app.queues.grade.getJobs(['completed']);
    expect(job!.attemptsMade).toBeGreaterThanOrEqual(1);
    const rows = await recorded(h);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).toMatchObject({ commit, verdict: 'PASS', checkRunId: h.fake.checkRuns[0]!.id });
  });
});

describe('a database that is down for a few seconds', () => {
  it(
    'delays the job, loses nothing, and the grading is published and recorded once it is back',
    { timeout: 120_000 },
    async () => {
      const db = await freshPostgres();
      cleanups.push(() => db.drop());
      const target = new URL(db.url);
      const relay = new Relay({ host: target.hostname, port: Number(target.port || 5432) });
      await relay.up();
      const through = new URL(db.url);
      through.port = String(relay.port);
      // migrate while it is up, then cut it
      await (await openStore({ db: through.toString() })).close();
      await relay.down();
      const h = await harness({ env: { DATABASE_URL: through.toString() } });
      const commit = sha('rec-down');
      h.fake.addFile('course', 'median-down', commit, 'median.c', src('median/forgets-equal-values.c'));
      await sendWebhook(
        h.app.port!,
        'push',
        pushPayload({ owner: 'course', repo: 'median-down', sha: commit, installation: 53 }),
      );
      // nothing is published while the grading cannot be recorded
      await waitFor(
        async () => (await h.app.queues.grade.getJobCounts('delayed')).delayed === 1,
        30_000,
        'a delayed job',
      );
      expect(h.fake.checkRuns.filter((c) => c.status === 'completed')).toEqual([]);
      await new Promise((r) => setTimeout(r, 3000));
      await relay.up();
      await waitFor(
        () => h.fake.checkRuns.some((c) => c.status === 'completed'),
        60_000,
        'the check run once the database is back',
      );
      const rows = await waitFor(
        async () => {
          const r = await recorded(h, db.url);
          return r.length === 1 && r[0]!.row.checkRunId !== null && r;
        },
        20_000,
        'the recorded grading',
      );
      expect(rows[0]!.row).toMatchObject({ commit, verdict: 'FAIL', checkRunId: h.fake.checkRuns[0]!.id });
      const failed = await h.app.queues.grade.getJobCounts('failed');
      expect(failed.failed).toBe(0);
    },
  );
});
