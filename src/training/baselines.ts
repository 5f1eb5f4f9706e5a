import type { Prepared } from './prepare.js';
import { countBy } from '../core/count-by.js';

export interface Baseline {
  name: string;
  predict: (p: Prepared) => string;
}

function mostCommon(labels: string[], order: string[]): string {
  const counts = Object.entries(countBy(labels, (l) => l));
  // ties go to the earlier fix type of the taxonomy, as the teacher's own rule
  return counts.sort((a, b) => b[1] - a[1] || order.indexOf(a[0]) - order.indexOf(b[0]))[0]?.[0] ?? order[0]!;
}

const failingSet = (p: Prepared) =>
  p.report.tests
    .filter((t) => t.verdict !== 'PASS')
    .map((t) => t.id)
    .sort()
    .join(',');

/**
 * The reference points the paper's students must beat, learned from the training split:
 * the most common fix type; the most common of the program's assignment; and a lookup of
 * (assignment, exact set of failing tests), falling back to the assignment's most common.
 * The last two only work for assignments seen in training.
 */
export function baselines(train: Prepared[], fixTypes: string[]): Baseline[] {
  const overall = mostCommon(
    train.map((p) => p.example.label.fixType),
    fixTypes,
  );
  const byAssignment = new Map<string, string>();
  for (const a of new Set(train.map((p) => p.example.assignment))) {
    byAssignment.set(
      a,
      mostCommon(
        train.filter((p) => p.example.assignment === a).map((p) => p.example.label.fixType),
        fixTypes,
      ),
    );
  }
  const byFailing = new Map<string, string[]>();
  for (const p of train) {
    const k = `${p.example.assignment}|${failingSet(p)}`;
    byFailing.set(k, [...(byFailing.get(k) ?? []), p.example.label.fixType]);
  }
  const ofAssignment = (p: Prepared) => byAssignment.get(p.example.assignment) ?? overall;
  return [
    { name: 'most common fix type', predict: () => overall },
    { name: 'most common fix type of the assignment', predict: ofAssignment },
    {
      name: 'lookup (assignment, failing tests)',
      predict: (p) => {
        const seen = byFailing.get(`${p.example.assignment}|${failingSet(p)}`);
        return seen ? mostCommon(seen, fixTypes) : ofAssignment(p);
      },
    },
  ];
}
