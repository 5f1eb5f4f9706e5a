/**
 * Export parity and model loading: the ONNX graph run by onnxruntime-node computes what the
 * training code computes (to 1e-5), and a broken model folder gives a clear error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignmentReference } from '../../src/analysis/assignment-reference.js';
import { FEATURE_SPEC_VERSION, featurize } from '../../src/analysis/featurize.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../../src/fixtures/submission-manifest.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { exportOnnx, readOnnxWeights } from '../../src/training/export-onnx.js';
import type { Manifest } from '../../src/model/manifest.js';
import { loadPredictor, ModelError } from '../../src/model/predictor.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { modelsDir } from '../../src/core/paths.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { modelLearnt } from '../../src/store/assignment-modes.js';
import { modelManifest } from './model-folder.js';
import { DEFAULT_MLP_CONFIG, forward, trainMlp } from '../../src/training/mlp.js';

const taxonomy = loadTaxonomy();
let features: { file: string; fix: string; tags: string[]; x: Float32Array }[] = [];

beforeAll(async () => {
  const sandbox = new Sandbox();
  const manifest = (await loadSubmissionManifest()).filter((s) => s.expect === 'FAIL');
  features = await Promise.all(
    manifest.map(async (s) => {
      const a = await loadAssignment(resolveAssignment(s.assignment));
      const source = fs.readFileSync(s.path, 'utf8');
      const report = await gradeSubmission(Buffer.from(source), a, sandbox);
      return { file: s.file, fix: s.fix_type!, tags: s.tags!, x: featurize(source, report, assignmentReference(a)) };
    }),
  );
});

function trainTiny() {
  const data = {
    x: features.map((f) => f.x),
    fix: features.map((f) => taxonomy.fixTypes.indexOf(f.fix)),
    tags: features.map((f) => Uint8Array.from(taxonomy.tags, (t) => (f.tags.includes(t) ? 1 : 0))),
    weight: features.map(() => 1),
  };
  return trainMlp(
    data,
    taxonomy.fixTypes.length,
    taxonomy.tags.length,
    { ...DEFAULT_MLP_CONFIG, hidden: 24, maxEpochs: 30, patience: 30 },
    () => 0,
  ).weights;
}

function writeModelFolder(onnx: Buffer, patch: (m: Manifest) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-model-'));
  fs.writeFileSync(path.join(dir, 'student.onnx'), onnx);
  const manifest = modelManifest(onnx, {
    decoding: {
      tagSets: [['OUTPUT'], ['COMPARISON', 'BOUNDARY']],
      tagSetCounts: Object.fromEntries(taxonomy.fixTypes.map((f) => [f, [1, 1]])),
    },
    data: { ...modelManifest(onnx).data, source: 'fixtures', format: 'labelled-folder' },
  });
  patch(manifest);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('ONNX export', () => {
  it('onnxruntime-node and the training code agree to 1e-5 on every fixture program', async () => {
    const weights = trainTiny();
    const onnx = exportOnnx(weights);
    const predictor = await loadPredictor(writeModelFolder(onnx));
    const stored = readOnnxWeights(onnx);
    let worst = 0;
    for (const f of features) {
      const ref = forward(stored, f.x);
      const p = await predictor.predictFeatures(f.x);
      taxonomy.fixTypes.forEach((t, i) => (worst = Math.max(worst, Math.abs(p.fixTypeProbs[t]! - ref.fixProbs[i]!))));
      for (const { tag, p: q } of p.tags)
        worst = Math.max(worst, Math.abs(q - ref.tagProbs[taxonomy.tags.indexOf(tag)]!));
    }
    expect(features.length).toBeGreaterThanOrEqual(20);
    expect(worst).toBeLessThan(1e-5);
  });

  it('predict(source, report) gives a fix type of the taxonomy, its probabilities, tags and a confidence', async () => {
    const predictor = await loadPredictor(writeModelFolder(exportOnnx(trainTiny())));
    const p = await predictor.predictFeatures(features[0]!.x);
    expect(taxonomy.fixTypes).toContain(p.fixType);
    expect(Object.values(p.fixTypeProbs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.confidence).toBe(p.fixTypeProbs[p.fixType]);
    expect(p.tags.length).toBeGreaterThanOrEqual(1);
  });
});

describe('a broken model folder is refused with a clear error', () => {
  it('a corrupt model file', async () => {
    const dir = writeModelFolder(exportOnnx(trainTiny()));
    const file = path.join(dir, 'student.onnx');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    await expect(loadPredictor(dir)).rejects.toThrow(/checksum does not match .*corrupt or replaced/);
  });

  it('a file that is not a model at all, with a matching checksum', async () => {
    const junk = Buffer.from('this is not an ONNX model');
    await expect(loadPredictor(writeModelFolder(junk))).rejects.toThrow(ModelError);
    await expect(loadPredictor(writeModelFolder(junk))).rejects.toThrow(/onnxruntime cannot load it/);
  });

  it('a model made for other features', async () => {
    const dir = writeModelFolder(exportOnnx(trainTiny()), (m) => (m.features.version = 'fixsense-features/0'));
    await expect(loadPredictor(dir)).rejects.toThrow(/trained on features fixsense-features\/0.*retrain/);
  });

  it('a missing or malformed manifest', async () => {
    await expect(loadPredictor(fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-empty-')))).rejects.toThrow(
      /manifest\.json.*run fixsense retrain/,
    );
    const dir = writeModelFolder(exportOnnx(trainTiny()));
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"schema": "something else"}');
    await expect(loadPredictor(dir)).rejects.toThrow(/manifest\.json: schema/);
  });
});

describe.skipIf(!fs.existsSync(path.join(modelsDir, 'manifest.json')))('the shipped model', () => {
  it('loads, matches its manifest and answers within the taxonomy', async () => {
    const predictor = await loadPredictor();
    expect(predictor.manifest.features.version).toBe(FEATURE_SPEC_VERSION);
    const p = await predictor.predictFeatures(features[0]!.x);
    expect(taxonomy.fixTypes).toContain(p.fixType);
  });

  it("lists the six assignments it learnt from, by name: a course's own new assignment starts in shadow mode", async () => {
    const { manifest } = await loadPredictor();
    expect(manifest.assignments?.map((a) => a.name)).toEqual([
      'checksum',
      'digits',
      'grade',
      'median',
      'smallest',
      'syllables',
    ]);
    expect(manifest.assignments?.reduce((n, a) => n + a.labelled, 0)).toBe(manifest.data.splits.train);
    const median = await loadAssignment(resolveAssignment('median'));
    const as = (name: string) => ({
      name,
      assignment: { ...median, name },
      source: 'x.c',
      branches: null,
      patterns: [],
      mode: 'auto' as const,
    });
    expect(modelLearnt(manifest, as('median'))).toBe(true);
    expect(modelLearnt(manifest, as('fizzbuzz'))).toBe(false);
  });

  it('onnxruntime-node and the training code agree to 1e-5 on the fixture programs', async () => {
    const predictor = await loadPredictor();
    const stored = readOnnxWeights(fs.readFileSync(path.join(modelsDir, predictor.manifest.model.file)));
    for (const f of features) {
      const ref = forward(stored, f.x);
      const p = await predictor.predictFeatures(f.x);
      taxonomy.fixTypes.forEach((t, i) => expect(Math.abs(p.fixTypeProbs[t]! - ref.fixProbs[i]!)).toBeLessThan(1e-5));
    }
  });
});
