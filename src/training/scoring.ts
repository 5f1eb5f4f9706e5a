/** How a list of predictions scores on the examples it was made for: the report's figures. */
import { accuracy, macroF1, tagMetrics } from './metrics.js';
import type { Prepared } from './prepare.js';
import type { Prediction } from './train-student.js';

/** Reports carry three decimals: more would be noise across seeds. */
export const round = (x: number) => Math.round(x * 1000) / 1000;

export function score(test: Prepared[], preds: Prediction[]) {
  const gold = test.map((p) => p.example.label.fixType);
  const pred = preds.map((p) => p.fixType);
  return { accuracy: accuracy(gold, pred), macro_f1: macroF1(gold, pred) };
}

export function reasoningOf(test: Prepared[], preds: Prediction[]) {
  const m = tagMetrics(
    test.map((p) => p.example.label.tags),
    preds.map((p) => p.tags.map((t) => t.tag)),
  );
  return { exact_match: round(m.exactMatch), micro_f1: round(m.microF1), macro_f1: round(m.macroF1) };
}

/** Fix-type accuracy where the predicted tags are exactly the teacher's, and where they are not. */
export function givenReasoning(test: Prepared[], preds: Prediction[]) {
  const exact = (i: number) => {
    const g = test[i]!.example.label.tags;
    const p = preds[i]!.tags.map((t) => t.tag);
    return g.length === p.length && g.every((t) => p.includes(t));
  };
  const part = (want: boolean) => {
    const idx = test.map((_, i) => i).filter((i) => exact(i) === want);
    const acc = idx.length
      ? idx.filter((i) => preds[i]!.fixType === test[i]!.example.label.fixType).length / idx.length
      : 0;
    return { n: idx.length, accuracy: round(acc) };
  };
  return { exact: part(true), not_exact: part(false) };
}

export function confusion(
  test: Prepared[],
  preds: Prediction[],
  labels: string[],
): { labels: string[]; matrix: number[][] } {
  const present = labels.filter(
    (l) => test.some((p) => p.example.label.fixType === l) || preds.some((p) => p.fixType === l),
  );
  const matrix = present.map(() => present.map(() => 0));
  test.forEach((p, i) => {
    const g = present.indexOf(p.example.label.fixType);
    const q = present.indexOf(preds[i]!.fixType);
    matrix[g]![q]!++;
  });
  return { labels: present, matrix };
}
