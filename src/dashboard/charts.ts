import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { ReviewerStats } from '../store/reviews.js';
import type { AssignmentSummary } from '../store/term-summary.js';
import type { LabelledPrediction, ReliabilityBin, ThresholdRow } from './term-figures.js';

type Spec = vl.TopLevelSpec;

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

/**
 * A Vega-Lite chart rendered to SVG on the server (no script in the browser, so the strict
 * CSP holds). Vega escapes every text it draws, so names from the store cannot become markup;
 * its SVG carries presentation attributes only, never a style attribute.
 */
export async function renderChart(spec: Spec): Promise<string> {
  const compiled = vl.compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as Spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function fixTypeMixChart(assignments: AssignmentSummary[]): Spec {
  const values = assignments.flatMap((a) =>
    Object.entries(a.fixTypes).map(([fix, n]) => ({ assignment: a.name, fix, n })),
  );
  return {
    title: 'The model’s fix types per assignment (failing submissions)',
    width: 520,
    height: { step: 26 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'assignment', type: 'nominal', title: null },
      x: {
        field: 'n',
        type: 'quantitative',
        title: 'submissions',
        stack: 'zero',
        axis: { format: 'd', tickMinStep: 1 },
      },
      color: { field: 'fix', type: 'nominal', title: 'fix type', scale: { scheme: 'tableau10' } },
      tooltip: [{ field: 'fix' }, { field: 'n' }],
    },
  };
}

export function passRateChart(rows: { assignment: string; day: string; n: number; passed: number }[]): Spec {
  return {
    title: 'Pass rate per day',
    width: 520,
    height: 200,
    data: { values: rows.map((r) => ({ ...r, rate: r.n ? r.passed / r.n : 0 })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'day', type: 'temporal', title: null, timeUnit: 'utcyearmonthdate' },
      y: {
        field: 'rate',
        type: 'quantitative',
        title: 'gradings that pass',
        axis: { format: '%' },
        scale: { domain: [0, 1] },
      },
      color: { field: 'assignment', type: 'nominal', scale: { scheme: 'tableau10' } },
    },
  };
}

export function confusionChart(rows: LabelledPrediction[], fixTypes: string[]): Spec {
  const counts = new Map<string, number>();
  for (const r of rows)
    counts.set(`${r.predicted}|${r.labelled}`, (counts.get(`${r.predicted}|${r.labelled}`) ?? 0) + 1);
  const seen = fixTypes.filter((f) => rows.some((r) => r.predicted === f || r.labelled === f));
  const values = seen.flatMap((p) => seen.map((l) => ({ predicted: p, labelled: l, n: counts.get(`${p}|${l}`) ?? 0 })));
  const axis = { field: '', type: 'nominal' as const, sort: seen };
  return {
    title: 'The model against TA labels',
    width: { step: 34 },
    height: { step: 24 },
    data: { values },
    encoding: {
      x: { ...axis, field: 'labelled', title: 'TA label', axis: { labelAngle: -40 } },
      y: { ...axis, field: 'predicted', title: 'model' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        transform: [{ filter: 'datum.n > 0' }],
        encoding: { text: { field: 'n', type: 'quantitative' } },
      },
    ],
  };
}

export function reliabilityChart(bins: ReliabilityBin[]): Spec {
  return {
    title: 'Reliability: accuracy against confidence (TA-labelled)',
    width: 300,
    height: 300,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: {
          x: {
            field: 'x',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            title: 'mean confidence',
            axis: { format: '%' },
          },
          y: { field: 'y', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy', axis: { format: '%' } },
        },
      },
      {
        data: { values: bins },
        mark: { type: 'line', point: { size: 60 } },
        encoding: {
          x: { field: 'meanConfidence', type: 'quantitative' },
          y: { field: 'accuracy', type: 'quantitative' },
          tooltip: [{ field: 'n', title: 'labelled' }],
        },
      },
    ],
  };
}

export function thresholdChart(rows: ThresholdRow[]): Spec {
  const values = rows.flatMap((r) => [
    { threshold: r.threshold, what: 'share flagged for a TA', v: r.flaggedShare },
    ...(r.accuracyAbove === null
      ? []
      : [{ threshold: r.threshold, what: 'accuracy of the shown rest', v: r.accuracyAbove }]),
  ]);
  return {
    title: 'Choosing confidence_threshold',
    width: 420,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'threshold', type: 'quantitative', title: 'confidence threshold', axis: { format: '%' } },
      y: { field: 'v', type: 'quantitative', title: null, axis: { format: '%' }, scale: { domain: [0, 1] } },
      color: { field: 'what', type: 'nominal', title: null, legend: { orient: 'bottom' } },
    },
  };
}

export function reviewersChart(stats: ReviewerStats[]): Spec {
  const values = stats.map((s) => ({ ta: s.reviewer, reviews: s.reviews, seconds: (s.meanTimeSpentMs ?? 0) / 1000 }));
  const bar = (field: string, title: string) => ({
    width: 240,
    height: { step: 22 },
    mark: 'bar' as const,
    encoding: {
      y: { field: 'ta', type: 'nominal' as const, title: null },
      x: { field, type: 'quantitative' as const, title },
    },
  });
  return {
    title: 'Reviews per TA, and time per item',
    data: { values },
    hconcat: [bar('reviews', 'reviews'), bar('seconds', 'mean seconds per item')],
  };
}
