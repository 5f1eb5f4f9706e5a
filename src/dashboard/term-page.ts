import type { Taxonomy } from '../model/taxonomy.js';
import type { Store } from '../store/store.js';
import {
  confusionChart,
  fixTypeMixChart,
  passRateChart,
  reliabilityChart,
  renderChart,
  reviewersChart,
  thresholdChart,
} from './charts.js';
import { agreementOf, reliability, thresholds, type TermQueries } from './term-figures.js';

/** The term view: figures from the store, and each chart rendered to SVG on the server. */
export async function termPage(s: Store, tq: TermQueries, term: string | null, taxonomy: Taxonomy) {
  if (term === null) return { term, empty: true };
  const [summary, byDay, confidences, labelled, stats, cells] = await Promise.all([
    s.termSummary({ term }),
    tq.passByDay(term),
    tq.confidences(term),
    tq.labelled(term),
    s.reviewerStats({ term }),
    s.agreement({ term }),
  ]);
  const agreement = agreementOf(cells);
  const bins = reliability(labelled);
  const table = thresholds(confidences, labelled);
  const [mix, pass, confusion, rel, thr, tas] = await Promise.all([
    renderChart(fixTypeMixChart(summary.assignments)),
    renderChart(passRateChart(byDay)),
    labelled.length ? renderChart(confusionChart(labelled, taxonomy.fixTypes)) : null,
    bins.length ? renderChart(reliabilityChart(bins)) : null,
    confidences.length ? renderChart(thresholdChart(table)) : null,
    stats.length ? renderChart(reviewersChart(stats)) : null,
  ]);
  return {
    term,
    empty: false,
    assignments: summary.assignments,
    agreement,
    kappa: agreement.kappa === null ? '–' : agreement.kappa.toFixed(2),
    thresholds: table,
    reviewers: stats,
    charts: { mix, pass, confusion, reliability: rel, thresholds: thr, reviewers: tas },
  };
}
