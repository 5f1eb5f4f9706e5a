/** Evaluation metrics, as the paper reports them. Pure functions over label indices/names. */

export function accuracy(gold: string[], pred: string[]): number {
  if (gold.length === 0) return 0;
  return gold.filter((g, i) => g === pred[i]).length / gold.length;
}

export function f1(gold: string[], pred: string[], cls: string): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  gold.forEach((g, i) => {
    const p = pred[i];
    if (p === cls && g === cls) tp++;
    else if (p === cls) fp++;
    else if (g === cls) fn++;
  });
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** Macro-F1 over the classes present in the gold labels (as the IntroClass baselines are computed). */
export function macroF1(gold: string[], pred: string[]): number {
  const classes = [...new Set(gold)];
  if (!classes.length) return 0;
  return classes.reduce((s, c) => s + f1(gold, pred, c), 0) / classes.length;
}

export function perClassF1(
  gold: string[],
  pred: string[],
  classes: string[],
): Record<string, { f1: number; support: number }> {
  return Object.fromEntries(
    classes.map((c) => [c, { f1: f1(gold, pred, c), support: gold.filter((g) => g === c).length }]),
  );
}

export interface TagMetrics {
  /** Mean F1 over the tags present in the gold sets. */
  macroF1: number;
  /** F1 over all (example, tag) decisions, positives only. */
  microF1: number;
  /** Share of examples whose predicted tag set is exactly the gold set. */
  exactMatch: number;
}

export function tagMetrics(gold: string[][], pred: string[][]): TagMetrics {
  const tags = [...new Set(gold.flat())];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const per: Record<string, { tp: number; fp: number; fn: number }> = Object.fromEntries(
    tags.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]),
  );
  let exact = 0;
  gold.forEach((g, i) => {
    const gs = new Set(g);
    const ps = new Set(pred[i] ?? []);
    if (gs.size === ps.size && [...gs].every((t) => ps.has(t))) exact++;
    for (const t of ps) {
      if (gs.has(t)) {
        tp++;
        if (per[t]) per[t].tp++;
      } else {
        fp++;
        if (per[t]) per[t].fp++;
      }
    }
    for (const t of gs) {
      if (!ps.has(t)) {
        fn++;
        per[t]!.fn++;
      }
    }
  });
  const f = (x: { tp: number; fp: number; fn: number }) => (x.tp === 0 ? 0 : (2 * x.tp) / (2 * x.tp + x.fp + x.fn));
  return {
    macroF1: tags.length ? tags.reduce((s, t) => s + f(per[t]!), 0) / tags.length : 0,
    microF1: f({ tp, fp, fn }),
    exactMatch: gold.length ? exact / gold.length : 0,
  };
}

export function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** Percentile bootstrap interval of `stat` over examples resampled with replacement. */
export function bootstrapInterval(
  n: number,
  stat: (idx: number[]) => number,
  rand: () => number,
  rounds = 1000,
  level = 0.95,
): [number, number] {
  const values: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const idx = Array.from({ length: n }, () => Math.floor(rand() * n));
    values.push(stat(idx));
  }
  values.sort((a, b) => a - b);
  const lo = values[Math.floor(((1 - level) / 2) * rounds)]!;
  const hi = values[Math.min(rounds - 1, Math.ceil((1 - (1 - level) / 2) * rounds) - 1)]!;
  return [lo, hi];
}
