/**
 * The student network: standardised features → one shared ReLU trunk → two heads, a
 * fix-type softmax and independent tag sigmoids. Trained with the joint loss
 *   L = CE(fix type) + tagWeight · mean BCE(tags)
 * so tagWeight = 0 is the label-only student: the same network, the tag head untrained.
 *
 * Written out by hand (forward, backward, Adam) rather than with a tensor library: the
 * network is tiny, single-threaded float64 arithmetic makes a seed reproduce the same model
 * bit for bit, and nothing native needs installing. A finite-difference test checks the
 * gradients.
 */
import { mulberry32, shuffleInPlace } from './random.js';
import { fitTemperature, softmaxInPlace } from './temperature.js';

export interface MlpConfig {
  hidden: number;
  /** Weight of the tag loss; 0 = label-only. */
  tagWeight: number;
  learningRate: number;
  weightDecay: number;
  dropout: number;
  batchSize: number;
  maxEpochs: number;
  /** Stop after this many epochs without a better validation score. */
  patience: number;
  seed: number;
  /** Re-weight fix types by inverse square-root frequency (helps rare types). */
  balanceClasses: boolean;
  /** Smallest standard deviation a varying feature is scaled by (0 = none). */
  stdFloor?: number;
}

export const DEFAULT_MLP_CONFIG: MlpConfig = {
  hidden: 160,
  tagWeight: 1,
  learningRate: 0.003,
  weightDecay: 1e-4,
  dropout: 0.2,
  batchSize: 64,
  maxEpochs: 150,
  patience: 20,
  seed: 1,
  balanceClasses: true,
  // fractions that are almost always 0 would otherwise be scaled up 10-50×: on a new assignment
  // they drowned everything else (leave-one-assignment-out accuracy 0.37 without, 0.45 with)
  stdFloor: 0.3,
};

export interface TrainSet {
  x: Float32Array[];
  fix: number[];
  tags: Uint8Array[];
  /** Per-example loss weight (e.g. mutants count less than real submissions). */
  weight: number[];
}

export interface MlpWeights {
  inputs: number;
  hidden: number;
  fixTypes: number;
  tags: number;
  mean: Float64Array;
  std: Float64Array;
  w1: Float64Array; // inputs × hidden
  b1: Float64Array;
  wf: Float64Array; // hidden × fixTypes
  bf: Float64Array;
  wt: Float64Array; // hidden × tags
  bt: Float64Array;
}

export interface Forward {
  fixProbs: Float64Array;
  tagProbs: Float64Array;
}

export { softmaxInPlace };

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Inference (no dropout), in float64; the ONNX export computes the same in float32. */
export function forward(m: MlpWeights, x: ArrayLike<number>): Forward {
  const h = hiddenLayer(m, x, null);
  const fixProbs = new Float64Array(m.fixTypes);
  const tagProbs = new Float64Array(m.tags);
  heads(m, h, fixProbs, tagProbs);
  softmaxInPlace(fixProbs);
  for (let t = 0; t < m.tags; t++) tagProbs[t] = sigmoid(tagProbs[t]!);
  return { fixProbs, tagProbs };
}

function standardise(m: MlpWeights, x: ArrayLike<number>): Float64Array {
  const z = new Float64Array(m.inputs);
  for (let i = 0; i < m.inputs; i++) z[i] = (x[i]! - m.mean[i]!) / m.std[i]!;
  return z;
}

function hiddenLayer(
  m: MlpWeights,
  x: ArrayLike<number>,
  mask: Float64Array | null,
  zOut?: Float64Array,
): Float64Array {
  const z = standardise(m, x);
  if (zOut) zOut.set(z);
  const h = new Float64Array(m.hidden);
  h.set(m.b1);
  for (let i = 0; i < m.inputs; i++) {
    const zi = z[i]!;
    if (zi === 0) continue;
    const row = i * m.hidden;
    for (let j = 0; j < m.hidden; j++) h[j]! += zi * m.w1[row + j]!;
  }
  for (let j = 0; j < m.hidden; j++) {
    h[j] = h[j]! > 0 ? h[j]! : 0;
    if (mask) h[j]! *= mask[j]!;
  }
  return h;
}

