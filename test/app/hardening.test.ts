import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../src/core/paths.js';
import {
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

async function harness(o: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(o);
  cleanups.push(() => h.stop());
  return h;
}

/** The queues have nothing left to do. */
async function drained(h: Harness): Promise<boolean> {
  for (const q of [h.app.queues.ack, h.app.queues.grade]) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).some((n) => n > 0)) return false;
  }
  return true;
}

describe('a sandbox that fails on every attempt', () => {
  it('is retried a bounded number of times, and the check run is completed as neutral, never left in progress', async () => {
    // the real code path, with a "bubblewrap" that always breaks the way a damaged supervisor does
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-badbwrap-'));
    fs.chmodSync(dir, 0o755); // bwrap is started as the sandbox's own unprivileged uid
    const bwrap = path.join(dir, 'bwrap');
    fs.writeFileSync(bwrap, '#!/bin/sh\necho "fixsense-runner: Too many open files" >&2\nexit 70\n', { mode: 0o755 });
    const before = process.env.FIXSENSE_BWRAP;
    process.env.FIXSENSE_BWRAP = bwrap;
    cleanups.push(() => {
      if (before === undefined) delete process.env.FIXSENSE_BWRAP;
      else process.env.FIXSENSE_BWRAP = before;
    });
    const h = await harness();
    const commit = sha('broken-sandbox');
    h.fake.addFile('course', 'median-ivy', commit, 'median.c', src('median/forgets-equal-values.c'));
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-ivy', sha: commit, installation: 31 }),
    );
    const run = await waitFor(() => h.fake.checkRuns.find((c) => c.status === 'completed'), 60_000, 'a completed run');
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'Grading failed' } });
    expect(run.output.summary).toMatch(/the course staff have been told/);
    await waitFor(() => drained(h), 10_000, 'the queues to drain');
    const [failed] = await h.app.queues.grade.getJobs(['failed']);
    expect(failed!.attemptsMade).toBe(2);
    expect(failed!.failedReason).toMatch(/grading failed on attempt 2: .*Too many open files/);
    expect(h.fake.checkRuns).toHaveLength(1);
    expect(h.fake.checkRuns.filter((c) => c.status !== 'completed')).toEqual([]);
  });
});

describe('what the App fetches', () => {
  it('a symlink, a submodule or a file over 100 MB in place of the program gets a neutral check run, without retries', async () => {
    const h = await harness();
    const cases = [
      {
        repo: 'median-sym',
        entry: { type: 'symlink' as const, target: '/etc/passwd' },
        title: 'median.c is a symlink',
      },
      { repo: 'median-sub', entry: { type: 'submodule' as const, url: 'https://x' }, title: 'median.c is a submodule' },
      { repo: 'median-huge', entry: { type: 'huge' as const }, title: 'median.c is too large' },
    ];
    for (const [i, c] of cases.entries()) {
      const commit = sha(`special-${i}`);
      h.fake.addSpecial('course', c.repo, commit, 'median.c', c.entry);
      await sendWebhook(
        h.app.port!,
        'push',
        pushPayload({ owner: 'course', repo: c.repo, sha: commit, installation: 32 }),
      );
    }
    await waitFor(() => h.fake.checkRuns.filter((c) => c.status === 'completed').length === 3, 30_000, 'three runs');
    for (const c of cases) {
      const run = h.fake.checkRuns.find((r) => r.repo === c.repo)!;
      expect(run).toMatchObject({ conclusion: 'neutral', output: { title: c.title } });
      const fetches = h.fake.requests.filter(
        (r) => r.method === 'GET' && r.path.startsWith(`/repos/course/${c.repo}/contents`),
      );
      expect(fetches).toHaveLength(1);
    }
    expect(h.fake.violations).toEqual([]);
  });

  it('a file over 1 MB comes through the blob API when the assignment accepts its size; beyond its limit it is not fetched', async () => {
    // a copy of the median assignment that accepts 4 MB sources
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-bigmedian-'));
    fs.cpSync(path.join(fixturesDir, 'assignments/median'), folder, { recursive: true });
    fs.appendFileSync(path.join(folder, 'assignment.yml'), 'compile: {max_source_kb: 4096}\n');
    const course = path.join(folder, 'course.yml');
    fs.writeFileSync(
      course,
      `assignments:\n  - name: median\n    folder: ${folder}\n    repositories: ["median-*"]\n    source: median.c\n` +
        `  - name: smallest\n    folder: ${path.join(fixturesDir, 'assignments/smallest')}\n    repositories: ["smallest-*"]\n    source: src/smallest.c\n`,
    );
    const h = await harness({ env: { COURSE_FILE: course } });
    const padding = `/*${' padding'.repeat(200_000)} */\n`; // 1.6 MB of comment
    const big = Buffer.concat([Buffer.from(padding), src('median/sort-with-swaps.c')]);
    const ok = sha('big-ok');
    h.fake.addFile('course', 'median-big', ok, 'median.c', big);
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-big', sha: ok, installation: 33 }),
    );
    // the smallest assignment keeps the default 512 KB limit
    const tooBig = sha('big-no');
    h.fake.addFile('course', 'smallest-big', tooBig, 'src/smallest.c', big);
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'smallest-big', sha: tooBig, installation: 33 }),
    );
    await waitFor(() => h.fake.checkRuns.filter((c) => c.status === 'completed').length === 2, 60_000, 'two runs');
    const graded = h.fake.checkRuns.find((r) => r.repo === 'median-big')!;
    expect(graded).toMatchObject({ conclusion: 'success', output: { title: '18/18 tests pass · 18/18 points' } });
    expect(h.fake.requests.some((r) => r.path.startsWith('/repos/course/median-big/git/blobs/'))).toBe(true);
    const refused = h.fake.checkRuns.find((r) => r.repo === 'smallest-big')!;
    expect(refused).toMatchObject({ conclusion: 'neutral', output: { title: 'src/smallest.c is too large' } });
    expect(refused.output.summary).toMatch(/larger than the 512 KB this assignment accepts/);
    expect(h.fake.requests.some((r) => r.path.startsWith('/repos/course/smallest-big/git/blobs/'))).toBe(false);
  });
});

