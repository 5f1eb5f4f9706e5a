import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../src/core/paths.js';
import {
  payload,
  pullRequestPayload,
  pushPayload,
  sendWebhook,
  sha,
  SECRET,
  startHarness,
  waitFor,
  APP_ID,
  type Harness,
} from '../helpers/app-harness.js';

const src = (f: string) => fs.readFileSync(path.join(fixturesDir, 'submissions', f));
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function counts(h: Harness) {
  return h.app.queues.grade.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
}

describe('the GitHub App, end to end with a real Redis', () => {
  it('a pull request gets one sticky comment, updated (not duplicated) on the next push', async () => {
    h = await startHarness();
    const first = sha('pr-1');
    const second = sha('pr-2');
    h.fake.addFile('course', 'median-bob', first, 'median.c', src('median/forgets-equal-values.c'));
    h.fake.addFile('course', 'median-bob', second, 'median.c', src('median/sort-with-swaps.c'));
    await sendWebhook(
      h.app.port!,
      'pull_request',
      pullRequestPayload({ owner: 'course', repo: 'median-bob', sha: first, installation: 12, number: 7 }),
    );
    await waitFor(
      () => h!.fake.comments.length === 1 && h!.fake.checkRuns.some((c) => c.status === 'completed'),
      30_000,
      'first comment',
    );
    expect(h.fake.comments[0]!.body).toContain('13 of 18 tests pass');
    await sendWebhook(
      h.app.port!,
      'pull_request',
      pullRequestPayload({
        owner: 'course',
        repo: 'median-bob',
        sha: second,
        installation: 12,
        number: 7,
        action: 'synchronize',
      }),
    );
    // on a pull request the comment is written first, then the check run
    await waitFor(
      () =>
        h!.fake.comments[0]!.body.includes('18 of 18 tests pass') &&
        h!.fake.checkRuns.filter((c) => c.status === 'completed').length === 2,
      30_000,
      'updated comment and the second check run',
    );
    expect(h.fake.comments).toHaveLength(1);
    expect(h.fake.comments[0]!.on).toBe('issue:7');
    expect(h.fake.checkRuns.map((c) => [c.head_sha, c.conclusion])).toEqual([
      [first, 'failure'],
      [second, 'success'],
    ]);
    expect(h.fake.violations).toEqual([]);
  });

  it('check_run.rerequested grades the commit again into a new check run', async () => {
    h = await startHarness();
    const commit = sha('rerun');
    h.fake.addFile('course', 'median-cy', commit, 'median.c', src('median/prints-wrong-variable.c'));
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-cy', sha: commit, installation: 13 }),
    );
    const first = await waitFor(() => h!.fake.checkRuns.find((c) => c.status === 'completed'), 30_000, 'first run');
    const rerequest = payload('check_run', 'rerequested', (p) => {
      p.check_run = {
        ...p.check_run,
        id: first.id,
        head_sha: commit,
        external_id: 'fixsense:median',
        app: { ...p.check_run.app, id: APP_ID },
        pull_requests: [],
      };
      p.repository = {
        ...p.repository,
        name: 'median-cy',
        full_name: 'course/median-cy',
        owner: { ...p.repository.owner, login: 'course' },
      };
      p.installation = { id: 13 };
    });
    const r = await sendWebhook(h.app.port!, 'check_run', rerequest);
    expect(r.json).toMatchObject({ queued: 1, note: 'grading median again' });
    await waitFor(
      () => h!.fake.checkRuns.length === 2 && h!.fake.checkRuns.every((c) => c.status === 'completed'),
      30_000,
      'second run',
    );
    expect(new Set(h.fake.checkRuns.map((c) => c.id)).size).toBe(2);
    expect(h.fake.checkRuns.every((c) => c.head_sha === commit && c.conclusion === 'failure')).toBe(true);
    expect(h.fake.violations).toEqual([]);
  });

  it('the same delivery twice, or the same commit pushed twice, is graded once', async () => {
    h = await startHarness();
    const commit = sha('dup');
    h.fake.addFile('course', 'median-dee', commit, 'median.c', src('median/sort-with-swaps.c'));
    const body = pushPayload({ owner: 'course', repo: 'median-dee', sha: commit, installation: 14 });
    const a = await sendWebhook(h.app.port!, 'push', body, { delivery: 'same-delivery' });
    const b = await sendWebhook(h.app.port!, 'push', body, { delivery: 'same-delivery' });
    expect(a.json.queued).toBe(1);
    expect(b.json).toMatchObject({ queued: 0, duplicates: 1 });
    await waitFor(() => h!.fake.checkRuns.some((c) => c.status === 'completed'), 30_000);
    const c = await sendWebhook(h.app.port!, 'push', body, { delivery: 'another-delivery' });
    expect(c.json).toMatchObject({ queued: 0, duplicates: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(h.fake.checkRuns).toHaveLength(1);
    expect((await counts(h)).completed).toBe(1);
  });

  it('a bad or missing signature is refused with 401 and nothing is queued', async () => {
    h = await startHarness();
    const body = pushPayload({ owner: 'course', repo: 'median-eve', sha: sha('sig'), installation: 15 });
    const bad = await sendWebhook(h.app.port!, 'push', body, { signature: `sha256=${'0'.repeat(64)}` });
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatch(/signature does not match/);
    const wrongSecret = await sendWebhook(h.app.port!, 'push', body, {
      signature: (await import('../helpers/app-harness.js')).sign(JSON.stringify(body), `${SECRET}x`),
    });
    expect(wrongSecret.status).toBe(401);
    const missing = await sendWebhook(h.app.port!, 'push', body, { signature: null });
    expect(missing.status).toBe(401);
    expect(await counts(h)).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(h.fake.requests).toEqual([]);
  });

  it('a malformed body is refused with 400; events with nothing to grade are acknowledged', async () => {
    h = await startHarness();
    const text = '{"not json';
    const res = await fetch(`http://127.0.0.1:${h.app.port}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'x-github-event': 'push',
        'x-hub-signature-256': (await import('../helpers/app-harness.js')).sign(text),
      },
      body: text,
    });
    expect(res.status).toBe(400);
    const tag = pushPayload({ owner: 'course', repo: 'median-f', sha: sha('tag'), installation: 16 });
    tag.ref = 'refs/tags/v1';
    expect((await sendWebhook(h.app.port!, 'push', tag)).json).toMatchObject({
      queued: 0,
      note: expect.stringMatching(/tag/),
    });
    const deleted = pushPayload({ owner: 'course', repo: 'median-f', sha: sha('del'), installation: 16 });
    deleted.deleted = true;
    expect((await sendWebhook(h.app.port!, 'push', deleted)).json.note).toMatch(/deleted/);
    const bot = pushPayload({ owner: 'course', repo: 'median-f', sha: sha('bot'), installation: 16 });
    bot.sender = { login: 'dependabot[bot]', type: 'Bot' };
    expect((await sendWebhook(h.app.port!, 'push', bot)).json.note).toMatch(/bot/);
    const other = pushPayload({ owner: 'course', repo: 'not-an-assignment', sha: sha('x'), installation: 16 });
    expect((await sendWebhook(h.app.port!, 'push', other)).json.note).toMatch(/no assignment/);
    const install = payload('installation', 'created', () => {});
    expect((await sendWebhook(h.app.port!, 'installation', install)).status).toBe(202);
    const c = await counts(h!);
    expect(c.waiting! + c.completed!).toBe(0);
  });

  it('the comment endpoint failing with 500 twice is retried: one comment', async () => {
    h = await startHarness();
    const commit = sha('flaky');
    h.fake.addFile('course', 'median-gus', commit, 'median.c', src('median/and-instead-of-or.c'));
    h.fake.failNext('POST', /\/issues\/\d+\/comments$/, 2, 500);
    await sendWebhook(
      h.app.port!,
      'pull_request',
      pullRequestPayload({ owner: 'course', repo: 'median-gus', sha: commit, installation: 17, number: 3 }),
    );
    await waitFor(() => h!.fake.comments.length > 0, 30_000, 'the comment');
    await new Promise((r) => setTimeout(r, 500));
    expect(h.fake.comments).toHaveLength(1);
    expect(h.fake.requests.filter((r) => r.method === 'POST' && /comments$/.test(r.path)).map((r) => r.status)).toEqual(
      [500, 500, 201],
    );
  });

  it('a missing source file gives a neutral check run that says so, and no retries', async () => {
    h = await startHarness();
    const commit = sha('nofile');
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'smallest-hal', sha: commit, installation: 18 }),
    );
    const run = await waitFor(() => h!.fake.checkRuns.find((c) => c.status === 'completed'), 30_000);
    expect(run).toMatchObject({ conclusion: 'neutral', output: { title: 'src/smallest.c not found' } });
    expect(run.output.summary).toMatch(/Push your program as `src\/smallest\.c`/);
    expect((await counts(h)).failed).toBe(0);
  });

  it('a compile error gets annotations at the error lines, 50 per request', async () => {
    h = await startHarness();
    const commit = sha('compile');
    const lines = Array.from({ length: 60 }, (_, i) => `  undeclared_${i} = ${i};`).join('\n');
    h.fake.addFile('course', 'median-ivy', commit, 'median.c', `int main(void) {\n${lines}\n  return 0;\n}\n`);
    await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-ivy', sha: commit, installation: 19 }),
    );
    const run = await waitFor(() => h!.fake.checkRuns.find((c) => c.status === 'completed'), 30_000);
    expect(run.conclusion).toBe('failure');
    expect(run.output.title).toBe('Does not compile');
    expect(run.annotations.length).toBe(60);
    expect(run.annotations[0]).toMatchObject({ path: 'median.c', start_line: 2, annotation_level: 'failure' });
    // created completed with the first 50, the other 10 in one more request
    const writes = h.fake.requests.filter((r) => r.method !== 'GET' && /check-runs/.test(r.path));
    expect(writes.map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(h.fake.violations).toEqual([]);
  });
});
