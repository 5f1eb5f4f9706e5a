/**
 * The paper's evaluation, measured honestly: both variants on the same seeds, features and
 * data; means and spreads over seeds; bootstrap intervals; per-fix-type F1; reasoning
 * quality; the baselines; and, when asked, leave-one-assignment-out (leave-one-out.ts) and
 * the ablation (ablation.ts).
 */
import type { Taxonomy } from '../model/taxonomy.js';
import { runAblation, type AblationRow, type AblationRun } from './ablation.js';
import { baselines } from './baselines.js';
import { leaveOneAssignmentOut, type LoaoReport } from './leave-one-out.js';
import { coverageReport, type CoverageReport } from './coverage.js';
import type { NewAssignmentReport } from './new-assignment-curve.js';
import { unseenCalibration, type OutOfAssignment, type UnseenCalibrationReport } from './unseen-calibration.js';
import { accuracy, bootstrapInterval, macroF1, meanSd, perClassF1 } from './metrics.js';
import type { Prepared } from './prepare.js';
import { mulberry32 } from './random.js';
import { confusion, givenReasoning, reasoningOf, round, score } from './scoring.js';
import { predictStudent, trainStudent, type Prediction, type StudentModel, type Variant } from './train-student.js';

export interface VariantResult {
  accuracy: number;
  macro_f1: number;
  seeds: { seed: number; accuracy: number; macro_f1: number; best_epoch: number }[];
  accuracy_sd: number;
  macro_f1_sd: number;
  accuracy_ci95: [number, number];
  macro_f1_ci95: [number, number];
  reasoning: { exact_match: number; micro_f1: number; macro_f1: number };
  per_fix_type: Record<string, { f1: number; support: number }>;
}

export interface EvaluationReport {
  schema: 'fixsense/evaluation@1';
  created: string;
  data: {
    path: string;
    split: string;
    examples: number;
    skipped: { id: string; reason: string }[];
    train_examples: number;
    mutants: number;
  };
  variants: Record<Variant, VariantResult>;
  /** The shipped model (models/student.onnx), when one was evaluated. */
  shipped?: {
    variant: Variant;
    accuracy: number;
    macro_f1: number;
    accuracy_ci95: [number, number];
    per_fix_type: Record<string, { f1: number; support: number }>;
    confusion: { labels: string[]; matrix: number[][] };
    reasoning: { exact_match: number; micro_f1: number; macro_f1: number };
    given_reasoning: { exact: { n: number; accuracy: number }; not_exact: { n: number; accuracy: number } };
  };
  /** Reasoning quality of the distilled student (the shipped model when given, else the first seed). */
  reasoning: { exact_match: number; micro_f1: number; macro_f1: number };
  given_reasoning: { exact: { n: number; accuracy: number }; not_exact: { n: number; accuracy: number } };
  baselines: { name: string; accuracy: number; macro_f1: number }[];
  /** Per fold and variant: means over `seeds`; `mean` also gives the spread of the per-seed means. */
  loao?: LoaoReport;
  ablation?: AblationRow[];
  /**
   * How honest the confidence is, and what a student would be shown at each threshold: the
   * shipped model on this split (assignments it learnt from), and on held-out assignments
   * (the leave-one-assignment-out networks) before and after the unseen calibration.
   */
  confidence?: { seen?: CoverageReport; loao?: UnseenCalibrationReport };
  /** evaluate --new-assignment-curve: the learning curve on a new assignment. */
  new_assignment?: NewAssignmentReport;
  distillation: { accuracy_delta: number; macro_f1_delta: number; seeds_distilled_better: number; verdict: string };
}

export interface Split {
  train: Prepared[];
  test: Prepared[];
}

export interface EvaluateOptions {
  taxonomy: Taxonomy;
  seeds: number[];
  mutantWeight: number;
  dataPath: string;
  splitName: string;
  mutants: number;
  skipped: { id: string; reason: string }[];
  shipped?: { model: (p: Prepared) => Prediction; variant: Variant };
  /** retrain: the first distilled seed is the model being shipped; report it as such. */
  shipFirstDistilled?: boolean;
  /** Seeds merged into each evaluated network (see trainStudent). */
  members?: number;
  /**
   * Leave-one-assignment-out: all examples (every split) and the mutants, by assignment; one
   * network per seed and fold, since a single seed moves a fold by several points.
   */
  loao?: { all: Prepared[]; seeds: number[] };
  /** Runs of the ablation (see ablationRuns), trained on the first seed. */
  ablation?: AblationRun[];
  quiet?: boolean;
  onModel?: (m: StudentModel) => void;
}

