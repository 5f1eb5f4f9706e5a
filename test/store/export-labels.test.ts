import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { fixturesDir } from '../../src/core/paths.js';
import type { GradeJob } from '../../src/course/grade-job.js';
import { loadSubmissionManifest, type SubmissionFixture } from '../../src/fixtures/submission-manifest.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../../src/model/taxonomy.js';
import { createPipelineDeps } from '../../src/pipeline/create-deps.js';
import { runPipeline, type Feedback } from '../../src/pipeline/pipeline.js';
import { feedbackFields, jobFields } from '../../src/store/grading-record.js';
import { openStore } from '../../src/store/store.js';
import { loadLabelledFolder } from '../../src/training/load-labelled-folder.js';
import { runCli } from '../helpers/run-cli.js';
import { fresh, KINDS, type TestDatabase } from './databases.js';
import { hex40, T0 } from './sample-record.js';

const ASSIGNMENTS = ['median', 'smallest'];
let graded: { s: SubmissionFixture; f: Feedback; source: Buffer }[] = [];
let work: string;
let courseFile: string;

beforeAll(async () => {
  // real gradings, through the same pipeline the worker runs
  const deps = await createPipelineDeps();
  const manifest = (await loadSubmissionManifest()).filter((s) => ASSIGNMENTS.includes(s.assignment));
  graded = await Promise.all(
    manifest.map(async (s) => {
      const a = await loadAssignment(resolveAssignment(s.assignment));
      const source = fs.readFileSync(s.path);
      return {
        s,
        source,
        f: await runPipeline(deps, { source, fileName: path.basename(a.sourceFile), assignment: a }),
      };
    }),
  );
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-export-'));
  courseFile = path.join(work, 'course.yml');
  fs.writeFileSync(
    courseFile,
    `assignments:\n${ASSIGNMENTS.map((a) => `  - name: ${a}\n    folder: ${path.join(fixturesDir, 'assignments', a)}\n    repositories: ['${a}-*']\n`).join('')}`,
  );
}, 120_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.each(KINDS)('term export → retrain --labels, on %s', (kind) => {
  let d: TestDatabase;
  beforeAll(async () => {
    d = await fresh(kind);
    const store = await openStore({ db: d.url });
    for (const [i, { s, f, source }] of graded.entries()) {
      const student = path.basename(s.file, '.c');
      const job: GradeJob = {
        installationId: 7,
        owner: 'cs101',
        repo: `${s.assignment}-${student}`,
        sha: hex40(s.file),
        assignment: s.assignment,
        pullRequest: null,
        trigger: 'push',
        deliveryId: `d-${i}`,
        receivedAt: T0 + i * 1000,
      };
      const { id } = await store.recordGrading({
        ...jobFields(job),
        ...feedbackFields(f),
        course: 'cs101',
        term: 'fall',
        student: { login: student, id: 100 + i },
        branch: 'main',
        gradedAt: T0 + i * 1000 + 500,
        modelVersion: f.prediction ? 'shipped' : null,
        source: { fileName: path.basename(s.file), content: source },
      });
      // a TA labels every other failing submission with the fixture's known label
      if (s.expect === 'FAIL' && i % 2 === 0)
        await store.recordReview({
          submissionId: id,
          reviewer: 'ta-ann',
          reviewedAt: T0 + 10_000_000,
          fixType: s.fix_type!,
          tags: s.tags!,
        });
    }
    await store.close();
  });
  afterAll(async () => d?.drop());

  it('writes a folder that loadLabelledFolder reads: every TA label, with its source and assignment', async () => {
    const out = path.join(work, `export-${kind}`);
    const r = runCli(['term', 'export', '--format', 'jsonl', '--out', out, '--course', courseFile, '--db', d.url]);
    expect(r.stderr).toMatch(/labelled by a TA/);
    expect(r.status).toBe(0);
    const reviewed = graded.filter(({ s }, i) => s.expect === 'FAIL' && i % 2 === 0);
    expect(reviewed.length).toBeGreaterThan(2);

    const ds = await loadLabelledFolder(out, path.join(out, 'labels.jsonl'), loadTaxonomy(defaultTaxonomyPath));
    expect(ds.examples).toHaveLength(reviewed.length);
    for (const { s, source } of reviewed) {
      const e = ds.examples.find((x) => x.student === path.basename(s.file, '.c'))!;
      expect(e).toMatchObject({
        assignment: s.assignment,
        label: { fixType: s.fix_type, tags: s.tags, teacher: 'ta' },
      });
      expect(e.source).toBe(source.toString('utf8'));
      // the retrainer grades each example against its assignment folder
      expect((await loadAssignment(e.assignmentDir)).sourceFile).toBe(`${s.assignment}.c`);
    }
    // the unlabelled rows are there for the record and are skipped, with the reason, by retraining
    expect(ds.dropped).toHaveLength(graded.length - reviewed.length);
    expect(ds.dropped.every((x) => /fix_type/.test(x.reason))).toBe(true);
  });

  it('--reviewed exports only the labelled rows; without --out the JSONL carries each source inline', async () => {
    const r = runCli(['term', 'export', '--format', 'jsonl', '--reviewed', '--db', d.url]);
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBe(graded.filter(({ s }, i) => s.expect === 'FAIL' && i % 2 === 0).length);
    for (const row of rows) {
      expect(row).toMatchObject({ teacher: 'ta', term: 'fall', review: { reviewer: 'ta-ann' } });
      const g = graded.find(({ s }) => path.basename(s.file, '.c') === row.student)!;
      expect(row.source).toBe(g.source.toString('utf8'));
      expect(row.predicted?.fix_type ?? null).toBe(g.f.prediction?.fixType ?? null);
    }
  });
});
