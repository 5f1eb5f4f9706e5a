/**
 * `fixsense evaluate`: the shipped model and freshly trained students of both variants on
 * the same split, with the baselines, and when asked leave-one-assignment-out and the ablation;
 * report.json, report.md and confusion.svg in `out`.
 */
import { assignmentReference } from '../analysis/assignment-reference.js';
import { featurize } from '../analysis/featurize.js';
import { cacheDir } from '../core/cache-dir.js';
import { assignmentIdentity } from '../model/assignment-identity.js';
import { loadPredictor, ModelError, type Predictor } from '../model/predictor.js';
import type { Prediction } from '../model/prediction.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { ablationRuns } from './ablation.js';
import {
  DEFAULT_COURSE_WEIGHT,
  DEFAULT_CURVE_KS,
  DEFAULT_OWN_MUTANT_WEIGHT,
  MIN_HELD_OUT,
  newAssignmentCurve,
} from './new-assignment-curve.js';
import type { Prepared } from './prepare.js';
import { ReportCache } from './report-cache.js';
import { referenceMutants } from './teachers/reference-mutants.js';
import { trainStudent } from './train-student.js';
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
  /** The new-assignment learning curve, with this many seeds (0: not run). */
  curveSeeds?: number;
  /** The weight of the new assignment's labelled programs in the curve. */
  courseWeight?: number;
  withFixtures: boolean;
  log?: (line: string) => void;
}

const seedsUpTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * The shipped model answers as in production: features from the source and its report, then
 * the predictor told the program's assignment (which decides its calibration).
 */
async function shippedPredictions(predictor: Predictor, data: BuiltData): Promise<Map<string, Prediction>> {
  const preds = new Map<string, Prediction>();
  for (const p of data.evaluation) {
    if (!p.report.compiled || p.report.verdict !== 'FAIL')
      throw new ModelError(`${p.example.id}: not a failing program`);
    const a = await data.book.get(p.example.assignmentDir);
    preds.set(
      p.example.id,
      await predictor.predict(p.example.source, p.report, assignmentReference(a), {
        assignment: assignmentIdentity(a),
      }),
    );
  }
  return preds;
}

/** Mutants of each assignment's reference alone, graded and featurized: what a course has for a new assignment. */
async function ownMutants(data: BuiltData, o: EvaluateModelOptions): Promise<Prepared[]> {
  const cache = new ReportCache(cacheDir(), new Sandbox());
  const out: Prepared[] = [];
  const dirs = [
    ...new Set(data.all.filter((p) => p.example.provenance.kind === 'submission').map((p) => p.example.assignmentDir)),
  ].sort();
  for (const dir of dirs) {
    const a = await data.book.get(dir);
    const m = await referenceMutants(a, { seed: 1, taxonomy: o.taxonomy, grade: (s, x) => cache.grade(s, x) });
    for (const e of m.examples) {
      const report = m.reports.get(e.id)!;
      out.push({ example: e, report, features: featurize(e.source, report, assignmentReference(a)) });
    }
  }
  return out;
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
  if (o.curveSeeds) {
    log(`new-assignment learning curve: k = ${DEFAULT_CURVE_KS.join(', ')}, ${o.curveSeeds} seeds, both variants`);
    const own = await ownMutants(data, o);
    report.new_assignment = newAssignmentCurve(
      data.all,
      own,
      o.split,
      (variant, seed, d) =>
        trainStudent(d, o.taxonomy, { variant, seed, mutantWeight: DEFAULT_MUTANT_WEIGHT, members: 1, quiet: true }),
      {
        ks: DEFAULT_CURVE_KS,
        seeds: seedsUpTo(o.curveSeeds),
        courseWeight: o.courseWeight ?? DEFAULT_COURSE_WEIGHT,
        ownMutantWeight: DEFAULT_OWN_MUTANT_WEIGHT,
        minHeldOut: MIN_HELD_OUT,
      },
    ).report;
  }
  await writeReport(report, o.out);
  return report;
}
