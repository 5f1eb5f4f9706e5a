import { describe, expect, it } from 'vitest';
import { codeFeatures } from '../../src/analysis/code-features.js';
import { FEATURE_NAMES, featureGroup, featurize, referenceCode } from '../../src/analysis/featurize.js';
import { lintFeatures } from '../../src/analysis/lint-features.js';
import { answerFragments, literalFeatures } from '../../src/analysis/literal-features.js';
import { parseC } from '../../src/analysis/parse-c.js';
import { inputProperties, reportFeatures, similarity } from '../../src/analysis/report-features.js';
import type { TestReport, TestResult } from '../../src/grading/report.js';

const SOURCE = `#include <stdio.h>
int main(void) {
  int a, b, c, smallest;
  float unused;
  scanf("%d %d %d", &a, &b, &c);
  if (a < b && a < c) smallest = a;
  else if (b < c) smallest = b;
  for (int i = 0; i <= 10; i++) { }
  printf("%d is the smalles\\n", smallest);
  return 0;
}
`;

function test(
  id: string,
  verdict: TestResult['verdict'],
  input: string,
  expected: string,
  actual: string,
  answers?: { expected: string[]; actual: string[] },
): TestResult {
  const [suite, n] = id.split('/');
  return {
    id,
    suite: suite!,
    n: Number(n),
    hidden: false,
    verdict,
    input,
    expected,
    actual,
    truncated: false,
    stderr: '',
    exitCode: 0,
    signal: null,
    cpuMs: 1,
    wallMs: 1,
    maxRssKb: 1,
    outputBytes: actual.length,
    nondeterministic: false,
    points: 0,
    ...(answers ? { answers } : {}),
  };
}

function report(tests: TestResult[], lint: TestReport['compile']['lint'] = []): TestReport {
  const passed = tests.filter((t) => t.verdict === 'PASS').length;
  return {
    schema: 'fixsense/test-report@1',
    assignment: { name: 'x', title: 'x' },
    source: { file: 'x.c', bytes: 1, sha256: '0'.repeat(64) },
    compiled: true,
    verdict: passed === tests.length ? 'PASS' : 'FAIL',
    compile: { ok: true, exitCode: 0, limit: null, diagnostics: '', messages: [], lint, ms: 1 },
    tests,
    summary: {
      total: tests.length,
      passed,
      failed: tests.length - passed,
      hiddenTotal: 0,
      hiddenPassed: 0,
      byVerdict: {},
      points: null,
      nondeterministic: false,
    },
    timing: { compileMs: 1, runMs: 1, totalMs: 2 },
  };
}

const R = report([
  test('blackbox/1', 'PASS', '1 2 3\n', '1 is the smallest\n', '1 is the smalles\n', {
    expected: ['1'],
    actual: ['1'],
  }),
  test('blackbox/2', 'WRONG_ANSWER', '5 5 9\n', '5 is the smallest\n', '9 is the smallest\n', {
    expected: ['5'],
    actual: ['9'],
  }),
  test('blackbox/3', 'NO_ANSWER', '4 4 4\n', '4 is the smallest\n', '', { expected: ['4'], actual: [] }),
]);

