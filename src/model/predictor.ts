import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { FEATURE_NAMES, FEATURE_SPEC_VERSION, featurize, type ReferenceCode } from '../analysis/featurize.js';
import type { TestReport } from '../grading/report.js';
import { modelsDir } from '../core/paths.js';
import { predictFromOutputs, type Prediction } from './prediction.js';
import { manifestSchema, modelVersionOf, type Manifest } from './manifest.js';
import { formatZodIssues } from '../core/zod-issues.js';
import type { AssignmentIdentity } from './assignment-identity.js';
import { applyTemperature, calibrationFor } from './calibration.js';
import { registryModelDir } from './registry.js';

export type { Prediction };

/** The model folder cannot be used: missing, corrupt, or made for other features or labels. */
export class ModelError extends Error {
  override name = 'ModelError';
}

/** What the predictor is told about where a program comes from. */
export interface PredictContext {
  /**
   * The program's assignment: one the model learnt from keeps the network's own confidence,
   * another gets the unseen calibration. Not given: treated as unseen (when the model has an
   * unseen calibration), since nothing says the model knows it.
   */
  assignment?: AssignmentIdentity | null;
}

export interface Predictor {
  manifest: Manifest;
  /** modelVersionOf(manifest): the name every prediction carries. */
  version: string;
  /**
   * Fix type, its probabilities, the reasoning tags with theirs, and a confidence. `reference`:
   * the code features of the assignment's reference solution (see featurize).
   */
  predict(
    source: string,
    report: TestReport,
    reference?: ReferenceCode | null,
    context?: PredictContext,
  ): Promise<Prediction>;
  /** The same, from features already computed (the pipeline, evaluation, benchmarks). */
  predictFeatures(features: Float32Array, context?: PredictContext): Promise<Prediction>;
}

let ort: typeof Ort | undefined;

/**
 * Loads models/student.onnx once (checking it against its manifest: checksum, feature spec,
 * taxonomy) and answers predictions from it. `dir` may also be a model registry: its
 * serving version is loaded (see registry.ts).
 */
export async function loadPredictor(dir = modelsDir): Promise<Predictor> {
  dir = await registryModelDir(dir);
  const manifestFile = path.join(dir, 'manifest.json');
  let manifest: Manifest;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await fs.readFile(manifestFile, 'utf8')));
    if (!parsed.success) throw new ModelError(`${manifestFile}: ${formatZodIssues(parsed.error)}`);
    manifest = parsed.data;
  } catch (err) {
    if (err instanceof ModelError) throw err;
    throw new ModelError(`${manifestFile}: ${(err as Error).message} (run fixsense retrain to make a model)`);
  }
  if (manifest.features.version !== FEATURE_SPEC_VERSION || manifest.features.names.join() !== FEATURE_NAMES.join()) {
    throw new ModelError(
      `${manifestFile}: the model was trained on features ${manifest.features.version}, this fixsense computes ${FEATURE_SPEC_VERSION}: retrain it`,
    );
  }
  const file = path.join(dir, manifest.model.file);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    throw new ModelError(`${file}: ${(err as Error).message}`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.model.sha256)
    throw new ModelError(
      `${file}: its checksum does not match ${manifestFile} (corrupt or replaced): retrain or restore it`,
    );
  ort ??= await import('onnxruntime-node');
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw new ModelError(`${file}: onnxruntime cannot load it: ${(err as Error).message}`);
  }
  const inputs = manifest.features.names.length;
  const { fixType: fixOut, tags: tagOut } = manifest.model.outputs;
  const { fixTypes, tags } = manifest.taxonomy;
  const prior = { sets: manifest.decoding.tagSets, counts: manifest.decoding.tagSetCounts };
  for (const name of [fixOut, tagOut])
    if (!session.outputNames.includes(name)) throw new ModelError(`${file}: has no output ${name}`);
  const version = modelVersionOf(manifest);
  const predictFeatures = async (features: Float32Array, context: PredictContext = {}): Promise<Prediction> => {
    const out = await session.run({ [manifest.model.input]: new ort!.Tensor('float32', features, [1, inputs]) });
    const fix = out[fixOut]!.data as Float32Array;
    const tag = out[tagOut]!.data as Float32Array;
    if (fix.length !== fixTypes.length || tag.length !== tags.length)
      throw new ModelError(`${file}: outputs do not match the manifest's taxonomy`);
    const { regime, temperature } = calibrationFor(manifest.assignments, manifest.calibration, context.assignment);
    const probs = applyTemperature(fix, temperature);
    return { ...predictFromOutputs(probs, tag, fixTypes, tags, prior), modelVersion: version, regime };
  };
  return {
    manifest,
    version,
    predictFeatures,
    predict: (source, report, reference, context) => predictFeatures(featurize(source, report, reference), context),
  };
}
