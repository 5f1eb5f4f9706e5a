import { createHash } from 'node:crypto';
import { argmax, buildTagSetPrior, type TagSetPrior } from '../model/decode-tags.js';
import { predictFromOutputs, type Prediction } from '../model/prediction.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { accuracy, macroF1 } from './metrics.js';
import {
  calibrateTemperature,
  DEFAULT_MLP_CONFIG,
  forward,
  mergeByLogitAverage,
  trainMlp,
  type MlpConfig,
  type MlpWeights,
  type TrainSet,
} from './mlp.js';
import type { Prepared } from './prepare.js';
import { progress } from './progress.js';

export type { Prediction };

export type Variant = 'distilled' | 'label_only';

export interface StudentModel {
  variant: Variant;
  seed: number;
  config: MlpConfig;
  weights: MlpWeights;
  prior: TagSetPrior;
  fixTypes: string[];
  tags: string[];
  bestEpoch: number;
  epochs: number;
  /** Softmax temperature fitted on the held-out students (folded into the weights). */
  temperature: number;
  trainedOn: { real: number; mutants: number; earlyStopping: number };
  ms: number;
}

export interface TrainOptions {
  variant: Variant;
  seed: number;
  config?: Partial<MlpConfig>;
  /** Loss weight of a mutant relative to a real submission. */
  mutantWeight: number;
  /** Seeds trained and merged into one network (logit average); 1 = a single network. */
  members?: number;
  /**
   * Member k holds out fold k of the training students (instead of every member holding out
   * the same fold), so the ensemble as a whole learns from every real submission.
   */
  crossFit?: boolean;
  quiet?: boolean;
}

export const DEFAULT_MEMBERS = 5;

/** Ensemble members hold out different students (see TrainOptions.crossFit). */
export const DEFAULT_CROSS_FIT = true;

export const DEFAULT_MUTANT_WEIGHT = 0.3;

export const FOLDS = 5;

/** A student's fold, 0 to 4, by a hash of the id: the unit of every held-out set is the student. */
export function studentFold(student: string): number {
  return createHash('sha256').update(`early-stop:${student}`).digest()[0]! % FOLDS;
}

export function toTrainSet(items: Prepared[], t: Taxonomy, mutantWeight: number): TrainSet {
  return {
    x: items.map((p) => p.features),
    fix: items.map((p) => t.fixTypes.indexOf(p.example.label.fixType)),
    tags: items.map((p) => Uint8Array.from(t.tags, (tag) => (p.example.label.tags.includes(tag) ? 1 : 0))),
    weight: items.map((p) => p.example.weight ?? (p.example.provenance.kind === 'mutant' ? mutantWeight : 1)),
  };
}

export function predictStudent(m: StudentModel, features: ArrayLike<number>): Prediction {
  const out = forward(m.weights, features);
  return predictFromOutputs(out.fixProbs, out.tagProbs, m.fixTypes, m.tags, m.prior);
}

/**
 * Trains one student on real submissions and mutants. Early stopping watches held-out
 * students of the training split (never the evaluation split): fix-type accuracy plus
 * macro-F1, the same criterion for both variants, so that they differ only in the loss (with
 * tag exact match in the distilled variant's criterion it stopped later, on tags, and its
 * fix types suffered). The label-only variant is the same network with the tag loss weight at 0.
 */
export function trainStudent(train: Prepared[], t: Taxonomy, o: TrainOptions): StudentModel {
  const start = performance.now();
  const config: MlpConfig = {
    ...DEFAULT_MLP_CONFIG,
    ...o.config,
    seed: o.seed,
    tagWeight: o.variant === 'label_only' ? 0 : (o.config?.tagWeight ?? DEFAULT_MLP_CONFIG.tagWeight),
  };
  const members = o.members ?? 1;
  const crossFit = (o.crossFit ?? DEFAULT_CROSS_FIT) && members > 1;
  const heldOutFold = (k: number) => (crossFit ? k % FOLDS : 0);
  const isReal = (p: Prepared) => p.example.provenance.kind === 'submission';
  const split = (k: number) => {
    const held = (p: Prepared) => studentFold(p.example.student) === heldOutFold(k);
    return { fit: train.filter((p) => !held(p)), stop: train.filter((p) => held(p) && isReal(p)) };
  };
  // the tag sets a network may answer: every one the training labels use
  const prior = buildTagSetPrior(
    (crossFit ? train : split(0).fit).map((p) => p.example.label),
    t.fixTypes,
  );
  const runs = Array.from({ length: members }, (_, k) => {
    const { fit, stop } = split(k);
    const gold = stop.map((p) => p.example.label.fixType);
    const score = (w: MlpWeights) => {
      const outs = stop.map((p) => forward(w, p.features));
      const pred = outs.map((x) => t.fixTypes[argmax(x.fixProbs)]!);
      return accuracy(gold, pred) + macroF1(gold, pred);
    };
    const bar = progress(
      `training ${o.variant} ${members > 1 ? `${k + 1}/${members} ` : ''}(seed ${o.seed + k})`,
      config.maxEpochs,
      o.quiet,
    );
    const r = trainMlp(
      toTrainSet(fit, t, o.mutantWeight),
      t.fixTypes.length,
      t.tags.length,
      { ...config, seed: o.seed + k },
      score,
      (e) => bar.tick(1, `held-out score ${e.best.toFixed(3)} (epoch ${e.bestEpoch})`),
    );
    bar.stop();
    return { ...r, fit, stop };
  });
  // confidences drive what students see and what TAs review: make them honest. Cross-fitted
  // members are calibrated each on its own held-out students, then merged; otherwise the merged
  // network is calibrated on the one held-out fold.
  const calibrate = (w: MlpWeights, stop: Prepared[]) =>
    stop.length
      ? calibrateTemperature(
          w,
          stop.map((p) => p.features),
          stop.map((p) => t.fixTypes.indexOf(p.example.label.fixType)),
        )
      : { weights: w, temperature: 1 };
  let weights: MlpWeights;
  let temperature: number;
  if (crossFit) {
    const cal = runs.map((r) => calibrate(r.weights, r.stop));
    weights = mergeByLogitAverage(cal.map((c) => c.weights));
    temperature = cal.reduce((a, c) => a + c.temperature, 0) / cal.length;
  } else {
    const merged = members === 1 ? runs[0]!.weights : mergeByLogitAverage(runs.map((r) => r.weights));
    ({ weights, temperature } = calibrate(merged, runs[0]!.stop));
  }
  const first = runs[0]!;
  return {
    variant: o.variant,
    seed: o.seed,
    config: { ...config, members, crossFit } as MlpConfig,
    weights,
    temperature,
    prior,
    fixTypes: t.fixTypes,
    tags: t.tags,
    bestEpoch: Math.round(runs.reduce((s, r) => s + r.bestEpoch, 0) / members),
    epochs: runs.reduce((s, r) => s + r.epochs, 0),
    trainedOn: crossFit
      ? {
          real: train.filter(isReal).length,
          mutants: train.filter((p) => !isReal(p)).length,
          earlyStopping: train.filter(isReal).length,
        }
      : {
          real: first.fit.filter(isReal).length,
          mutants: first.fit.filter((p) => !isReal(p)).length,
          earlyStopping: first.stop.length,
        },
    ms: performance.now() - start,
  };
}