describe('publishing', () => {
  it('a comment a student wrote with the hidden marker is not taken for the App’s own', async () => {
    const h = await harness();
    const commit = sha('planted');
    h.fake.addFile('course', 'median-jo', commit, 'median.c', src('median/forgets-equal-values.c'));
    const planted = h.fake.addUserComment(
      'course',
      'median-jo',
      'issue:4',
      '<!-- fixsense:feedback:median -->\nall tests pass!',
      'jo',
    );
    await sendWebhook(
      h.app.port!,
      'pull_request',
      pullRequestPayload({ owner: 'course', repo: 'median-jo', sha: commit, installation: 34, number: 4 }),
    );
    await waitFor(() => h.fake.comments.length === 2, 30_000, 'the App’s comment');
    expect(planted.body).toBe('<!-- fixsense:feedback:median -->\nall tests pass!');
    const mine = h.fake.comments.find((c) => c.login === 'fixsense[bot]')!;
    expect(mine.body).toContain('13 of 18 tests pass');
  });

  it('annotation lines steered by #line are clamped to the file', async () => {
    const h = await harness();
    const commit = sha('line-steer');
    // `if (a = b)` draws -Wparentheses, a hint the check run annotates at the (steered) line
    const program =
      '#include <stdio.h>\n#line 2147483600\nint main(void) { int a, b, c; scanf("%d%d%d", &a, &b, &c); ' +
      'if (a = b) a = c; printf("%d is the median\\n", a); return 0; }\n';
    h.fake.addFile('course', 'median-kit', commit, 'median.c', program);
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-kit', sha: commit, installation: 35 }),
    );
    const run = await waitFor(() => h.fake.checkRuns.find((c) => c.status === 'completed'), 30_000, 'the run');
    const lines = program.split('\n').length - 1;
    expect(run.annotations.length).toBeGreaterThan(0);
    for (const a of run.annotations as { start_line: number; end_line: number }[]) {
      expect(a.start_line).toBeGreaterThanOrEqual(1);
      expect(a.end_line).toBeLessThanOrEqual(lines);
    }
  });
});

