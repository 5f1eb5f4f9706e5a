/** A model folder made in a moment (random weights, a complete manifest), for tests of loading, calibration and the registry. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEATURE_NAMES, FEATURE_SPEC_VERSION } from '../../src/analysis/featurize.js';
import type { Manifest } from '../../src/model/manifest.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { exportOnnx, FIX_OUTPUT, INPUT_NAME, TAG_OUTPUT } from '../../src/training/export-onnx.js';
import { initWeights } from '../../src/training/mlp.js';

const taxonomy = loadTaxonomy();

export function modelManifest(onnx: Buffer, patch: Partial<Manifest> = {}): Manifest {
  return {
    schema: 'fixsense/model-manifest@1',
    model: {
      file: 'student.onnx',
      sha256: createHash('sha256').update(onnx).digest('hex'),
      bytes: onnx.length,
      input: INPUT_NAME,
      outputs: { fixType: FIX_OUTPUT, tags: TAG_OUTPUT },
    },
    created: new Date().toISOString(),
    variant: 'distilled',
    taxonomy: { version: 1, fixTypes: taxonomy.fixTypes, tags: taxonomy.tags },
    features: { version: FEATURE_SPEC_VERSION, names: [...FEATURE_NAMES] },
    decoding: { tagSets: [['OUTPUT']], tagSetCounts: Object.fromEntries(taxonomy.fixTypes.map((f) => [f, [1]])) },
    training: { seed: 1, config: {}, mutantWeight: 0.3, bestEpoch: 1, epochs: 1, ms: 1, command: 'test' },
    data: {
      source: 'test',
      format: 'test',
      splits: {},
      labels: { used: 0, dropped: 0, droppedReasons: {} },
      teachers: {},
      trainedOn: { real: 0, mutants: 0, earlyStopping: 0 },
      mutants: {},
    },
    metrics: {},
    ...patch,
  };
}

/** A network of random weights (seeded), exported as the training code exports a student. */
export function randomOnnx(seed: number, o: { fixBias?: number[] } = {}): Buffer {
  const w = initWeights(FEATURE_NAMES.length, taxonomy.fixTypes.length, taxonomy.tags.length, { hidden: 8, seed });
  if (o.fixBias) w.bf.set(o.fixBias);
  return exportOnnx(w);
}

export function writeModelFolder(seed = 1, patch: Partial<Manifest> = {}, dir?: string): string {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-model-'));
  fs.mkdirSync(d, { recursive: true });
  const onnx = randomOnnx(seed);
  fs.writeFileSync(path.join(d, 'student.onnx'), onnx);
  fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(modelManifest(onnx, patch)));
  return d;
}
