import { describe, expect, it } from 'vitest';
import { FEATURE_GROUPS, FEATURE_NAMES, featureGroup } from '../../src/analysis/featurize.js';
import { ablationRuns } from '../../src/training/ablation.js';
import type { Prepared } from '../../src/training/prepare.js';

const program = (id: string, kind: 'submission' | 'mutant'): Prepared =>
  ({
    example: { id, provenance: { kind, source: 'test' } },
    features: new Float32Array(FEATURE_NAMES.length).fill(1),
  }) as unknown as Prepared;

describe('the ablation design', () => {
  const real = [program('r1', 'submission'), program('r2', 'submission')];
  const mutants = Array.from({ length: 8 }, (_, i) => program(`m${i}`, 'mutant'));
  const test = [program('t1', 'submission')];
  const runs = ablationRuns([...real, ...mutants], test);

  it('leaves out each feature group in turn, in training and test alike, and nothing else', () => {
    for (const g of FEATURE_GROUPS) {
      const run = runs.find((r) => r.name === `without ${g} features`)!;
      for (const p of [...run.train, ...run.test]) {
        FEATURE_NAMES.forEach((n, i) => expect(p.features[i]).toBe(featureGroup(n) === g ? 0 : 1));
      }
      expect(run.train).toHaveLength(10);
      expect(run.test).toHaveLength(1);
    }
    // the programs given are not changed
    expect(test[0]!.features.every((x) => x === 1)).toBe(true);
  });

  it('then trains on none, a quarter and half of the mutants, then on everything', () => {
    expect(runs.slice(FEATURE_GROUPS.length).map((r) => [r.name, r.train.length])).toEqual([
      ['no mutants', 2],
      ['25% of the mutants (2)', 4],
      ['50% of the mutants (4)', 6],
      ['all features, all 8 mutants', 10],
    ]);
    for (const r of runs.slice(FEATURE_GROUPS.length)) expect(r.test).toBe(test);
  });
});
