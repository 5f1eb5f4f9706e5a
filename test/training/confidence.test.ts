/**
 * The figures the term loop decides on: coverage and accuracy of what a student is shown, how
 * honest the confidence is (ECE), the unseen temperature fitted nested, Cohen's kappa between
 * teachers, and the promotion rule.
 */
import { describe, expect, it } from 'vitest';
import { coverageReport, expectedCalibrationError, shownAt } from '../../src/training/coverage.js';
import { promotionVerdict, type ComparisonReport } from '../../src/training/compare-models.js';
import { agreementReport, cohensKappa } from '../../src/training/teachers/agreement.js';
import type { TeacherRun } from '../../src/training/teachers/teacher.js';
import { unseenCalibration } from '../../src/training/unseen-calibration.js';
import { reportHtml } from '../../src/training/report-html.js';
import { mulberry32 } from '../../src/training/random.js';

describe('what a student is shown', () => {
  const preds = [
    { confidence: 0.95, correct: true },
    { confidence: 0.7, correct: true },
    { confidence: 0.65, correct: false },
    { confidence: 0.4, correct: false },
  ];
  it('coverage is the share shown, accuracy the share of those right', () => {
    expect(shownAt(preds, 0.6)).toEqual({ threshold: 0.6, shown: 3, coverage: 0.75, accuracy: 0.667 });
    expect(shownAt(preds, 0.99)).toEqual({ threshold: 0.99, shown: 0, coverage: 0, accuracy: null });
  });
  it('ECE is 0 for honest confidences and the gap for dishonest ones', () => {
    // 75% sure and right 6 times in 8: honest
    const honest = Array.from({ length: 8 }, (_, i) => ({ confidence: 0.75, correct: i < 6 }));
    expect(expectedCalibrationError(honest)).toBe(0);
    // 8 honest ones and 2 at 0.95 that are both wrong: 0.95 off on a fifth of them
    expect(expectedCalibrationError([...honest, ...[1, 2].map(() => ({ confidence: 0.95, correct: false }))])).toBe(
      0.19,
    );
    expect(expectedCalibrationError(Array.from({ length: 4 }, () => ({ confidence: 0.9, correct: false })))).toBe(0.9);
    const r = coverageReport(preds.map((p) => ({ ...p, pGold: p.correct ? p.confidence : 0.1 })));
    expect(r).toMatchObject({ programs: 4, accuracy: 0.5 });
    expect(r.shown.map((s) => s.threshold)).toEqual([0.5, 0.6, 0.7, 0.8, 0.9]);
  });
});

describe('the unseen calibration', () => {
  it('softens an overconfident network, each assignment calibrated by a temperature fitted without it', () => {
    // always 90% sure, right half the time, on three assignments
    const rand = mulberry32(3);
    const preds = ['a', 'b', 'c'].flatMap((assignment) =>
      Array.from({ length: 200 }, () => {
        const best = rand() < 0.5 ? 0 : 1;
        const probs = [0.05, 0.05, 0.05];
        probs[best] = 0.9;
        return { assignment, probs, gold: 0 };
      }),
    );
    const r = unseenCalibration(preds);
    expect(r.temperature).toBeGreaterThan(2);
    expect(Object.keys(r.nested)).toEqual(['a', 'b', 'c']);
    expect(r.before.mean_confidence).toBe(0.9);
    expect(r.after.mean_confidence).toBeLessThan(0.7);
    expect(r.after.ece).toBeLessThan(r.before.ece);
    expect(r.after.nll).toBeLessThan(r.before.nll);
    // the same predictions: calibration never changes what is predicted
    expect(r.after.accuracy).toBe(r.before.accuracy);
  });
});

describe("Cohen's kappa", () => {
  it('is 1 for full agreement, 0 at chance, negative below, null when undefined', () => {
    expect(cohensKappa(['A', 'B', 'A'], ['A', 'B', 'A'])).toBe(1);
    // a textbook case: po 0.7, pe 0.5
    const a = [...'AAAAABBBBB'];
    const b = [...'AAAABBBBAA'];
    expect(cohensKappa(a, b)).toBeCloseTo(0.4, 10);
    expect(cohensKappa(['A', 'B'], ['B', 'A'])).toBeCloseTo(-1, 10);
    expect(cohensKappa([], [])).toBeNull();
    expect(cohensKappa(['A', 'A'], ['A', 'A'])).toBeNull();
  });

  it('the agreement report pairs teachers on the programs both labelled, whatever the formatting', () => {
    const ex = (id: string, source: string, fixType: string) =>
      ({
        id,
        source,
        assignment: 'm',
        label: { fixType, tags: ['X'], teacher: 'ta' },
        provenance: { kind: 'submission' },
      }) as never;
    const run = (teacher: TeacherRun['teacher'], examples: never[]): TeacherRun => ({
      teacher,
      examples,
      discarded: [],
      stats: {},
    });
    const r = agreementReport([
      run('ta', [ex('1', 'int a;', 'A'), ex('2', 'int b;', 'B'), ex('3', 'int c;', 'A')]),
      run('llm', [
        ex('x', 'int  a ;'.replace('  ', ' ').replace(' ;', ';'), 'A'),
        ex('y', 'int\nb;', 'A'),
        ex('z', 'int d;', 'B'),
      ]),
      run('labels', []),
    ]);
    expect(r[0]).toEqual({ teachers: ['ta', 'llm'], shared: 2, agreement: 0.5, kappa: 0 });
    expect(r[1]).toMatchObject({ teachers: ['ta', 'labels'], shared: 0, agreement: null, kappa: null });
  });
});

describe('promotion', () => {
  const cmp = (course: number[] | null): ComparisonReport => ({
    schema: 'fixsense/model-comparison@1',
    created: '',
    sets: course
      ? [
          {
            name: 'course',
            programs: 30,
            models: [
              { version: 'old', accuracy: course[0]!, macro_f1: 0.5 },
              { version: 'new', accuracy: course[1]!, macro_f1: 0.5 },
            ] as never,
          },
        ]
      : [],
  });
  it('takes a version not worse on the course’s held-out labels, within the margin, and refuses a worse one', () => {
    expect(promotionVerdict(cmp([0.7, 0.7]), 'new', 'old', 0).ok).toBe(true);
    expect(promotionVerdict(cmp([0.7, 0.8]), 'new', 'old', 0).ok).toBe(true);
    const worse = promotionVerdict(cmp([0.7, 0.65]), 'new', 'old', 0);
    expect(worse.ok).toBe(false);
    expect(worse.reason).toMatch(/worse by more than the margin of 0: new 0\.650 against old 0\.700 on 30/);
    expect(promotionVerdict(cmp([0.7, 0.65]), 'new', 'old', 0.05).ok).toBe(true);
  });
  it('without held-out course labels there is no evidence, so no promotion', () => {
    expect(promotionVerdict(cmp(null), 'new', 'old', 0)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no held-out course labels/),
    });
  });
});

describe('report.html', () => {
  it('renders headings, tables and charts, and escapes everything else', () => {
    const html = reportHtml(
      '# Title <b>\n\n| a | b |\n|---|---|\n| **1** | `x<y` |\n\n![chart](c.svg)\n\ntext <script>alert(1)</script>',
      {
        'c.svg': '<svg id="c"></svg>',
      },
    );
    expect(html).toContain('<h1>Title &lt;b&gt;</h1>');
    expect(html).toContain('<td><strong>1</strong></td><td><code>x&lt;y</code></td>');
    expect(html).toContain('<figure><svg id="c"></svg><figcaption>chart</figcaption></figure>');
    expect(html).not.toContain('<script>');
  });
});
