import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type AppHandle } from '../../src/app/start-app.js';
import { fixturesDir, projectRoot } from '../../src/core/paths.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import {
  APP_ID,
  env,
  keys,
  pullRequestPayload,
  pushPayload,
  sendWebhook,
  sha,
  startHarness,
  waitFor,
  type Harness,
} from '../helpers/app-harness.js';

const src = (f: string) => fs.readFileSync(path.join(fixturesDir, 'submissions', f));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('200 pushes at once', () => {
  // 4 distinct programs: most of the 200 reuse a report (the report cache), so writes come
  // faster than the budget allows; the wait below is a safety net, not a speed target
  it(
    'every one is published, and the fake GitHub never sees more writes per installation than the budget allows',
    { timeout: 420_000 },
    async () => {
      // GitHub's budget is 80 content-creating requests a minute (and 500 an hour); the same
      // limiter runs here with the windows shrunk twenty-fold, so the test takes seconds, and so
      // is the wait for a newer push once the budget runs short (240 s in production)
      const h: Harness = await startHarness({
        env: { WRITE_LIMITS: '80/3s,500/180s', PUBLISH_HOLD_MS: '12000' },
      });
      cleanups.push(() => h.stop());
      const programs = [
        'median/forgets-equal-values.c',
        'median/sort-with-swaps.c',
        'median/prints-wrong-variable.c',
        'median/and-instead-of-or.c',
      ].map(src);
      const N = 200;
      const commits = Array.from({ length: N }, (_, i) => sha(`burst-${i}`));
      commits.forEach((c, i) =>
        h.fake.addFile('course', `median-s${i}`, c, 'median.c', programs[i % programs.length]!),
      );
      const responses = await Promise.all(
        commits.map((c, i) =>
          sendWebhook(
            h.app.port!,
            'push',
            pushPayload({ owner: 'course', repo: `median-s${i}`, sha: c, installation: 21 }),
          ),
        ),
      );
      expect(responses.every((r) => r.status === 202 && r.json.queued === 1)).toBe(true);
      await waitFor(
        () => h.fake.checkRuns.filter((c) => c.status === 'completed').length === N,
        360_000,
        `${N} completed check runs`,
      );
      expect(h.fake.checkRuns).toHaveLength(N);
      expect(new Set(h.fake.checkRuns.map((c) => c.head_sha)).size).toBe(N);
      // each check run is created already completed (one write), or in progress when its push
      // waited longer than ACK_AFTER_MS (and the budget had room) and then completed (two)
      const posts = h.fake.writes.filter((w) => w.method === 'POST').length;
      const patches = h.fake.writes.filter((w) => w.method === 'PATCH').length;
      expect(posts).toBe(N);
      expect(h.fake.writes.length).toBe(N + patches);
      expect(patches).toBe(h.fake.checkRuns.filter((c) => c.created_status === 'in_progress').length);
      expect(h.fake.maxWritesInWindow(21, 3000)).toBeLessThanOrEqual(80);
      expect(h.fake.violations).toEqual([]);
      const failed = await h.app.queues.grade.getJobCounts('failed');
      expect(failed.failed).toBe(0);
    },
  );
});

describe('a worker killed in the middle of a job', () => {
  it(
    'its job is picked up again by another worker (stalled-job recovery): one check run, one comment',
    { timeout: 120_000 },
    async () => {
      const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
      await fake.start();
      cleanups.push(() => fake.stop());
      // a push still ungraded after half a second gets an in-progress run: the job below lasts seconds
      const e = env(fake, { WORKER_LOCK_MS: '1500', ACK_AFTER_MS: '500', FIXSENSE_QUIET: '1' });
      const web: AppHandle = await startApp({ web: true, worker: false, env: e });
      cleanups.push(() => web.close());
      // a slow submission: every test runs into its time limit, so the job lasts seconds
      const commit = sha('killed');
      fake.addFile(
        'course',
        'median-kim',
        commit,
        'median.c',
        fs.readFileSync(path.join(fixturesDir, 'hostile/busy-loop.c')),
      );

      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--no-web'], {
        cwd: projectRoot,
        env: { ...process.env, ...e },
        stdio: 'ignore',
      });
      cleanups.push(() => void child.kill('SIGKILL'));
      await sendWebhook(
        web.port!,
        'pull_request',
        pullRequestPayload({ owner: 'course', repo: 'median-kim', sha: commit, installation: 31, number: 5 }),
      );
      // the first worker has started the job: its check run is in progress
      await waitFor(() => fake.checkRuns.find((c) => c.status === 'in_progress'), 60_000, 'an in-progress check run');
      await waitFor(
        async () => (await web.queues.grade.getJobCounts('active')).active === 1,
        30_000,
        'the grading job to be active',
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const second = await startApp({ web: false, worker: true, env: e, lockDurationMs: 1500 });
      cleanups.push(() => second.close());
      const run = await waitFor(
        () => fake.checkRuns.find((c) => c.status === 'completed'),
        90_000,
        'the job to be completed by the second worker',
      );
      await waitFor(() => fake.comments.length > 0, 30_000, 'the comment');
      expect(fake.checkRuns).toHaveLength(1);
      expect(run.conclusion).toBe('failure');
      expect(run.output.summary).toMatch(/ran out of time|0 of 18 tests pass/);
      expect(fake.comments).toHaveLength(1);
      expect(fake.violations).toEqual([]);
    },
  );
});
