import { describe, expect, it } from 'vitest';
import { DEFAULT_MLP_CONFIG, forward, initWeights, lossAndGradient, trainMlp, type MlpWeights, type TrainSet } from '../../src/training/mlp.js';
import { mulberry32 } from '../../src/training/random.js';

const INPUTS = 6;
const FIX = 4;
const TAGS = 3;

function toyData(n: number, seed: number): TrainSet {
  const rand = mulberry32(seed);
  const x = Array.from({ length: n }, () => Float32Array.from({ length: INPUTS }, () => rand() * 2 - 1));
  // fix type from the sign pattern of two features; tags from others
  const fix = x.map((v) => (v[0]! > 0 ? 1 : 0) + (v[1]! > 0 ? 2 : 0));
  const tags = x.map((v) => Uint8Array.from([v[2]! > 0 ? 1 : 0, v[3]! > 0.3 ? 1 : 0, v[0]! > 0 ? 1 : 0]));
  return { x, fix, tags, weight: x.map(() => 1) };
}

const zero = (m: MlpWeights) => ({ w1: new Float64Array(m.w1.length), b1: new Float64Array(m.b1.length), wf: new Float64Array(m.wf.length), bf: new Float64Array(m.bf.length), wt: new Float64Array(m.wt.length), bt: new Float64Array(m.bt.length) });

describe('the student network', () => {
  it('back-propagates the exact gradient of the joint loss (finite differences)', () => {
    const data = toyData(8, 3);
    const m = initWeights(INPUTS, FIX, TAGS, { hidden: 5, seed: 11 }, data.x);
    const x = data.x[0]!;
    const loss = (w: MlpWeights) => lossAndGradient(w, x, 2, Uint8Array.from([1, 0, 1]), 1.5, 0.7, 1.2, zero(w), null);
    const g = zero(m);
    lossAndGradient(m, x, 2, Uint8Array.from([1, 0, 1]), 1.5, 0.7, 1.2, g, null);
    for (const p of ['w1', 'b1', 'wf', 'bf', 'wt', 'bt'] as const) {
      for (let k = 0; k < m[p].length; k++) {
        const h = 1e-6;
        const orig = m[p][k]!;
        m[p][k] = orig + h;
        const up = loss(m);
        m[p][k] = orig - h;
        const down = loss(m);
        m[p][k] = orig;
        expect(g[p][k], `${p}[${k}]`).toBeCloseTo((up - down) / (2 * h), 5);
      }
    }
  });

  it('with tag weight 0 (label-only) the tags change nothing: no tag gradient, the same trunk and fix head', () => {
    const data = toyData(40, 5);
    const m = initWeights(INPUTS, FIX, TAGS, { hidden: 5, seed: 2 }, data.x);
    const g = zero(m);
    lossAndGradient(m, data.x[0]!, 1, Uint8Array.from([1, 1, 1]), 1, 0, 1, g, null);
    expect([...g.wt, ...g.bt].every((v) => v === 0)).toBe(true);

    const cfg = { ...DEFAULT_MLP_CONFIG, hidden: 8, maxEpochs: 5, patience: 100, tagWeight: 0, dropout: 0.1 };
    const flipped = { ...data, tags: data.tags.map((t) => t.map((v) => 1 - v)) };
    const a = trainMlp(data, FIX, TAGS, cfg, () => 0).weights;
    const b = trainMlp(flipped, FIX, TAGS, cfg, () => 0).weights;
    expect(a.w1).toEqual(b.w1);
    expect(a.wf).toEqual(b.wf);
    // ...while with the tag loss on, other tags do change the trunk
    const c = trainMlp(data, FIX, TAGS, { ...cfg, tagWeight: 1 }, () => 0).weights;
    const d = trainMlp(flipped, FIX, TAGS, { ...cfg, tagWeight: 1 }, () => 0).weights;
    expect(c.w1).not.toEqual(d.w1);
  });

  it('learns a separable toy problem, and the same seed gives the same weights bit for bit', () => {
    const train = toyData(300, 1);
    const cfg = { ...DEFAULT_MLP_CONFIG, hidden: 16, maxEpochs: 60, patience: 60 };
    const acc = (w: MlpWeights) => train.x.filter((x, i) => {
      const p = forward(w, x).fixProbs;
      return p.indexOf(Math.max(...p)) === train.fix[i];
    }).length / train.x.length;
    const r1 = trainMlp(train, FIX, TAGS, cfg, acc);
    const r2 = trainMlp(train, FIX, TAGS, cfg, acc);
    expect(acc(r1.weights)).toBeGreaterThan(0.9);
    expect(r1.weights.w1).toEqual(r2.weights.w1);
    expect(r1.bestEpoch).toBe(r2.bestEpoch);
    const r3 = trainMlp(train, FIX, TAGS, { ...cfg, seed: 99 }, acc);
    expect(r3.weights.w1).not.toEqual(r1.weights.w1);
  });

  it('stops early when the held-out score stops improving, keeping the best epoch', () => {
    const train = toyData(50, 4);
    let calls = 0;
    // a score that peaks at epoch 3
    const r = trainMlp(train, FIX, TAGS, { ...DEFAULT_MLP_CONFIG, maxEpochs: 100, patience: 5 }, () => {
      calls++;
      return -Math.abs(calls - 3);
    });
    expect(r.bestEpoch).toBe(3);
    expect(r.epochs).toBe(8);
  });
});