function variantResult(split: Split, models: StudentModel[], o: EvaluateOptions): VariantResult {
  const preds = models.map((m) => split.test.map((p) => predictStudent(m, p.features)));
  const seeds = models.map((m, k) => ({ seed: m.seed, ...score(split.test, preds[k]!), best_epoch: m.bestEpoch }));
  const acc = meanSd(seeds.map((s) => s.accuracy));
  const f1 = meanSd(seeds.map((s) => s.macro_f1));
  const gold = split.test.map((p) => p.example.label.fixType);
  // bootstrap over examples, averaging the seeds on each resample
  const stat = (metric: typeof accuracy) => (idx: number[]) =>
    preds.reduce(
      (s, pr) =>
        s +
        metric(
          idx.map((i) => gold[i]!),
          idx.map((i) => pr[i]!.fixType),
        ),
      0,
    ) / preds.length;
  const first = preds[0]!;
  return {
    accuracy: round(acc.mean),
    macro_f1: round(f1.mean),
    seeds: seeds.map((s) => ({ ...s, accuracy: round(s.accuracy), macro_f1: round(s.macro_f1) })),
    accuracy_sd: round(acc.sd),
    macro_f1_sd: round(f1.sd),
    accuracy_ci95: bootstrapInterval(gold.length, stat(accuracy), mulberry32(7)).map(round) as [number, number],
    macro_f1_ci95: bootstrapInterval(gold.length, stat(macroF1), mulberry32(8)).map(round) as [number, number],
    reasoning: reasoningOf(split.test, first),
    per_fix_type: Object.fromEntries(
      Object.entries(
        perClassF1(
          gold,
          first.map((p) => p.fixType),
          o.taxonomy.fixTypes,
        ),
      )
        .filter(([, v]) => v.support > 0)
        .map(([k, v]) => [
          k,
          {
            f1: round(
              preds.reduce(
                (s, pr) =>
                  s +
                  perClassF1(
                    gold,
                    pr.map((p) => p.fixType),
                    [k],
                  )[k]!.f1,
                0,
              ) / preds.length,
            ),
            support: v.support,
          },
        ]),
    ),
  };
}

export type ShippedResult = NonNullable<EvaluationReport['shipped']>;

/** The shipped model's figures, from its predictions on the test programs. */
export function shippedResult(
  test: Prepared[],
  preds: Prediction[],
  variant: Variant,
  fixTypes: string[],
): ShippedResult {
  const gold = test.map((p) => p.example.label.fixType);
  const s = score(test, preds);
  return {
    variant,
    accuracy: round(s.accuracy),
    macro_f1: round(s.macro_f1),
    accuracy_ci95: bootstrapInterval(
      gold.length,
      (idx) =>
        accuracy(
          idx.map((i) => gold[i]!),
          idx.map((i) => preds[i]!.fixType),
        ),
      mulberry32(9),
    ).map(round) as [number, number],
    per_fix_type: Object.fromEntries(
      Object.entries(
        perClassF1(
          gold,
          preds.map((p) => p.fixType),
          fixTypes,
        ),
      )
        .filter(([, v]) => v.support > 0)
        .map(([k, v]) => [k, { f1: round(v.f1), support: v.support }]),
    ),
    confusion: confusion(test, preds, fixTypes),
    reasoning: reasoningOf(test, preds),
    given_reasoning: givenReasoning(test, preds),
  };
}

/** The baselines, learned from the real training submissions (never the mutants). */
function baselineResults(realTrain: Prepared[], test: Prepared[], fixTypes: string[]): EvaluationReport['baselines'] {
  const gold = test.map((p) => p.example.label.fixType);
  return baselines(realTrain, fixTypes).map((b) => {
    const pred = test.map(b.predict);
    return { name: b.name, accuracy: round(accuracy(gold, pred)), macro_f1: round(macroF1(gold, pred)) };
  });
}

