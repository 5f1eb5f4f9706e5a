import { describe, expect, it } from 'vitest';
import { accuracy, bootstrapInterval, f1, macroF1, meanSd, tagMetrics } from '../../src/training/metrics.js';
import { mulberry32 } from '../../src/training/random.js';

describe('evaluation metrics, against hand-computed cases', () => {
  const gold = ['A', 'A', 'A', 'B', 'B', 'C'];
  const pred = ['A', 'A', 'B', 'B', 'C', 'C'];

  it('accuracy', () => expect(accuracy(gold, pred)).toBeCloseTo(4 / 6));

  it('F1 per class and macro-F1 over the classes present in the gold labels', () => {
    // A: tp 2, fp 0, fn 1 → 4/5; B: tp 1, fp 1, fn 1 → 1/2; C: tp 1, fp 1, fn 0 → 2/3
    expect(f1(gold, pred, 'A')).toBeCloseTo(0.8);
    expect(f1(gold, pred, 'B')).toBeCloseTo(0.5);
    expect(f1(gold, pred, 'C')).toBeCloseTo(2 / 3);
    expect(macroF1(gold, pred)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3);
    // a class only predicted, never gold, does not enter the average
    expect(macroF1(['A', 'A'], ['A', 'D'])).toBeCloseTo(2 / 3);
  });

  it('reproduces the README baseline: always the most common type on 71 programs', () => {
    const g = [
      ...Array(22).fill('WC'),
      ...Array(18).fill('OF'),
      ...Array(13).fill('MC'),
      ...Array(10).fill('IH'),
      ...Array(4).fill('LB'),
      ...Array(3).fill('WE'),
      'AL',
    ];
    const p = g.map(() => 'WC');
    expect(accuracy(g, p)).toBeCloseTo(0.31, 2);
    expect(macroF1(g, p)).toBeCloseTo(0.068, 3);
  });

  it('tag macro-F1, micro-F1 over positive tags, exact match', () => {
    const g = [['X', 'Y'], ['X'], ['Z']];
    const p = [['X', 'Y'], ['X', 'Z'], []];
    const m = tagMetrics(g, p);
    expect(m.exactMatch).toBeCloseTo(1 / 3);
    // micro: tp X,Y,X = 3; fp Z = 1; fn Z = 1 → 6/8
    expect(m.microF1).toBeCloseTo(0.75);
    // per tag: X 1, Y 1, Z (tp 0) 0 → 2/3
    expect(m.macroF1).toBeCloseTo(2 / 3);
  });

  it('mean, sample standard deviation and a bootstrap interval around the statistic', () => {
    expect(meanSd([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3) });
    const hits = [1, 1, 1, 0, 1, 0, 1, 1, 0, 1];
    const [lo, hi] = bootstrapInterval(
      hits.length,
      (idx) => idx.reduce((s, i) => s + hits[i]!, 0) / idx.length,
      mulberry32(1),
      2000,
    );
    expect(lo).toBeLessThan(0.7);
    expect(hi).toBeGreaterThan(0.7);
    expect(lo).toBeGreaterThanOrEqual(0.3);
    expect(hi).toBeLessThanOrEqual(1);
  });
});

describe('the distillation verdict', () => {
  const s = (accuracy: number, macro_f1 = accuracy) => ({ accuracy, macro_f1 });
  it('says "helped" only when both means rise and most seeds agree', async () => {
    const { distillationVerdict } = await import('../../src/training/evaluate.js');
    const helped = distillationVerdict([s(0.8), s(0.7), s(0.75)], [s(0.7), s(0.65), s(0.76)]);
    expect(helped.verdict).toMatch(/^Distillation helped/);
    expect(helped.seeds_distilled_better).toBe(2);
    expect(helped.accuracy_delta).toBeCloseTo(0.047, 3);
    // a mean nudged up by one lucky seed while most seeds lose or tie is not "helped"
    const nudged = distillationVerdict(
      [s(0.761), s(0.746), s(0.718), s(0.761), s(0.648)],
      [s(0.775), s(0.775), s(0.718), s(0.62), s(0.732)],
    );
    expect(nudged.accuracy_delta).toBeGreaterThan(0);
    expect(nudged.verdict).toMatch(/^No clear difference/);
    expect(nudged.verdict).toContain('beat label-only on 1 of 5 seeds, lost on 3');
    expect(distillationVerdict([s(0.6), s(0.6), s(0.65)], [s(0.7), s(0.7), s(0.7)]).verdict).toMatch(
      /^Distillation hurt/,
    );
    // retrain's single seed is no evidence either way
    expect(distillationVerdict([s(0.8)], [s(0.7)]).verdict).toMatch(/^One seed cannot tell/);
  });
});