function heads(m: MlpWeights, h: Float64Array, fix: Float64Array, tags: Float64Array): void {
  fix.set(m.bf);
  tags.set(m.bt);
  for (let j = 0; j < m.hidden; j++) {
    const hj = h[j]!;
    if (hj === 0) continue;
    for (let k = 0; k < m.fixTypes; k++) fix[k]! += hj * m.wf[j * m.fixTypes + k]!;
    for (let t = 0; t < m.tags; t++) tags[t]! += hj * m.wt[j * m.tags + t]!;
  }
}

type Params = Pick<MlpWeights, 'w1' | 'b1' | 'wf' | 'bf' | 'wt' | 'bt'>;
const PARAMS = ['w1', 'b1', 'wf', 'bf', 'wt', 'bt'] as const;

function zerosLike(m: MlpWeights): Params {
  return Object.fromEntries(PARAMS.map((p) => [p, new Float64Array(m[p].length)])) as unknown as Params;
}

/** Loss of one example and its gradient, accumulated into `g`. Exported for the gradient check. */
export function lossAndGradient(
  m: MlpWeights,
  x: ArrayLike<number>,
  fix: number,
  tags: Uint8Array,
  weight: number,
  tagWeight: number,
  classWeight: number,
  g: Params,
  mask: Float64Array | null,
): number {
  const z = new Float64Array(m.inputs);
  const h = hiddenLayer(m, x, mask, z);
  const pf = new Float64Array(m.fixTypes);
  const pt = new Float64Array(m.tags);
  heads(m, h, pf, pt);
  softmaxInPlace(pf);
  const w = weight * classWeight;
  let loss = -Math.log(Math.max(pf[fix]!, 1e-12)) * w;
  const df = new Float64Array(m.fixTypes);
  for (let k = 0; k < m.fixTypes; k++) df[k] = (pf[k]! - (k === fix ? 1 : 0)) * w;
  const dt = new Float64Array(m.tags);
  if (tagWeight > 0) {
    const s = (tagWeight * weight) / m.tags;
    for (let t = 0; t < m.tags; t++) {
      const q = sigmoid(pt[t]!);
      const y = tags[t]!;
      loss -= s * (y * Math.log(Math.max(q, 1e-12)) + (1 - y) * Math.log(Math.max(1 - q, 1e-12)));
      dt[t] = s * (q - y);
    }
  }
  const dh = new Float64Array(m.hidden);
  for (let j = 0; j < m.hidden; j++) {
    const hj = h[j]!;
    let acc = 0;
    for (let k = 0; k < m.fixTypes; k++) {
      g.wf[j * m.fixTypes + k]! += hj * df[k]!;
      acc += df[k]! * m.wf[j * m.fixTypes + k]!;
    }
    for (let t = 0; t < m.tags; t++) {
      g.wt[j * m.tags + t]! += hj * dt[t]!;
      acc += dt[t]! * m.wt[j * m.tags + t]!;
    }
    // ReLU (and dropout) let the gradient through only where the unit was active
    dh[j] = hj > 0 ? acc * (mask ? mask[j]! : 1) : 0;
  }
  for (let k = 0; k < m.fixTypes; k++) g.bf[k]! += df[k]!;
  for (let t = 0; t < m.tags; t++) g.bt[t]! += dt[t]!;
  for (let j = 0; j < m.hidden; j++) g.b1[j]! += dh[j]!;
  for (let i = 0; i < m.inputs; i++) {
    const zi = z[i]!;
    if (zi === 0) continue;
    const row = i * m.hidden;
    for (let j = 0; j < m.hidden; j++) g.w1[row + j]! += zi * dh[j]!;
  }
  return loss;
}

/**
 * Feature means and standard deviations over the training set. Constant features get 1 (and
 * are marked: the network must ignore them); `floor` keeps a feature that is almost always
 * the same from being blown up when it does vary.
 */
function standardisation(
  x: Float32Array[],
  inputs: number,
  floor = 0,
): { mean: Float64Array; std: Float64Array; constant: boolean[] } {
  const mean = new Float64Array(inputs);
  const std = new Float64Array(inputs);
  for (const v of x) for (let i = 0; i < inputs; i++) mean[i]! += v[i]!;
  for (let i = 0; i < inputs; i++) mean[i]! /= Math.max(1, x.length);
  for (const v of x) for (let i = 0; i < inputs; i++) std[i]! += (v[i]! - mean[i]!) ** 2;
  const constant: boolean[] = [];
  for (let i = 0; i < inputs; i++) {
    const s = Math.sqrt(std[i]! / Math.max(1, x.length));
    constant.push(s <= 1e-6);
    std[i] = s > 1e-6 ? Math.max(s, floor) : 1;
  }
  return { mean, std, constant };
}