export function evaluate(split: Split, o: EvaluateOptions): EvaluationReport {
  const t = o.taxonomy;
  const train = (variant: Variant, seed: number, data = split.train) => {
    const m = trainStudent(data, t, {
      variant,
      seed,
      mutantWeight: o.mutantWeight,
      members: o.members ?? 1,
      quiet: o.quiet ?? false,
    });
    o.onModel?.(m);
    return m;
  };
  const distilledModels = o.seeds.map((s) => train('distilled', s));
  const labelOnlyModels = o.seeds.map((s) => train('label_only', s));
  const variants = {
    distilled: variantResult(split, distilledModels, o),
    label_only: variantResult(split, labelOnlyModels, o),
  };

  const ship =
    o.shipped ??
    (o.shipFirstDistilled
      ? { model: (p: Prepared) => predictStudent(distilledModels[0]!, p.features), variant: 'distilled' as const }
      : undefined);
  // the reasoning figures are the shipped model's, or else the first distilled seed's
  const reasoningPreds = ship
    ? split.test.map(ship.model)
    : split.test.map((p) => predictStudent(distilledModels[0]!, p.features));
  const shipped = ship ? shippedResult(split.test, reasoningPreds, ship.variant, t.fixTypes) : undefined;

  const realTrain = split.train.filter((p) => p.example.provenance.kind === 'submission');
  const base = baselineResults(realTrain, split.test, t.fixTypes);
  const outOfAssignment: OutOfAssignment[] = [];
  const loao = o.loao
    ? leaveOneAssignmentOut(o.loao.all, o.loao.seeds, split.test[0]?.example.split, train, (p) =>
        outOfAssignment.push(p),
      )
    : undefined;
  const seen = ship
    ? coverageReport(
        reasoningPreds.map((p, i) => {
          const gold = split.test[i]!.example.label.fixType;
          return { confidence: p.confidence, correct: p.fixType === gold, pGold: p.fixTypeProbs[gold] ?? 0 };
        }),
      )
    : undefined;
  const confidence =
    seen || outOfAssignment.length
      ? { ...(seen ? { seen } : {}), ...(outOfAssignment.length ? { loao: unseenCalibration(outOfAssignment) } : {}) }
      : undefined;
  const ablation = o.ablation
    ? runAblation(o.ablation, { taxonomy: t, seed: o.seeds[0]!, mutantWeight: o.mutantWeight, quiet: o.quiet ?? false })
    : undefined;

  return {
    schema: 'fixsense/evaluation@1',
    created: new Date().toISOString(),
    data: {
      path: o.dataPath,
      split: o.splitName,
      examples: split.test.length,
      skipped: o.skipped,
      train_examples: realTrain.length,
      mutants: o.mutants,
    },
    variants,
    ...(shipped ? { shipped } : {}),
    reasoning: reasoningOf(split.test, reasoningPreds),
    given_reasoning: givenReasoning(split.test, reasoningPreds),
    baselines: base,
    ...(loao ? { loao } : {}),
    ...(ablation ? { ablation } : {}),
    ...(confidence ? { confidence } : {}),
    distillation: distillationVerdict(variants.distilled.seeds, variants.label_only.seeds),
  };
}

/**
 * Whether distillation helped, on the same seeds. "Helped" needs both means up *and* a win on
 * most seeds; a mean that moves by a hair while most seeds say otherwise is no clear difference.
 */
export function distillationVerdict(
  distilled: { accuracy: number; macro_f1: number }[],
  labelOnly: { accuracy: number; macro_f1: number }[],
): EvaluationReport['distillation'] {
  const n = distilled.length;
  const mean = (xs: { accuracy: number; macro_f1: number }[], k: 'accuracy' | 'macro_f1') =>
    meanSd(xs.map((x) => x[k])).mean;
  const dAcc = round(mean(distilled, 'accuracy') - mean(labelOnly, 'accuracy'));
  const dF1 = round(mean(distilled, 'macro_f1') - mean(labelOnly, 'macro_f1'));
  const wins = distilled.filter((d, i) => d.accuracy > labelOnly[i]!.accuracy).length;
  const losses = distilled.filter((d, i) => d.accuracy < labelOnly[i]!.accuracy).length;
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x}`;
  const facts = `accuracy ${sign(dAcc)}, macro-F1 ${sign(dF1)}; the distilled student beat label-only on ${wins} of ${n} seed${n === 1 ? '' : 's'}, lost on ${losses}.`;
  const verdict =
    n < 3
      ? `${n === 1 ? 'One seed' : 'Two seeds'} cannot tell (run \`fixsense evaluate\` for five): ${facts}`
      : dAcc > 0 && dF1 > 0 && wins * 2 > n
        ? `Distillation helped on these seeds: ${facts}`
        : dAcc < 0 && dF1 < 0 && losses * 2 > n
          ? `Distillation hurt on these seeds: ${facts}`
          : `No clear difference between distillation and label-only on these seeds: ${facts}`;
  return { accuracy_delta: dAcc, macro_f1_delta: dF1, seeds_distilled_better: wins, verdict };
}
