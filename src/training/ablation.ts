/**
 * The ablation: what each kind of input and the mutants are worth. One distilled network per
 * run, on the evaluation's first seed, each trained without one feature group or with fewer
 * mutants, against the same test programs.
 */
import { FEATURE_GROUPS, FEATURE_NAMES, featureGroup, type FeatureGroup } from '../analysis/featurize.js';
import type { Taxonomy } from '../model/taxonomy.js';
import type { Prepared } from './prepare.js';
import { reasoningOf, round, score } from './scoring.js';
import { predictStudent, trainStudent } from './train-student.js';

export interface AblationRun {
  name: string;
  train: Prepared[];
  test: Prepared[];
}

export interface AblationRow {
  name: string;
  accuracy: number;
  macro_f1: number;
  exact_match: number;
}

/** Zeroes a feature group: with the training set's standardisation the network cannot use it. */
function without(items: Prepared[], group: FeatureGroup): Prepared[] {
  const idx = FEATURE_NAMES.map((n, i) => (featureGroup(n) === group ? i : -1)).filter((i) => i >= 0);
  return items.map((p) => {
    const f = Float32Array.from(p.features);
    for (const i of idx) f[i] = 0;
    return { ...p, features: f };
  });
}

/** Each feature group left out in turn; then none, a quarter and half of the mutants; then everything. */
export function ablationRuns(train: Prepared[], test: Prepared[]): AblationRun[] {
  const realTrain = train.filter((p) => p.example.provenance.kind === 'submission');
  const mutants = train.filter((p) => p.example.provenance.kind === 'mutant');
  return [
    ...FEATURE_GROUPS.map((g) => ({ name: `without ${g} features`, train: without(train, g), test: without(test, g) })),
    ...[0, 0.25, 0.5].map((share) => ({
      name:
        share === 0
          ? 'no mutants'
          : `${Math.round(share * 100)}% of the mutants (${Math.round(mutants.length * share)})`,
      train: [...realTrain, ...mutants.filter((_, i) => i % 4 < share * 4)],
      test,
    })),
    { name: `all features, all ${mutants.length} mutants`, train, test },
  ];
}

export function runAblation(
  runs: AblationRun[],
  o: { taxonomy: Taxonomy; seed: number; mutantWeight: number; quiet: boolean },
): AblationRow[] {
  return runs.map((ab) => {
    const m = trainStudent(ab.train, o.taxonomy, {
      variant: 'distilled',
      seed: o.seed,
      mutantWeight: o.mutantWeight,
      quiet: o.quiet,
    });
    const preds = ab.test.map((p) => predictStudent(m, p.features));
    const s = score(ab.test, preds);
    return {
      name: ab.name,
      accuracy: round(s.accuracy),
      macro_f1: round(s.macro_f1),
      exact_match: reasoningOf(ab.test, preds).exact_match,
    };
  });
}
