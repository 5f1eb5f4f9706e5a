import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../src/core/paths.js';
import { openStore } from '../../src/store/store.js';
import { pushPayload, sendWebhook, sha, startHarness, waitFor, type Harness } from '../helpers/app-harness.js';

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

async function drained(h: Harness): Promise<boolean> {
  for (const q of [h.app.queues.ack, h.app.queues.grade]) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).some((n) => n > 0)) return false;
  }
  return true;
}

describe('identical submissions', () => {
  it('the same source pushed again (another commit, another branch or repository) reuses the report', async () => {
    const h = await harness();
    const program = src('median/forgets-equal-values.c');
    const first = sha('same-1');
    const second = sha('same-2');
    h.fake.addFile('course', 'median-twin', first, 'median.c', program);
    h.fake.addFile('course', 'median-twin2', second, 'median.c', program);
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-twin', sha: first, installation: 61 }),
    );
    await waitFor(() => h.fake.checkRuns.some((c) => c.status === 'completed'), 30_000, 'the first run');
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-twin2', sha: second, installation: 61 }),
    );
    await waitFor(
      () => h.fake.checkRuns.filter((c) => c.status === 'completed').length === 2,
      30_000,
      'the second run',
    );
    const store = await openStore({ db: h.env.DATABASE_URL!, migrate: false });
    cleanups.push(() => store.close());
    const rows = await waitFor(async () => {
      const r = await store.listSubmissions({}, { order: 'oldest', limit: 10 });
      return r.length === 2 && r;
    });
    const [a, b] = await Promise.all(rows.map((r) => store.getSubmission(r.id)));
    // a second grading would have its own timings: the same ones mean the report was reused
    expect(b!.report.timing).toEqual(a!.report.timing);
    expect(b!.report).toEqual(a!.report);
    expect(h.fake.checkRuns.map((c) => c.output.title)).toEqual([
      '13/18 tests pass · 13/18 points',
      '13/18 tests pass · 13/18 points',
    ]);
  });
});

describe('when the write budget runs short', () => {
  it(
    'feedback waits once; a student who pushes again meanwhile costs no write for the older commit',
    { timeout: 120_000 },
    async () => {
      // 20 writes per 20 s; below half of it free, graded feedback waits 3 s before it is published
      const h = await harness({
        env: { WRITE_LIMITS: '20/20s', PUBLISH_HOLD_BELOW: '0.5', PUBLISH_HOLD_MS: '3000' },
        fake: { enforce: [{ limit: 20, windowMs: 20_000 }] },
      });
      // use up half the budget first
      const warm = Array.from({ length: 10 }, (_, i) => sha(`warm-${i}`));
      warm.forEach((c, i) => h.fake.addFile('course', `median-w${i}`, c, 'median.c', src('median/sort-with-swaps.c')));
      for (const [i, c] of warm.entries())
        await sendWebhook(
          h.app.port!,
          'push',
          pushPayload({ owner: 'course', repo: `median-w${i}`, sha: c, installation: 62 }),
        );
      await waitFor(() => h.fake.checkRuns.filter((c) => c.status === 'completed').length === 10, 60_000, 'ten runs');
      const older = sha('held-1');
      const newer = sha('held-2');
      h.fake.addFile('course', 'median-held', older, 'median.c', src('median/forgets-equal-values.c'));
      h.fake.addFile('course', 'median-held', newer, 'median.c', src('median/sort-with-swaps.c'));
      await sendWebhook(
        h.app.port!,
        'push',
        pushPayload({ owner: 'course', repo: 'median-held', sha: older, installation: 62 }),
      );
      // the older commit is graded, then held: no check run yet
      await waitFor(
        async () => (await h.app.queues.grade.getJobs(['delayed'])).some((j) => j.data.sha === older && j.data.heldAt),
        30_000,
        'the older commit held',
      );
      expect(h.fake.checkRuns.filter((c) => c.repo === 'median-held')).toEqual([]);
      await sendWebhook(
        h.app.port!,
        'push',
        pushPayload({ owner: 'course', repo: 'median-held', sha: newer, installation: 62 }),
      );
      await waitFor(
        async () =>
          (await drained(h)) && h.fake.checkRuns.some((c) => c.head_sha === newer && c.status === 'completed'),
        60_000,
        'the newer commit published',
      );
      const runs = h.fake.checkRuns.filter((c) => c.repo === 'median-held');
      expect(runs.map((r) => [r.head_sha, r.conclusion])).toEqual([[newer, 'success']]);
      expect(h.fake.requests.filter((r) => r.status === 403)).toEqual([]);
    },
  );

  it(
    'a burst past the budget loses no student’s final feedback, and no 403 fails a job',
    { timeout: 240_000 },
    async () => {
      // GitHub's 80 a minute and 500 an hour, shrunk: 80 per 3 s and 40 per 15 s
      const h = await harness({
        env: { WRITE_LIMITS: '80/3s,40/15s', PUBLISH_HOLD_MS: '2000' },
        fake: {
          enforce: [
            { limit: 80, windowMs: 3000 },
            { limit: 40, windowMs: 15_000 },
          ],
          retryAfterSeconds: 1,
        },
      });
      // at least one write for each last push: 60, past the 40 the budget allows in any 15 s
      const students = 60;
      const last = new Map<number, string>();
      const programs = [
        'median/forgets-equal-values.c',
        'median/sort-with-swaps.c',
        'median/prints-wrong-variable.c',
      ].map(src);
      const pushes: { s: number; c: string }[] = [];
      for (let s = 0; s < students; s++)
        for (let k = 0; k < 3; k++) {
          const c = sha(`burst-${s}-${k}`);
          h.fake.addFile('course', `median-b${s}`, c, 'median.c', programs[(s + k) % 3]!);
          pushes.push({ s, c });
          last.set(s, c);
        }
      // 180 pushes of 60 students, arriving together
      await Promise.all(
        pushes.map((p) =>
          sendWebhook(
            h.app.port!,
            'push',
            pushPayload({ owner: 'course', repo: `median-b${p.s}`, sha: p.c, installation: 63 }),
          ),
        ),
      );
      await waitFor(
        async () =>
          (await drained(h)) &&
          [...last.values()].every((c) =>
            h.fake.checkRuns.some((r) => r.head_sha === c && r.status === 'completed' && r.conclusion !== 'skipped'),
          ),
        200_000,
        'every student’s last push published',
      );
      expect((await h.app.queues.grade.getJobCounts('failed')).failed).toBe(0);
      expect(h.fake.maxWritesInWindow(63, 15_000)).toBeLessThanOrEqual(40);
      expect(h.fake.checkRuns.every((c) => c.status === 'completed')).toBe(true);
    },
  );
});