export function initWeights(
  inputs: number,
  fixTypes: number,
  tags: number,
  cfg: Pick<MlpConfig, 'hidden' | 'seed'> & { stdFloor?: number },
  data?: Float32Array[],
): MlpWeights {
  const rand = mulberry32(cfg.seed);
  const uniform = (n: number, fanIn: number, fanOut: number) => {
    const a = Math.sqrt(6 / (fanIn + fanOut));
    return Float64Array.from({ length: n }, () => (rand() * 2 - 1) * a);
  };
  const { mean, std, constant } = data
    ? standardisation(data, inputs, cfg.stdFloor ?? 0)
    : { mean: new Float64Array(inputs), std: new Float64Array(inputs).fill(1), constant: [] as boolean[] };
  const h = cfg.hidden;
  const w1 = uniform(inputs * h, inputs, h);
  // a feature constant in training gets no gradient: random weights on it would stay, and turn
  // its first non-constant value (say, on a new assignment) into noise. Start them, and keep them, at 0.
  constant.forEach((c, i) => c && w1.fill(0, i * h, (i + 1) * h));
  return {
    inputs,
    hidden: h,
    fixTypes,
    tags,
    mean,
    std,
    w1,
    b1: new Float64Array(h).fill(0.01),
    wf: uniform(h * fixTypes, h, fixTypes),
    bf: new Float64Array(fixTypes),
    wt: uniform(h * tags, h, tags),
    bt: new Float64Array(tags),
  };
}

function cloneWeights(m: MlpWeights): MlpWeights {
  return { ...m, ...Object.fromEntries(PARAMS.map((p) => [p, Float64Array.from(m[p])])) };
}

export interface EpochInfo {
  epoch: number;
  loss: number;
  score: number;
  best: number;
  bestEpoch: number;
}

export interface TrainResult {
  weights: MlpWeights;
  bestEpoch: number;
  epochs: number;
  history: EpochInfo[];
}

/**
 * Adam with decoupled weight decay, mini-batches in a seeded order, dropout on the trunk,
 * early stopping on `score(weights)` (higher is better) measured on held-out data.
 */
export function trainMlp(
  data: TrainSet,
  fixTypes: number,
  tags: number,
  cfg: MlpConfig,
  score: (w: MlpWeights) => number,
  onEpoch?: (e: EpochInfo) => void,
): TrainResult {
  const inputs = data.x[0]?.length ?? 0;
  const m = initWeights(inputs, fixTypes, tags, cfg, data.x);
  const rand = mulberry32(cfg.seed ^ 0x9e3779b9);
  const counts = new Array(fixTypes).fill(0);
  data.fix.forEach((y, i) => (counts[y] += data.weight[i]!));
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  const classWeight = counts.map((c) => (cfg.balanceClasses && c > 0 ? Math.sqrt(total / present / c) : 1));

  const mom = zerosLike(m);
  const vel = zerosLike(m);
  let step = 0;
  const order = data.x.map((_, i) => i);
  let best = -Infinity;
  let bestWeights = cloneWeights(m);
  let bestEpoch = 0;
  const history: EpochInfo[] = [];
  const b1 = 0.9;
  const b2 = 0.999;
  for (let epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
    shuffleInPlace(order, rand);
    let epochLoss = 0;
    for (let s = 0; s < order.length; s += cfg.batchSize) {
      const batch = order.slice(s, s + cfg.batchSize);
      const g = zerosLike(m);
      for (const i of batch) {
        const mask =
          cfg.dropout > 0
            ? Float64Array.from({ length: m.hidden }, () => (rand() < cfg.dropout ? 0 : 1 / (1 - cfg.dropout)))
            : null;
        epochLoss += lossAndGradient(
          m,
          data.x[i]!,
          data.fix[i]!,
          data.tags[i]!,
          data.weight[i]!,
          cfg.tagWeight,
          classWeight[data.fix[i]!]!,
          g,
          mask,
        );
      }
      step++;
      const lr = cfg.learningRate;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      for (const p of PARAMS) {
        const w = m[p];
        const gp = g[p];
        const mp = mom[p];
        const vp = vel[p];
        const decay = p === 'w1' || p === 'wf' || p === 'wt' ? cfg.weightDecay : 0;
        for (let k = 0; k < w.length; k++) {
          const gk = gp[k]! / batch.length;
          mp[k] = b1 * mp[k]! + (1 - b1) * gk;
          vp[k] = b2 * vp[k]! + (1 - b2) * gk * gk;
          w[k] = w[k]! - lr * (mp[k]! / c1 / (Math.sqrt(vp[k]! / c2) + 1e-8) + decay * w[k]!);
        }
      }
    }
    const sc = score(m);
    if (sc > best + 1e-9) {
      best = sc;
      bestWeights = cloneWeights(m);
      bestEpoch = epoch;
    }
    const info = { epoch, loss: epochLoss / Math.max(1, order.length), score: sc, best, bestEpoch };
    history.push(info);
    onEpoch?.(info);
    if (epoch - bestEpoch >= cfg.patience) break;
  }
  return { weights: bestWeights, bestEpoch, epochs: history.length, history };
}

