/**
 * From independent tag probabilities to one tag set. Teachers give 1-4 tags drawn from a
 * few dozen recurring combinations, so the decoder picks, among the tag sets seen in
 * training, the most likely under the sigmoids, optionally weighed by how often each set
 * goes with the predicted fix type (a prior learned from the same training labels).
 */
export interface TagSetPrior {
  /** Tag sets seen in training, each as tag names in taxonomy order. */
  sets: string[][];
  /** counts[fixType][i]: how often sets[i] was given with that fix type. */
  counts: Record<string, number[]>;
}

export interface DecodeOptions {
  prior?: TagSetPrior;
  /** Weight of the fix-type prior against the tag head's evidence (0 = sets only). */
  priorWeight?: number;
  fixType?: string;
}

const clamp = (p: number) => Math.min(1 - 1e-6, Math.max(1e-6, p));

export function decodeTags(tagProbs: ArrayLike<number>, tagNames: string[], opts: DecodeOptions = {}): string[] {
  const { prior } = opts;
  if (!prior || prior.sets.length === 0) {
    const idx = tagNames.map((_, i) => i).filter((i) => tagProbs[i]! >= 0.5);
    const chosen = idx.length ? idx.sort((a, b) => tagProbs[b]! - tagProbs[a]!).slice(0, 4) : [argmax(tagProbs)];
    return tagNames.filter((_, i) => chosen.includes(i));
  }
  const index = new Map(tagNames.map((t, i) => [t, i]));
  const counts = opts.fixType ? prior.counts[opts.fixType] : undefined;
  const total = counts ? counts.reduce((a, b) => a + b, 0) : 0;
  const w = opts.priorWeight ?? 0;
  let best = prior.sets[0]!;
  let bestScore = -Infinity;
  prior.sets.forEach((set, k) => {
    const inSet = new Set(set.map((t) => index.get(t)));
    let s = 0;
    for (let i = 0; i < tagNames.length; i++)
      s += Math.log(inSet.has(i) ? clamp(tagProbs[i]!) : 1 - clamp(tagProbs[i]!));
    if (counts && w > 0) s += w * Math.log((counts[k]! + 0.5) / (total + 0.5 * prior.sets.length));
    if (s > bestScore) {
      bestScore = s;
      best = set;
    }
  });
  return best;
}

/** Index of the largest value (the first, on ties). */
export function argmax(xs: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[b]!) b = i;
  return b;
}

/** The prior, counted from training labels. */
export function buildTagSetPrior(labels: { fixType: string; tags: string[] }[], fixTypes: string[]): TagSetPrior {
  const keys = new Map<string, number>();
  const sets: string[][] = [];
  for (const l of labels) {
    const k = l.tags.join(',');
    if (!keys.has(k)) {
      keys.set(k, sets.length);
      sets.push(l.tags);
    }
  }
  const counts: Record<string, number[]> = Object.fromEntries(fixTypes.map((f) => [f, new Array(sets.length).fill(0)]));
  for (const l of labels) counts[l.fixType]![keys.get(l.tags.join(','))!]! += 1;
  return { sets, counts };
}