describe('features', () => {
  it('the same program and report always give the same vector (no dependence on object identity or GC)', () => {
    const a = featurize(SOURCE, R);
    for (let i = 0; i < 20; i++) expect(featurize(SOURCE, R)).toEqual(a);
    expect(a.length).toBe(FEATURE_NAMES.length);
    expect([...a].every(Number.isFinite)).toBe(true);
  });

  it('describe the code as its difference from the reference solution, not which assignment it is', () => {
    const codeIdx = FEATURE_NAMES.map((n, i) => (n.startsWith('code.') ? i : -1)).filter((i) => i >= 0);
    const code = (v: Float32Array) => codeIdx.map((i) => v[i]!);
    // the reference itself: no difference at all
    expect(code(featurize(SOURCE, R, referenceCode(SOURCE))).every((x) => x === 0)).toBe(true);
    // no reference: no known difference, whatever the program
    expect(code(featurize(SOURCE, R, null)).every((x) => x === 0)).toBe(true);
    // one comparison made non-strict: exactly what changed shows, as a difference of the raw features
    const fixed = SOURCE.replace('i <= 10', 'i < 10');
    const delta = featurize(SOURCE, R, referenceCode(fixed));
    const raw = codeFeatures(SOURCE, parseC(SOURCE));
    const ref = codeFeatures(fixed, parseC(fixed));
    codeIdx.forEach((i) => {
      const name = FEATURE_NAMES[i]!.slice('code.'.length) as keyof typeof raw;
      expect(delta[i]).toBeCloseTo(raw[name] - ref[name], 5);
    });
    expect(code(delta).some((x) => x !== 0)).toBe(true);
    // the rest of the vector does not depend on the reference
    const rest = (v: Float32Array) => [...v].filter((_, i) => !codeIdx.includes(i));
    expect(rest(delta)).toEqual(rest(featurize(SOURCE, R, null)));
  });

  it('every feature belongs to a group used by the ablation', () => {
    const groups = new Set(FEATURE_NAMES.map(featureGroup));
    expect([...groups].sort()).toEqual(['answers', 'code', 'inputs', 'lint', 'literal', 'outputs', 'verdicts']);
  });

  it('code: comparisons, loop bounds, declarations and input-to-input comparisons', () => {
    const f = codeFeatures(SOURCE);
    expect(f.cmp_lt).toBeCloseTo(Math.log1p(3));
    expect(f.loop_cmp_le).toBeCloseTo(Math.log1p(1));
    expect(f.loop_bound_literal).toBeCloseTo(Math.log1p(1));
    expect(f.decl_int).toBeCloseTo(Math.log1p(5)); // a, b, c, smallest, i
    expect(f.decl_real).toBeCloseTo(Math.log1p(1));
    expect(f.cmp_input_input).toBeCloseTo(Math.log1p(3));
    expect(f.if_without_else).toBe(0);
    expect(f.scanf_d).toBeCloseTo(Math.log1p(3));
  });

  it('literals: a line the program prints that nearly matches an expected line is a near miss', () => {
    const tree = parseC(SOURCE);
    expect(answerFragments(tree)).toEqual([{ text: '%d is the smalles', endsLine: true }]);
    expect(literalFeatures(tree, R)).toMatchObject({ matched: 0, near_miss: 1 });
    const fixed = parseC(SOURCE.replace('smalles\\n', 'smallest\\n'));
    expect(literalFeatures(fixed, R)).toMatchObject({ matched: 1, near_miss: 0, answer_lines_covered: 1 });
  });

  it('lint: uninitialised reads, and whether the uninitialised value is printed', () => {
    const f = lintFeatures(
      [
        {
          line: 9,
          column: 3,
          severity: 'warning',
          message: "'smallest' may be used uninitialized",
          option: '-Wmaybe-uninitialized',
        },
      ],
      SOURCE,
    );
    expect(f.uninitialized).toBeCloseTo(Math.log1p(1));
    expect(f.uninitialized_printed).toBeCloseTo(Math.log1p(1));
    expect(f.total).toBeCloseTo(Math.log1p(1));
  });

  it('report: verdicts, where the answers come from, and what failing inputs share', () => {
    const f = reportFeatures(R);
    expect(f.frac_fail).toBeCloseTo(2 / 3);
    expect(f.v_no_answer).toBeCloseTo(0.5);
    expect(f.ans_kind_number).toBe(1);
    expect(f.num_is_input).toBe(1); // 9 was read from the input
    expect(f.pos_printed_3).toBe(0.5); // ...as its third number
    expect(f.in_fail_dup).toBe(1);
    expect(f.in_pass_dup).toBe(0);
    expect(f.in_sep_dup).toBe(1);
  });

  it('report: a sequence answer is compared as a whole, not by the closing line every output shares', () => {
    const trailer = "That's all, have a nice day!";
    // as the digits checker reports them: each answer with the newline its pattern ends in
    const seq = (id: string, input: string, exp: string[], act: string[]) =>
      test(
        id,
        'WRONG_ANSWER',
        input,
        `Enter an integer > \n${exp.map((x) => `${x}\n`).join('')}${trailer}\n`,
        `Enter an integer > \n${act.map((x) => `${x}\n`).join('')}${trailer}\n`,
        { expected: exp.map((x) => `${x}\n`), actual: act.map((x) => `${x}\n`) },
      );
    // 0 prints no digit: the answer is missing although the last line matches
    const missing = reportFeatures(
      report([
        seq('blackbox/1', '0\n', ['0'], []),
        test('blackbox/2', 'PASS', '12\n', '2\n1\n', '2\n1\n', { expected: ['2', '1'], actual: ['2', '1'] }),
      ]),
    );
    expect(missing.out_contains_expected).toBe(0);
    expect(missing.ans_includes_expected).toBe(0);
    // the digits are all there, plus an extra 0: the expected run is included, and there is more
    const extra = reportFeatures(report([seq('blackbox/1', '12\n', ['2', '1'], ['2', '1', '0'])]));
    expect(extra.out_contains_expected).toBe(1);
    expect(extra.ans_includes_expected).toBe(1);
    expect(extra.ans_multi).toBe(1);
    // two digits printed for two expected: no more answers than asked for
    const swapped = reportFeatures(report([seq('blackbox/1', '12\n', ['2', '1'], ['1', '2'])]));
    expect(swapped.ans_multi).toBe(0);
    expect(swapped.ans_includes_expected).toBe(0);
  });

  it('report: a prompt naming the possible answers is not taken for the answer line', () => {
    const expected = 'Enter thresholds for A, B, C, D\nin that order > Student has an B grade\n';
    const r = reportFeatures(
      report([
        test('blackbox/1', 'NO_ANSWER', '90 80 70 60\n85\n', expected, 'Thresholds?\nStudent has a B grade\n', {
          expected: ['B'],
          actual: [],
        }),
      ]),
    );
    expect(r.out_contains_expected).toBe(0);
    // the best-matching printed line is compared with the answer line alone
    expect(r.out_last_line_sim).toBeGreaterThan(0.4);
    expect(r.out_last_line_sim).toBeLessThan(1);
  });

  it('input properties and string similarity', () => {
    expect(inputProperties('90 80 70 60\n70\n')).toMatchObject({ last_eq_other: true, dup: true, descending: false });
    expect(inputProperties('Hello World\n')).toMatchObject({ space: true, upper: true, long_line: false });
    expect(similarity('abc', 'abc')).toBe(1);
    expect(similarity('abcd', 'abce')).toBeCloseTo(0.75);
  });

  it('string similarity is exactly the textbook edit distance, for long and non-ASCII strings too', () => {
    const textbook = (a: string, b: string) => {
      const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
      );
      for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
          d[i]![j] = Math.min(
            d[i - 1]![j]! + 1,
            d[i]![j - 1]! + 1,
            d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
          );
      return d[a.length]![b.length]!;
    };
    // a fixed pseudo-random stream: lengths on both sides of 32 and 64 (the bit-parallel word sizes)
    let s = 12345;
    const rand = (n: number) => (s = (s * 1103515245 + 12345) % 2147483648) % n;
    const alphabet = 'ab 1é\n-';
    const word = () => Array.from({ length: rand(100) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let k = 0; k < 300; k++) {
      const a = word().slice(0, 80);
      const b = word().slice(0, 80);
      const want = a === b ? 1 : !a.length || !b.length ? 0 : 1 - textbook(a, b) / Math.max(a.length, b.length);
      expect(similarity(a, b)).toBe(want);
    }
    expect(similarity('x'.repeat(200), 'x'.repeat(80) + 'y')).toBe(1); // both cut to 80 characters
  });
});
