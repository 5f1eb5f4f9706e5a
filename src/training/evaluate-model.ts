/**
 * `fixsense evaluate`: the shipped model and freshly trained students of both variants on
 * the same split, with the baselines, and when asked leave-one-assignment-out and the ablation;
 * report.json, report.md and confusion.svg in `out`.
 */
import { assignmentReference } from '../analysis/assignment-reference.js';
import { loadPredictor, ModelError, type Predictor } from '../model/predictor.js';
import type { Prediction } from '../model/prediction.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { predict } from '../pipeline/pipeline.js';
import { ablationRuns } from './ablation.js';
import { DatasetError } from './dataset-error.js';
import { evaluate, type EvaluationReport } from './evaluate.js';
import { buildData, writeReport, type BuiltData } from './retrain.js';
import { DEFAULT_MUTANT_WEIGHT } from './train-student.js';

export interface EvaluateModelOptions {
  data: string;
  labels?: string;
  /** The split evaluated on. */
  split: string;
  /** The split the comparison students train on. */
  trainSplit: string;
  /** The shipped model's folder. */
  model: string;
  out: string;
  /** Seeds per variant. */
  seeds: number;
  /** Mutants for the comparison students. */
  mutants: number;
  taxonomy: Taxonomy;
  loao: boolean;
  loaoSeeds: number;
  ablation: boolean;
  withFixtures: boolean;
  log?: (line: string) => void;
}

const seedsUpTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The shipped model answers through the pipeline's own analyse + predict stage, as in production. */
async function shippedPredictions(predictor: Predictor, data: BuiltData): Promise<Map<string, Prediction>> {
  const preds = new Map<string, Prediction>();
  for (const p of data.evaluation) {
    const notes: string[] = [];
    const prediction = await predict(
      { predictor },
      p.example.source,
      p.report,
      assignmentReference(await data.book.get(p.example.assignmentDir)),
      notes,
    );
    if (!prediction)
      throw new ModelError(`${p.example.id}: no prediction (${notes.join(' ') || 'not a failing program'})`);
    preds.set(p.example.id, prediction);
  }
  return preds;
}

export async function evaluateModel(o: EvaluateModelOptions): Promise<EvaluationReport> {
  const log = o.log ?? (() => {});
  const data = await buildData({
    data: o.data,
    ...(o.labels ? { labels: o.labels } : {}),
    mutants: o.mutants,
    seed: 1,
    taxonomy: o.taxonomy,
    trainSplit: o.trainSplit,
    evalSplit: o.split,
    withFixtures: o.withFixtures,
    log,
  });
  if (!data.evaluation.length) throw new DatasetError(`no failing programs in the "${o.split}" split of ${o.data}`);
  const predictor = await loadPredictor(o.model);
  const shippedPreds = await shippedPredictions(predictor, data);
  log(
    `training ${o.seeds} seeds of both variants${o.loao ? ', leave-one-assignment-out' : ''}${o.ablation ? ', ablation' : ''}`,
  );
  const report = evaluate(
    { train: data.train, test: data.evaluation },
    {
      taxonomy: o.taxonomy,
      seeds: seedsUpTo(o.seeds),
      mutantWeight: DEFAULT_MUTANT_WEIGHT,
      dataPath: o.data,
      splitName: o.split,
      mutants: data.train.filter((p) => p.example.provenance.kind === 'mutant').length,
      skipped: data.skipped,
      shipped: { model: (p) => shippedPreds.get(p.example.id)!, variant: predictor.manifest.variant },
      ...(o.loao ? { loao: { all: data.all, seeds: seedsUpTo(o.loaoSeeds) } } : {}),
      ...(o.ablation ? { ablation: ablationRuns(data.train, data.evaluation) } : {}),
      quiet: true,
    },
  );
  await writeReport(report, o.out);
  return report;
}
