/**
 * retrain and evaluate on the project's own labelled fixtures (a course-style folder of
 * submissions plus a labels JSONL): reproducible, honest about dropped labels, and writing
 * the contract files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manifestSchema } from '../../src/model/manifest.js';
import { loadPredictor } from '../../src/model/predictor.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { fixturesDir } from '../../src/core/paths.js';
import { loadLabelledFolder, splitOfStudent } from '../../src/training/load-labelled-folder.js';
import { evaluate } from '../../src/training/evaluate.js';
import { buildData, retrain } from '../../src/training/retrain.js';
import { runCli } from '../helpers/run-cli.js';

const taxonomy = loadTaxonomy();
const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const options = (out: string) => ({
  data: fixturesDir,
  labels: path.join(fixturesDir, 'labels.jsonl'),
  out,
  mutants: 40,
  seed: 3,
  members: 2,
  taxonomy,
  trainSplit: 'train',
  evalSplit: 'validation',
  withFixtures: false,
  command: 'test',
  quiet: true,
});

/** A proportion: a finite number from 0 to 1 (NaN, null or a string fails). */
function expectShare(x: unknown): void {
  expect(typeof x).toBe('number');
  expect(Number.isFinite(x)).toBe(true);
  expect(x).toBeGreaterThanOrEqual(0);
  expect(x).toBeLessThanOrEqual(1);
}

describe('retrain', () => {
  it('the same command and seed give the same model, with a manifest and a report', { timeout: 300_000 }, async () => {
    const a = tmp('fixsense-retrain-a-');
    const b = tmp('fixsense-retrain-b-');
    const first = await retrain(options(a));
    const second = await retrain(options(b));
    expect(fs.readFileSync(path.join(a, 'student.onnx'))).toEqual(fs.readFileSync(path.join(b, 'student.onnx')));
    expect(first.manifest.model.sha256).toBe(second.manifest.model.sha256);

    const manifest = manifestSchema.parse(JSON.parse(fs.readFileSync(path.join(a, 'manifest.json'), 'utf8')));
    expect(manifest.data.labels).toMatchObject({ used: 28, dropped: 0 });
    expect(manifest.data.teachers.ta).toBeGreaterThan(0);
    expect(manifest.data.teachers.mutation).toBeGreaterThan(0);
    expect(manifest.training.seed).toBe(3);
    expect(manifest.taxonomy.fixTypes).toEqual(taxonomy.fixTypes);

    const report = JSON.parse(fs.readFileSync(path.join(a, 'report.json'), 'utf8'));
    // a share, never NaN: checked on the returned report too, since JSON writes NaN as null
    for (const r of [report, first.report]) {
      for (const v of ['distilled', 'label_only']) {
        expectShare(r.variants[v].accuracy);
        expectShare(r.variants[v].macro_f1);
      }
    }
    expect(Object.keys(report.reasoning).sort()).toEqual(['exact_match', 'macro_f1', 'micro_f1']);
    expect(fs.readFileSync(path.join(a, 'report.md'), 'utf8')).toContain('## Table 4');
    expect(fs.readFileSync(path.join(a, 'confusion.svg'), 'utf8')).toMatch(/^<svg/);
    // the written model loads and predicts
    expect((await loadPredictor(a)).manifest.model.sha256).toBe(first.manifest.model.sha256);
  });
});

describe('evaluate', () => {
  it(
    'leave-one-assignment-out trains one network per seed and fold and reports means and the spread over seeds',
    { timeout: 300_000 },
    async () => {
      const data = await buildData(options(''));
      const report = evaluate(
        { train: data.train, test: data.evaluation },
        {
          taxonomy,
          seeds: [1],
          mutantWeight: 0.3,
          dataPath: 'fixtures',
          splitName: 'validation',
          mutants: 0,
          skipped: [],
          loao: { all: data.all, seeds: [1, 2] },
          quiet: true,
        },
      );
      const loao = report.loao!;
      expect(loao.seeds).toEqual([1, 2]);
      const assignments = [
        ...new Set(data.all.filter((p) => p.example.provenance.kind === 'submission').map((p) => p.example.assignment)),
      ].sort();
      expect(loao.folds.map((f) => f.assignment)).toEqual(assignments);
      for (const v of ['distilled', 'label_only'] as const) {
        const m = loao.mean[v];
        expect(m.per_seed).toHaveLength(2);
        // the mean is the mean of the seeds' means, which is also the mean of the folds' means
        expect(m.accuracy).toBeCloseTo((m.per_seed[0]! + m.per_seed[1]!) / 2, 2);
        expect(m.accuracy).toBeCloseTo(loao.folds.reduce((s, f) => s + f[v].accuracy, 0) / loao.folds.length, 2);
        expect(m.accuracy_sd).toBeCloseTo(Math.abs(m.per_seed[0]! - m.per_seed[1]!) / Math.SQRT2, 2);
      }
    },
  );
});

describe('labelled folders', () => {
  it('uses the valid labels, drops the rest, and says why', async () => {
    const labels = path.join(tmp('fixsense-labels-'), 'labels.jsonl');
    const good = fs.readFileSync(path.join(fixturesDir, 'labels.jsonl'), 'utf8').trim().split('\n').slice(0, 3);
    fs.writeFileSync(
      labels,
      [
        ...good,
        '{"file": "submissions/median/mean-of-three.c", "assignment": "median", "student": "s", "fix_type": "SPELLING", "tags": ["OUTPUT"]}',
        '{"file": "submissions/median/mean-of-three.c", "assignment": "median", "student": "s", "fix_type": "ALGORITHM", "tags": []}',
        '{"file": "submissions/median/mean-of-three.c", "assignment": "median", "student": "s", "fix_type": "ALGORITHM", "tags": ["A","B","C","D","E"]}',
        '{"file": "submissions/median/nope.c", "assignment": "median", "student": "s", "fix_type": "ALGORITHM", "tags": ["OUTPUT"]}',
        '{"file": "../../etc/passwd", "assignment": "median", "student": "s", "fix_type": "ALGORITHM", "tags": ["OUTPUT"]}',
        'not json',
      ].join('\n'),
    );
    const { examples, dropped } = await loadLabelledFolder(fixturesDir, labels, taxonomy);
    expect(examples).toHaveLength(3);
    expect(dropped.map((d) => d.reason)).toEqual([
      'unknown fix type SPELLING',
      '0 tags (1 to 4 allowed)',
      'unknown tag A, B, C, D, E',
      'file not found',
      'file is outside the data folder',
      'not JSON',
    ]);
    expect(examples[0]!.split).toBe(splitOfStudent(examples[0]!.student));
    expect(examples[0]!.label.teacher).toBe('ta');
  });
});

describe('fixsense retrain / evaluate errors', () => {
  it('a data folder that does not exist is a clear error', () => {
    const r = runCli(['evaluate', '--data', '/nonexistent/data', '--split', 'validation']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/data: no such folder/);
  });
  it('a folder in neither format is a clear error', () => {
    const r = runCli(['retrain', '--data', fixturesDir, '--out', tmp('fixsense-x-')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/neither an IntroClass-format folder \(defects\.jsonl\) nor given --labels/);
  });
});
