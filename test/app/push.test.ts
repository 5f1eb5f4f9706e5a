import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../src/core/paths.js';
import {
  courseFile,
  pushPayload,
  sendWebhook,
  sha,
  startHarness,
  waitFor,
  type Harness,
} from '../helpers/app-harness.js';

const buggy = fs.readFileSync(path.join(fixturesDir, 'submissions/median/forgets-equal-values.c'));
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('a push', () => {
  it('gets one check run, completed with the feedback, and (when the course asks) one commit comment', async () => {
    h = await startHarness({ env: { COURSE_FILE: courseFile('push_feedback: commit_comment\n') } });
    const commit = sha('push-1');
    h.fake.addFile('course', 'median-alice', commit, 'median.c', buggy);
    const r = await sendWebhook(
      h.app.port!,
      'push',
      pushPayload({ owner: 'course', repo: 'median-alice', sha: commit, installation: 11 }),
    );
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ queued: 1, note: 'grading median' });
    const run = await waitFor(
      () => h!.fake.checkRuns.find((c) => c.status === 'completed'),
      30_000,
      'a completed check run',
    );
    expect(h.fake.checkRuns).toHaveLength(1);
    expect(run).toMatchObject({
      owner: 'course',
      repo: 'median-alice',
      head_sha: commit,
      conclusion: 'failure',
      external_id: 'fixsense:median',
      name: 'fixsense: Median of three',
    });
    expect(run.output.title).toBe('13/18 tests pass · 13/18 points');
    expect(run.output.summary).toContain('**13 of 18 tests pass**');
    const comment = await waitFor(() => h!.fake.comments[0], 10_000, 'a commit comment');
    expect(h.fake.comments).toHaveLength(1);
    expect(comment.on).toBe(`commit:${commit}`);
    expect(comment.body).toMatch(/^<!-- fixsense:feedback:median -->\n### 🔎 Median of three: `median\.c`/);
    expect(h.fake.violations).toEqual([]);
  });
});
