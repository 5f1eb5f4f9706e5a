/**
 * Leave-one-assignment-out: how the students do on an assignment they never saw. One fold per
 * assignment with real submissions; one network per seed and fold, since a single seed moves a
 * fold by several points.
 */
import { meanSd } from './metrics.js';
import type { Prepared } from './prepare.js';
import { round, score } from './scoring.js';
import { predictStudent, type StudentModel, type Variant } from './train-student.js';
import { forward } from './mlp.js';
import type { OutOfAssignment } from './unseen-calibration.js';

export interface LoaoReport {
  seeds: number[];
  folds: {
    assignment: string;
    n: number;
    distilled: { accuracy: number; macro_f1: number };
    label_only: { accuracy: number; macro_f1: number };
  }[];
  /** Per variant: means over folds and seeds, and the spread of the per-seed means. */
  mean: Record<Variant, { accuracy: number; macro_f1: number; accuracy_sd: number; per_seed: number[] }>;
}

/**
 * `all`: every example (every split) and the mutants. A fold trains on the other assignments'
 * programs, leaving out the evaluation split (`testSplit`) but keeping the mutants, and tests on
 * the held-out assignment's real submissions of every split.
 */
export function leaveOneAssignmentOut(
  all: Prepared[],
  seeds: number[],
  testSplit: string | undefined,
  train: (variant: Variant, seed: number, data: Prepared[]) => StudentModel,
  /** Hears the distilled networks' probabilities on each held-out program (for the unseen calibration). */
  onPrediction?: (p: OutOfAssignment) => void,
): LoaoReport {
  const assignments = [
    ...new Set(all.filter((p) => p.example.provenance.kind === 'submission').map((p) => p.example.assignment)),
  ].sort();
  const runs = assignments.map((a) => {
    const fitData = all.filter(
      (p) => p.example.assignment !== a && (p.example.split !== testSplit || p.example.provenance.kind === 'mutant'),
    );
    const test = all.filter((p) => p.example.assignment === a && p.example.provenance.kind === 'submission');
    const per = (v: Variant) =>
      seeds.map((seed) => {
        const m = train(v, seed, fitData);
        if (v === 'distilled' && onPrediction)
          for (const p of test)
            onPrediction({
              assignment: a,
              probs: forward(m.weights, p.features).fixProbs,
              gold: m.fixTypes.indexOf(p.example.label.fixType),
            });
        return score(
          test,
          test.map((p) => predictStudent(m, p.features)),
        );
      });
    return { assignment: a, n: test.length, distilled: per('distilled'), label_only: per('label_only') };
  });
  const avg = (xs: number[]) => meanSd(xs).mean;
  const overSeeds = (xs: { accuracy: number; macro_f1: number }[]) => ({
    accuracy: round(avg(xs.map((x) => x.accuracy))),
    macro_f1: round(avg(xs.map((x) => x.macro_f1))),
  });
  const folds = runs.map((r) => ({
    assignment: r.assignment,
    n: r.n,
    distilled: overSeeds(r.distilled),
    label_only: overSeeds(r.label_only),
  }));
  const mean = (v: Variant) => {
    // each seed's mean over the assignments, then their mean and spread
    const perSeed = seeds.map((_, k) => avg(runs.map((r) => r[v][k]!.accuracy)));
    const f1 = avg(seeds.map((_, k) => avg(runs.map((r) => r[v][k]!.macro_f1))));
    const { mean: accuracy, sd } = meanSd(perSeed);
    return { accuracy: round(accuracy), macro_f1: round(f1), accuracy_sd: round(sd), per_seed: perSeed.map(round) };
  };
  return { seeds, folds, mean: { distilled: mean('distilled'), label_only: mean('label_only') } };
}
