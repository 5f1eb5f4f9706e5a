import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturesDir, modelsDir } from '../../src/core/paths.js';
import { openStore } from '../../src/store/store.js';
import { pushPayload, sendWebhook, sha, startHarness, waitFor } from '../helpers/app-harness.js';

const src = (f: string) => fs.readFileSync(path.join(fixturesDir, 'submissions', f));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The shipped model, with a manifest that says it learnt from another course's assignment only. */
function modelThatNeverSaw(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-model-'));
  for (const f of ['student.onnx', 'manifest.json']) fs.copyFileSync(path.join(modelsDir, f), path.join(dir, f));
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  m.assignments = [{ name: 'elsewhere', reference_sha256: '0'.repeat(64), labelled: 40, mutants: 0 }];
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

describe('shadow mode, end to end', () => {
  it(
    'a new assignment’s categories reach TAs, not students, until its reviews reach the course’s bar',
    { timeout: 180_000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-shadow-'));
      const course = path.join(dir, 'course.yml');
      fs.writeFileSync(
        course,
        [
          'name: shadow course',
          'term: t1',
          `model: ${modelThatNeverSaw()}`,
          'shadow: { reviews: 2, accuracy: 0.5 }',
          'feedback: { confidence_threshold: 0.3 }',
          'push_feedback: commit_comment',
          'assignments:',
          '  - name: median',
          `    folder: ${path.join(fixturesDir, 'assignments/median')}`,
          '    repositories: ["median-*"]',
          '',
        ].join('\n'),
      );
      const h = await startHarness({ env: { COURSE_FILE: course } });
      cleanups.push(() => h.stop());
      const store = await openStore({ db: h.env.DATABASE_URL! });
      cleanups.push(() => store.close());
      const push = async (repo: string, seed: string, program: string) => {
        const commit = sha(seed);
        h.fake.addFile('course', repo, commit, 'median.c', src(program));
        await sendWebhook(h.app.port!, 'push', pushPayload({ owner: 'course', repo, sha: commit, installation: 71 }));
        const comment = await waitFor(
          () => h.fake.comments.find((c) => c.on === `commit:${commit}`),
          30_000,
          'the comment',
        );
        const row = await waitFor(
          async () =>
            (await store.listSubmissions({}, { order: 'newest', limit: 50 })).find((r) => r.commit === commit),
          10_000,
          'the row',
        );
        return { comment: comment.body, row };
      };

      // two students' programs while the assignment is new: recorded with their prediction, flagged, no category shown
      const first = await push('median-s1', 'shadow-1', 'median/forgets-equal-values.c');
      const second = await push('median-s2', 'shadow-2', 'median/sort-with-swaps.c');
      const third = await push('median-s3', 'shadow-3', 'median/and-instead-of-or.c');
      for (const r of [first, third]) {
        expect(r.row.mode).toBe('shadow');
        expect(r.row.fixType).toBeTruthy();
        expect(r.row.flagged).toBe(true);
        expect(r.row.flagReasons.join()).toMatch(/shadow mode/);
        expect(r.comment).not.toContain('What kind of fix does it need?');
        expect(r.comment).not.toContain(r.row.fixType!);
      }
      expect(second.row.verdict).toBe('PASS');

      // TAs confirm the model on both failing programs: the bar (2 reviews, 50% right) is reached
      for (const r of [first, third])
        await store.recordReview({
          submissionId: r.row.id,
          reviewer: 'ta',
          reviewedAt: Date.now(),
          fixType: r.row.fixType!,
          tags: [],
        });
      // the worker asks again at most every 5 s
      await new Promise((r) => setTimeout(r, 5500));
      const after = await push('median-s4', 'shadow-4', 'median/forgets-equal-values.c');
      expect(after.row.mode).toBe('live');
      expect(after.comment).toContain('What kind of fix does it need?');
      expect(after.row.flagReasons.join()).not.toMatch(/shadow mode/);
    },
  );
});
