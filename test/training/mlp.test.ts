import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MLP_CONFIG,
  forward,
  initWeights,
  lossAndGradient,
  trainMlp,
  type MlpWeights,
  type TrainSet,
} from '../../src/training/mlp.js';
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

const zero = (m: MlpWeights) => ({
  w1: new Float64Array(m.w1.length),
  b1: new Float64Array(m.b1.length),
  wf: new Float64Array(m.wf.length),
  bf: new Float64Array(m.bf.length),
  wt: new Float64Array(m.wt.length),
  bt: new Float64Array(m.bt.length),
});

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
    const acc = (w: MlpWeights) =>
      train.x.filter((x, i) => {
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

describe('features that never vary in training', () => {
  it('are ignored, so a new assignment that sets them does not turn them into noise', () => {
    const data = toyData(40, 31);
    for (const x of data.x) x[INPUTS - 1] = 0; // say, an answer kind no training assignment has
    const r = trainMlp(data, FIX, TAGS, { ...DEFAULT_MLP_CONFIG, hidden: 8, maxEpochs: 5, patience: 10 }, () => 0);
    const x = Float32Array.from(data.x[0]!);
    const before = forward(r.weights, x);
    x[INPUTS - 1] = 1;
    const after = forward(r.weights, x);
    expect(Array.from(after.fixProbs)).toEqual(Array.from(before.fixProbs));
    expect(Array.from(after.tagProbs)).toEqual(Array.from(before.tagProbs));
    // and the feature next to it, which varies, does change the output
    x[INPUTS - 2] = 5;
    expect(Array.from(forward(r.weights, x).fixProbs)).not.toEqual(Array.from(before.fixProbs));
  });
});

describe('merging seeds', () => {
  it('the merged network outputs the softmax/sigmoid of the members’ average logits', async () => {
    const { mergeByLogitAverage } = await import('../../src/training/mlp.js');
    const data = toyData(30, 9);
    // members fitted on different parts of the data are standardised differently (cross-fitting)
    const part = (k: number) => ({
      ...data,
      x: data.x.filter((_, i) => i % 3 !== k),
      fix: data.fix.filter((_, i) => i % 3 !== k),
      tags: data.tags.filter((_, i) => i % 3 !== k),
      weight: data.weight.filter((_, i) => i % 3 !== k),
    });
    const members = [1, 2, 3].map(
      (seed) =>
        trainMlp(
          part(seed - 1),
          FIX,
          TAGS,
          { ...DEFAULT_MLP_CONFIG, hidden: 6, maxEpochs: 3, patience: 10, seed },
          () => 0,
        ).weights,
    );
    expect(members[1]!.mean).not.toEqual(members[0]!.mean);
    const merged = mergeByLogitAverage(members);
    expect(merged.hidden).toBe(18);
    const logit = (p: number) => Math.log(p / (1 - p));
    for (const x of data.x.slice(0, 5)) {
      const outs = members.map((m) => forward(m, x));
      const got = forward(merged, x);
      // sigmoid head: the merged logit is the mean of the members' logits
      for (let t = 0; t < TAGS; t++)
        expect(logit(got.tagProbs[t]!)).toBeCloseTo(outs.reduce((s, o) => s + logit(o.tagProbs[t]!), 0) / 3, 8);
      // softmax head: log-probability differences are the mean of the members'
      const d = (p: Float64Array) => Math.log(p[1]!) - Math.log(p[0]!);
      expect(d(got.fixProbs)).toBeCloseTo(outs.reduce((s, o) => s + d(o.fixProbs), 0) / 3, 8);
    }
  });
});

describe('temperature scaling', () => {
  it('lowers the held-out log-loss of an overconfident network and never changes its predictions', async () => {
    const { calibrateTemperature } = await import('../../src/training/mlp.js');
    const train = toyData(40, 21);
    const held = toyData(60, 22);
    // a small, long-trained network on few examples: overconfident on new ones
    const w = trainMlp(
      train,
      FIX,
      TAGS,
      { ...DEFAULT_MLP_CONFIG, hidden: 32, maxEpochs: 200, patience: 500, dropout: 0, weightDecay: 0 },
      () => 0,
    ).weights;
    const nll = (m: MlpWeights) => held.x.reduce((s, x, i) => s - Math.log(forward(m, x).fixProbs[held.fix[i]!]!), 0);
    const { weights, temperature } = calibrateTemperature(w, held.x, held.fix);
    expect(temperature).toBeGreaterThan(1);
    expect(nll(weights)).toBeLessThan(nll(w));
    for (const x of held.x) {
      const a = forward(w, x).fixProbs;
      const b = forward(weights, x).fixProbs;
      expect(b.indexOf(Math.max(...b))).toBe(a.indexOf(Math.max(...a)));
    }
  });
});
