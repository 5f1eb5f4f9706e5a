export function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) v[i]! /= sum;
}

/**
 * Temperature scaling: the single factor T that makes softmax(scores / T) honest on held-out
 * programs (lowest negative log-likelihood), searched on a grid from 0.5 to 10. `scores` are
 * logits, or log-probabilities (the same up to a constant per program).
 */
export function fitTemperature(scores: ArrayLike<number>[], gold: number[]): number {
  const nll = (t: number) =>
    scores.reduce((s, l, i) => {
      const scaled = Float64Array.from(l as ArrayLike<number>, (v) => v / t);
      softmaxInPlace(scaled);
      return s - Math.log(Math.max(scaled[gold[i]!]!, 1e-12));
    }, 0);
  let best = 1;
  let bestNll = nll(1);
  for (let t = 0.5; t <= 10.0001; t += 0.05) {
    const v = nll(t);
    if (v < bestNll - 1e-12) {
      bestNll = v;
      best = t;
    }
  }
  return best;
}

/** Log-probabilities, floored so that a probability of 0 stays finite. */
export const logProbs = (p: ArrayLike<number>): Float64Array =>
  Float64Array.from(p as ArrayLike<number>, (v) => Math.log(Math.max(v, 1e-30)));
