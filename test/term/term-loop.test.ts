/**
 * The term loop end to end: a store with TA-reviewed submissions of a course → `retrain
 * --term` writes a new registry version, compared with the serving model on the course's
 * held-out labels → `models promote` → the running worker grades with it (without a restart)
 * and the next grading names it; a worse version is refused; `models rollback` restores the
 * old one, and the worker follows again.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, modelsDir, projectRoot } from '../../src/core/paths.js';
import { loadPredictor } from '../../src/model/predictor.js';
import { SERVING_ALIAS, versionDir } from '../../src/model/registry.js';
import { openStore } from '../../src/store/store.js';
import { splitOfStudent } from '../../src/training/load-labelled-folder.js';
import { addVersion } from '../../src/training/registry-write.js';
import {
  courseFile,
  pullRequestPayload,
  sendWebhook,
  sha,
  startHarness,
  waitFor,
  type Harness,
} from '../helpers/app-harness.js';
import { modelManifest, randomOnnx } from '../model/model-folder.js';
import { sampleRecord } from '../store/sample-record.js';

const TERM = '2027-spring';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-term-'));
const db = path.join(tmp, 'fixsense.db');
const registry = path.join(tmp, 'models');
const course = courseFile(`name: cs101\nterm: ${TERM}\nmodel: ${registry}\n`);

/** The CLI as staff run it, in a child process (it must not block the App's event loop). */
function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, FIXSENSE_QUIET: '1', LLM_BASE_URL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const where = ['--db', db, '--registry', registry, '--course', course];

/** Fixture students: a few whose hash holds them out, more who are trained on. */
function students(): { train: string[]; heldOut: string[] } {
  const names = Array.from({ length: 200 }, (_, i) => `student-${i}`);
  return {
    train: names.filter((n) => splitOfStudent(n) === 'train').slice(0, 5),
    heldOut: names.filter((n) => splitOfStudent(n) === 'validation').slice(0, 2),
  };
}