describe('one student pushing 50 times while 10 others push once', () => {
  it(
    'grades at most two of the 50 (the newest always), skips the rest naming the newer commit, and delays nobody else by more than one grading',
    { timeout: 240_000 },
    async () => {
      const h = await harness();
      const programs = [
        'median/forgets-equal-values.c',
        'median/sort-with-swaps.c',
        'median/prints-wrong-variable.c',
      ].map(src);
      const mine = Array.from({ length: 50 }, (_, i) => sha(`spam-${i}`));
      mine.forEach((c, i) => h.fake.addFile('course', 'median-spam', c, 'median.c', programs[i % 3]!));
      const others = Array.from({ length: 10 }, (_, i) => ({ repo: `median-o${i}`, sha: sha(`other-${i}`) }));
      others.forEach((o, i) => h.fake.addFile('course', o.repo, o.sha, 'median.c', programs[i % 3]!));
      // all 50 arrive while the first is still being graded, then the others
      const responses = await Promise.all(
        mine.map((c) =>
          sendWebhook(
            h.app.port!,
            'push',
            pushPayload({ owner: 'course', repo: 'median-spam', sha: c, installation: 36 }),
          ),
        ),
      );
      expect(responses.every((r) => r.status === 202)).toBe(true);
      await Promise.all(
        others.map((o) =>
          sendWebhook(
            h.app.port!,
            'push',
            pushPayload({ owner: 'course', repo: o.repo, sha: o.sha, installation: 36 }),
          ),
        ),
      );
      await waitFor(
        async () => (await drained(h)) && h.fake.checkRuns.every((c) => c.status === 'completed'),
        180_000,
        'all work done',
      );

      const jobs = await h.app.queues.grade.getJobs(['completed']);
      const graded = jobs.filter((j) => j.returnvalue.verdict !== 'SUPERSEDED');
      const gradedMine = graded.filter((j) => j.data.repo === 'median-spam');
      expect(gradedMine.length).toBeGreaterThanOrEqual(1);
      expect(gradedMine.length).toBeLessThanOrEqual(2);
      // the newest is the one no other commit supersedes (arrivals within one millisecond are ordered by Redis)
      const newest: string[] = [];
      for (const j of jobs.filter((x) => x.data.repo === 'median-spam'))
        if (!(await h.app.queues.newest.supersededBy(j.data))) newest.push(j.data.sha);
      expect(newest).toHaveLength(1);
      expect(gradedMine.map((j) => j.data.sha)).toContain(newest[0]);
      // every other student is graded, and waits behind at most one of the spammer's gradings
      for (const o of others) {
        const job = graded.find((j) => j.data.sha === o.sha)!;
        expect(job).toBeDefined();
        const ahead = gradedMine.filter(
          (m) => m.processedOn! > job.data.receivedAt && m.processedOn! < job.processedOn!,
        );
        expect(ahead.length, `${o.repo} waited behind ${ahead.length} of the spammer's gradings`).toBeLessThanOrEqual(
          1,
        );
      }
      // no check run left in progress; each skipped one names the commit that replaced it
      const runs = h.fake.checkRuns.filter((c) => c.repo === 'median-spam');
      expect(runs.find((r) => r.head_sha === newest[0])!.conclusion).not.toBe('skipped');
      for (const r of runs.filter((x) => x.conclusion === 'skipped')) {
        expect(r.output.summary).toMatch(/A newer commit, [0-9a-f]{40}, was pushed/);
      }
      expect(runs.every((r) => r.status === 'completed')).toBe(true);
      // a superseded commit that never got an in-progress run costs no write at all
      expect(runs).toHaveLength(gradedMine.length);
      expect(h.fake.violations).toEqual([]);
    },
  );

  it(
    'with in-progress runs made at once, every commit still ends with exactly one completed run',
    { timeout: 120_000 },
    async () => {
      // acknowledging at once races the grading stage for each job's check run
      const h = await harness({ env: { ACK_AFTER_MS: '0' } });
      const commits = Array.from({ length: 20 }, (_, i) => sha(`race-${i}`));
      commits.forEach((c, i) =>
        h.fake.addFile(
          'course',
          'median-race',
          c,
          'median.c',
          src(i % 2 ? 'median/sort-with-swaps.c' : 'median/forgets-equal-values.c'),
        ),
      );
      await Promise.all(
        commits.map((c) =>
          sendWebhook(
            h.app.port!,
            'push',
            pushPayload({ owner: 'course', repo: 'median-race', sha: c, installation: 37 }),
          ),
        ),
      );
      await waitFor(
        async () => (await drained(h)) && h.fake.checkRuns.every((c) => c.status === 'completed'),
        90_000,
        'all work done',
      );
      const perCommit = new Map<string, number>();
      for (const r of h.fake.checkRuns) perCommit.set(r.head_sha, (perCommit.get(r.head_sha) ?? 0) + 1);
      expect([...perCommit.values()].every((n) => n === 1)).toBe(true);
      const graded = h.fake.checkRuns.filter((r) => r.conclusion !== 'skipped');
      expect(graded.length).toBeGreaterThanOrEqual(1);
      for (const r of h.fake.checkRuns.filter((x) => x.conclusion === 'skipped'))
        expect(r.output.summary).toMatch(/A newer commit, [0-9a-f]{40}, was pushed/);
      expect(h.fake.violations).toEqual([]);
    },
  );
});