/**
 * Several students trained on the same data with different seeds, merged into one network
 * whose logits are the members' average: their trunks side by side, their heads stacked
 * and scaled by 1/K. Still one trunk and two heads, so it exports and runs like any student;
 * averaging removes most of the seed-to-seed variance of a small dataset. Members trained on
 * different data were standardised differently: their first layers are re-expressed exactly in
 * the first member's standardisation, (x−m)/s·(s/sₖ) + (m−mₖ)/sₖ = (x−mₖ)/sₖ.
 */
export function mergeByLogitAverage(members: MlpWeights[]): MlpWeights {
  const first = members[0];
  if (!first) throw new Error('no members to merge');
  const k = members.length;
  for (const m of members) {
    if (m.inputs !== first.inputs || m.fixTypes !== first.fixTypes || m.tags !== first.tags)
      throw new Error('members differ in shape');
  }
  const hidden = members.reduce((s, m) => s + m.hidden, 0);
  const w1 = new Float64Array(first.inputs * hidden);
  const b1 = new Float64Array(hidden);
  const wf = new Float64Array(hidden * first.fixTypes);
  const wt = new Float64Array(hidden * first.tags);
  const bf = new Float64Array(first.fixTypes);
  const bt = new Float64Array(first.tags);
  let offset = 0;
  for (const m of members) {
    b1.set(m.b1, offset);
    for (let i = 0; i < m.inputs; i++) {
      const scale = first.std[i]! / m.std[i]!;
      const shift = (first.mean[i]! - m.mean[i]!) / m.std[i]!;
      for (let j = 0; j < m.hidden; j++) {
        const w = m.w1[i * m.hidden + j]!;
        w1[i * hidden + offset + j] = w * scale;
        b1[offset + j]! += w * shift;
      }
    }
    for (let j = 0; j < m.hidden; j++) {
      for (let c = 0; c < m.fixTypes; c++) wf[(offset + j) * m.fixTypes + c] = m.wf[j * m.fixTypes + c]! / k;
      for (let t = 0; t < m.tags; t++) wt[(offset + j) * m.tags + t] = m.wt[j * m.tags + t]! / k;
    }
    m.bf.forEach((v, c) => (bf[c]! += v / k));
    m.bt.forEach((v, t) => (bt[t]! += v / k));
    offset += m.hidden;
  }
  return {
    ...first,
    hidden,
    w1,
    b1,
    wf,
    bf,
    wt,
    bt,
    mean: Float64Array.from(first.mean),
    std: Float64Array.from(first.std),
  };
}

/** Fix-type logits of one example (before the softmax). */
function fixLogits(m: MlpWeights, x: ArrayLike<number>): Float64Array {
  const h = hiddenLayer(m, x, null);
  const fix = new Float64Array(m.fixTypes);
  heads(m, h, fix, new Float64Array(m.tags));
  return fix;
}

/**
 * Temperature scaling: the single factor T that makes the fix-type probabilities honest on
 * held-out programs (lowest negative log-likelihood), folded into the fix head (logits / T).
 * The predicted fix type never changes; only how sure the model says it is.
 */
export function calibrateTemperature(
  m: MlpWeights,
  xs: ArrayLike<number>[],
  fix: number[],
): { weights: MlpWeights; temperature: number } {
  const best = fitTemperature(
    xs.map((x) => fixLogits(m, x)),
    fix,
  );
  return {
    weights: { ...m, wf: m.wf.map((v) => v / best), bf: m.bf.map((v) => v / best) },
    temperature: Math.round(best * 100) / 100,
  };
}