const labels = fs
  .readFileSync(path.join(fixturesDir, 'labels.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { file: string; assignment: string; fix_type: string; tags: string[] })
  .filter((l) => l.assignment === 'median' || l.assignment === 'smallest');

let h: Harness;
let shipped: string;

beforeAll(async () => {
  shipped = (await loadPredictor(modelsDir)).version;
  // the term so far: every labelled fixture program, submitted and reviewed by each student
  const store = await openStore({ db });
  const { train, heldOut } = students();
  let i = 0;
  for (const student of [...train, ...heldOut])
    for (const l of labels) {
      const source = `/* ${student} */\n${fs.readFileSync(path.join(fixturesDir, l.file), 'utf8')}`;
      const r = await store.recordGrading(
        sampleRecord(i++, { term: TERM, course: 'cs101', assignment: l.assignment, student, outcome: 'FAIL', source }),
      );
      await store.recordReview({
        submissionId: r.id,
        reviewer: 'ta-alice',
        reviewedAt: Date.now(),
        fixType: l.fix_type,
        tags: l.tags,
      });
    }
  await store.close();
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

/** The model version the App recorded for its latest grading. */
async function lastRecordedVersion(): Promise<string | null> {
  const store = await openStore({ db, migrate: false });
  try {
    const [row] = await store.listSubmissions({ term: TERM }, { order: 'newest', limit: 1 });
    return row!.modelVersion;
  } finally {
    await store.close();
  }
}

let pr = 0;
/** A student opens a pull request with a failing program; resolves with the comment once it is written. */
async function push(program: string): Promise<string> {
  pr++;
  const commit = sha(`term-${pr}`);
  const before = h.fake.comments.length;
  h.fake.addFile(
    'course',
    `median-term${pr}`,
    commit,
    'median.c',
    fs.readFileSync(path.join(fixturesDir, 'submissions/median', program)),
  );
  await sendWebhook(
    h.app.port!,
    'pull_request',
    pullRequestPayload({ owner: 'course', repo: `median-term${pr}`, sha: commit, installation: 70 + pr, number: pr }),
  );
  await waitFor(() => h.fake.comments.length > before, 60_000, 'the comment');
  return h.fake.comments.at(-1)!.body;
}

describe('the term loop', () => {
  it(
    'retrain --term → compared with the serving model → promoted → the worker grades with it; a worse one is refused; rollback restores the old',
    { timeout: 600_000 },
    async () => {
      // 1. retrain from the store: a registry is made, its first version the shipped model, serving
      const r = await cli([
        'retrain',
        '--term',
        TERM,
        ...where,
        '--introclass',
        'none',
        '--mutants',
        '40',
        '--members',
        '2',
        '--calibration-seeds',
        '0',
        '--no-fixtures',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const version = `${TERM}.1`;
      expect(r.stdout).toContain(`new model version ${version}`);
      expect(r.stdout).toMatch(
        new RegExp(`course \\(16 held out\\): ${shipped} [0-9.]+, ${version.replace('.', '\\.')} [0-9.]+`),
      );
      expect(r.stdout).toMatch(/promotion: allowed/);
      const v1 = await loadPredictor(versionDir(registry, version));
      expect(v1.version).toBe(version);
      // the manifest says what it learnt from, by teacher and by assignment, and how sure it may be
      expect(v1.manifest.data.teachers).toMatchObject({ ta: 40, mutation: expect.any(Number) });
      expect(v1.manifest.assignments!.map((a) => [a.name, a.labelled])).toEqual([
        ['median', 20],
        ['smallest', 20],
      ]);
      expect(v1.manifest.calibration!.unseen.temperature).toBeGreaterThan(1);
      const report = fs.readFileSync(path.join(versionDir(registry, version), 'report.md'), 'utf8');
      expect(report).toContain(`## Held out: course (16 programs)`);
      expect(report).toContain('### Table 4');
      expect(fs.readFileSync(path.join(versionDir(registry, version), 'report.html'), 'utf8')).toContain('<svg');
      // never over the serving one: that is still the shipped model, untouched
      const list = await cli(['models', 'list', ...where, '--json']);
      const listed = JSON.parse(list.stdout) as { serving: string; versions: { version: string }[] };
      expect(listed.serving).toBe(shipped);
      expect(listed.versions.map((x) => x.version)).toEqual([shipped, version]);

      // 2. the App starts serving what the store's alias names
      h = await startHarness({ env: { DATABASE_URL: db, COURSE_FILE: course } });
      expect(h.app.pipeline!.predictor!.version).toBe(shipped);
      await push('forgets-equal-values.c');
      expect(await lastRecordedVersion()).toBe(shipped);

      // 3. promoted: not worse on the course's held-out labels
      const promote = await cli(['models', 'promote', version, ...where, '--by', 'prof-bob']);
      expect(promote.stderr).toBe('');
      expect(promote.stdout).toContain(`serving: ${version} (was ${shipped}), moved by prof-bob`);
      // the running worker picks it up without a restart, and its next grading names it
      await waitFor(
        () => h.app.pipeline!.predictor?.version === version,
        20_000,
        'the worker to load the promoted model',
      );
      await push('and-instead-of-or.c');
      expect(await lastRecordedVersion()).toBe(version);

      // 4. a worse version is refused, and the alias stays
      const worse = `${TERM}.2`;
      await addVersion(registry, worse, async (d) => {
        const onnx = randomOnnx(7, { fixBias: [0, 0, 0, 0, 0, 0, 0, 0, 0, 9] });
        fs.writeFileSync(path.join(d, 'student.onnx'), onnx);
        fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(modelManifest(onnx, { version: worse })));
        fs.copyFileSync(path.join(versionDir(registry, version), 'heldout.json'), path.join(d, 'heldout.json'));
      });
      const refused = await cli(['models', 'promote', worse, ...where]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `not promoted: worse by more than the margin of 0: ${worse.replace('.', '\\.')} 0\\.[0-9]+ against ${version.replace('.', '\\.')}`,
        ),
      );
      const store = await openStore({ db, migrate: false });
      expect((await store.getAlias(SERVING_ALIAS))!.version).toBe(version);
      await store.close();

      // 5. rolled back: the old model serves again, in the worker too
      const back = await cli(['models', 'rollback', ...where, '--by', 'prof-bob', '--reason', 'TAs saw odd hints']);
      expect(back.stdout).toContain(`serving: ${shipped} (rolled back from ${version})`);
      await waitFor(() => h.app.pipeline!.predictor?.version === shipped, 20_000, 'the worker to load the old model');
      await push('mean-of-three.c');
      expect(await lastRecordedVersion()).toBe(shipped);

      // who moved the alias, when and why
      const log = JSON.parse((await cli(['models', 'log', ...where, '--json'])).stdout) as {
        from: string | null;
        to: string;
        movedBy: string;
        reason: string;
      }[];
      expect(log.map((m) => [m.from, m.to, m.movedBy])).toEqual([
        [null, shipped, expect.any(String)],
        [shipped, version, 'prof-bob'],
        [version, shipped, 'prof-bob'],
      ]);
      expect(log[2]!.reason).toBe('TAs saw odd hints');
      expect(log[1]!.reason).toMatch(/^not worse: /);
    },
  );
});
