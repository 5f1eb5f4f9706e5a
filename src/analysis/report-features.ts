import { distance } from 'fastest-levenshtein';
import type { TestReport, TestResult } from '../grading/report.js';
import { escapeRegExp } from '../core/escape-regexp.js';

/**
 * How a program fails, in terms that mean the same on any assignment: which verdicts,
 * how the printed answer relates to the expected one (off by one, another input, the
 * sign, a shifted letter, a shorter sequence...), how the text differs, and what the
 * failing inputs have in common that the passing ones lack. Never test ids.
 */
export const INPUT_PROPERTIES = [
  'dup',
  'neg',
  'zero',
  'decimal',
  'big',
  'last_eq_other',
  'ascending',
  'descending',
  'min_first',
  'min_last',
  'single_number',
  'one_digit',
  'space',
  'upper',
  'letter_y',
  'long_line',
  'short_line',
  'punct',
  'digit_in_text',
] as const;

export const REPORT_FEATURES = [
  'tests_log',
  'frac_fail',
  'fail_all',
  'fail_one',
  'fail_le2',
  'v_wrong_answer',
  'v_no_answer',
  'v_runtime_error',
  'v_timeout',
  'v_limit',
  'nondeterministic',
  'out_empty',
  'out_fewer_lines',
  'out_more_lines',
  'out_norm_equal',
  'out_contains_expected',
  'out_prefix_of_expected',
  'out_last_line_sim',
  'out_sim',
  'out_expected_answer_text',
  'ans_kind_number',
  'ans_kind_char',
  'ans_kind_word',
  'ans_kind_sequence',
  'ans_none',
  'ans_multi',
  'ans_includes_expected',
  'num_off_by_one',
  'num_sign_flip',
  'num_abs_equal',
  'num_zero',
  'num_is_input',
  'num_is_input_max',
  'num_is_input_min',
  'num_const_diff',
  'num_greater',
  'num_ratio_10',
  'char_const_diff',
  'char_diff_mag',
  'word_adjacent',
  'word_case_only',
  'word_other',
  'seq_shorter',
  'seq_longer',
  'seq_short_by_one',
  'seq_long_by_one',
  'seq_reversed',
  'seq_sign_only',
  'seq_prefix',
  'seq_suffix',
  'seq_empty',
  'seq_extra_zero',
  'seq_skips_zero',
  'word_printed_better',
  'word_printed_worse',
  'word_fail_vs_letter',
  'num_err_eq_class_count',
  ...[1, 2, 3, 4, 5].flatMap((k) => [`pos_expected_fail_${k}`, `pos_expected_pass_${k}`, `pos_printed_${k}`]),
  'pos_printed_other',
  ...INPUT_PROPERTIES.flatMap((p) => [`in_fail_${p}`, `in_pass_${p}`, `in_lift_${p}`, `in_sep_${p}`]),
] as const;

export type ReportFeatureName = (typeof REPORT_FEATURES)[number];

const NUM = /-?\d+(?:\.\d+)?/g;

const numberCache = new Map<string, number[]>();
/** The numbers in a text (test inputs repeat across reports: remembered, a bounded number). */
function numbers(text: string): number[] {
  let ns = numberCache.get(text);
  if (!ns) {
    ns = [...text.matchAll(NUM)].map((m) => Number(m[0]));
    if (numberCache.size > 10_000) numberCache.clear();
    numberCache.set(text, ns);
  }
  return ns;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

type InputProps = Record<(typeof INPUT_PROPERTIES)[number], boolean>;
const propertyCache = new Map<string, InputProps>();

/** Properties of one test input, as booleans (an assignment's inputs recur: remembered). */
export function inputProperties(input: string): InputProps {
  let p = propertyCache.get(input);
  if (!p) {
    p = computeInputProperties(input);
    if (propertyCache.size > 10_000) propertyCache.clear();
    propertyCache.set(input, p);
  }
  return p;
}

function computeInputProperties(input: string): InputProps {
  const ns = numbers(input);
  const line = firstLine(input);
  const letters = /[a-z]/i.test(line);
  const min = Math.min(...ns);
  return {
    dup: new Set(ns).size < ns.length,
    neg: ns.some((x) => x < 0),
    zero: ns.some((x) => x === 0),
    decimal: ns.some((x) => !Number.isInteger(x)),
    big: ns.some((x) => Math.abs(x) >= 1000),
    last_eq_other: ns.length > 1 && ns.slice(0, -1).includes(ns.at(-1)!),
    ascending: ns.length > 1 && ns.every((x, i) => i === 0 || ns[i - 1]! < x),
    descending: ns.length > 1 && ns.every((x, i) => i === 0 || ns[i - 1]! > x),
    min_first: ns.length > 1 && ns[0] === min,
    min_last: ns.length > 1 && ns.at(-1) === min,
    single_number: ns.length === 1 && !letters,
    one_digit: ns.length === 1 && !letters && Math.abs(ns[0]!) < 10,
    space: letters && line.trim().includes(' '),
    upper: /[A-Z]/.test(line),
    letter_y: /y/i.test(line),
    long_line: letters && line.length > 19,
    short_line: letters && line.trim().length <= 1,
    punct: letters && /[^\w\s]/.test(line),
    digit_in_text: letters && /\d/.test(line),
  };
}

/** Similarity of two strings, 1 - edit distance / longer length (cut to 80 characters). */
export function similarity(a: string, b: string): number {
  a = a.slice(0, 80);
  b = b.slice(0, 80);
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  // Myers' bit-parallel edit distance: the same number as the textbook table, in a fraction of the time
  return 1 - distance(a, b) / Math.max(a.length, b.length);
}

const lastLine = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';
/** Whether `run` occurs in `xs` as consecutive items. */
function containsRun(xs: string[], run: string[]): boolean {
  if (!run.length) return false;
  for (let i = 0; i + run.length <= xs.length; i++) if (run.every((r, k) => xs[i + k] === r)) return true;
  return false;
}

/** An answer as the text states it: not inside a longer word or number, case ignored. */
const answerPattern = (answer: string) => new RegExp(`(^|[^\\w-])${escapeRegExp(answer)}([^\\w]|$)`, 'i');

/**
 * The lines of the expected output that state the answer (the last lines holding an expected
 * answer, as many as there are answers), trimmed; the last line when the checker names no answer. A
 * closing line every output shares ("That's all") would otherwise say the answer was printed.
 */
function answerBlock(t: TestResult): string {
  const lines = t.expected
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // answers may carry the newline the checker's pattern took with them ("0\n")
  const answers = (t.answers?.expected ?? []).map((a) => a.trim()).filter(Boolean);
  if (!answers.length || !lines.length) return lastLine(t.expected);
  const res = answers.map(answerPattern);
  const hits = lines.map((l, i) => (res.some((re) => re.test(l)) ? i : -1)).filter((i) => i >= 0);
  if (!hits.length) return lastLine(t.expected);
  // a prompt may name answers too ("thresholds for A, B, C"): keep the last lines, one per answer
  return lines.slice(hits[Math.max(0, hits.length - answers.length)], hits.at(-1)! + 1).join('\n');
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const frac = <T>(xs: T[], p: (x: T) => boolean) => (xs.length ? xs.filter(p).length / xs.length : 0);

type AnswerKind = 'number' | 'char' | 'word' | 'sequence' | 'none';

function answerKind(tests: TestResult[]): AnswerKind {
  const exp = tests.map((t) => t.answers?.expected ?? []).filter((a) => a.length > 0);
  if (!exp.length) return 'none';
  if (exp.some((a) => a.length > 1)) return 'sequence';
  const all = exp.map((a) => a[0]!);
  if (all.every((x) => /^-?\d+(\.\d+)?$/.test(x.trim()))) return 'number';
  if (all.every((x) => x.length === 1)) return 'char';
  return 'word';
}

function answerFeatures(failing: TestResult[], kind: AnswerKind, f: Record<string, number>): void {
  const withAns = failing.filter((t) => t.answers && t.answers.expected.length > 0);
  f.ans_none = frac(withAns, (t) => t.answers!.actual.length === 0);
  // relative to what is expected, so a sequence answer (many digits) means the same as a single one
  f.ans_multi = frac(withAns, (t) => new Set(t.answers!.actual).size > new Set(t.answers!.expected).size);
  f.ans_includes_expected = frac(withAns, (t) => containsRun(t.answers!.actual, t.answers!.expected));
  const single = withAns.filter((t) => t.answers!.expected.length === 1 && t.answers!.actual.length >= 1);
  if (kind === 'number') {
    const pairs = single
      .map((t) => ({ e: Number(t.answers!.expected[0]), a: Number(t.answers!.actual.at(-1)), ins: numbers(t.input) }))
      .filter((p) => Number.isFinite(p.e) && Number.isFinite(p.a));
    f.num_off_by_one = frac(pairs, (p) => Math.abs(p.a - p.e) === 1);
    f.num_sign_flip = frac(pairs, (p) => p.a === -p.e && p.e !== 0);
    f.num_abs_equal = frac(pairs, (p) => Math.abs(p.a) === Math.abs(p.e));
    f.num_zero = frac(pairs, (p) => p.a === 0);
    f.num_is_input = frac(pairs, (p) => p.ins.includes(p.a));
    f.num_is_input_max = frac(pairs, (p) => p.ins.length > 1 && p.a === Math.max(...p.ins));
    f.num_is_input_min = frac(pairs, (p) => p.ins.length > 1 && p.a === Math.min(...p.ins));
    const diffs = pairs.map((p) => p.a - p.e);
    f.num_const_diff = diffs.length > 1 && diffs.every((d) => d === diffs[0] && d !== 0) ? 1 : 0;
    f.num_greater = frac(pairs, (p) => p.a > p.e);
    f.num_ratio_10 = frac(
      pairs,
      (p) => p.e !== 0 && (p.a === p.e * 10 || p.a * 10 === p.e || Math.trunc(p.e / 10) === p.a),
    );
    // on text inputs: the error is the number of characters of one class (spaces, capitals, y...)
    const texts = single.map((t) => ({
      e: Number(t.answers!.expected[0]),
      a: Number(t.answers!.actual.at(-1)),
      line: firstLine(t.input),
    }));
    f.num_err_eq_class_count = frac(texts, (p) => {
      const d = Math.abs(p.a - p.e);
      if (!Number.isFinite(d) || d === 0 || !/[a-z]/i.test(p.line)) return false;
      return (
        [/ /g, /[A-Z]/g, /[yY]/g, /[^\w\s]/g, /[aeiouyAEIOUY]/g].some((re) => (p.line.match(re) ?? []).length === d) ||
        d === p.line.length
      );
    });
  } else if (kind === 'char') {
    const diffs = single.map((t) => t.answers!.actual.at(-1)!.charCodeAt(0) - t.answers!.expected[0]!.charCodeAt(0));
    f.char_const_diff = diffs.length > 1 && diffs.every((d) => d === diffs[0] && d !== 0) ? 1 : 0;
    f.char_diff_mag = mean(diffs.map((d) => Math.min(1, Math.abs(d) / 64)));
  } else if (kind === 'word') {
    const pairs = single.map((t) => ({ e: t.answers!.expected[0]!, a: t.answers!.actual.at(-1)! }));
    f.word_adjacent = frac(
      pairs,
      (p) =>
        p.e.length === 1 &&
        p.a.length === 1 &&
        Math.abs(p.a.toLowerCase().charCodeAt(0) - p.e.toLowerCase().charCodeAt(0)) === 1,
    );
    f.word_case_only = frac(pairs, (p) => p.a !== p.e && p.a.toLowerCase() === p.e.toLowerCase());
    f.word_other = frac(pairs, (p) => p.a.length !== p.e.length);
    const single1 = pairs.filter((p) => p.e.length === 1 && p.a.length === 1);
    f.word_printed_better = frac(single1, (p) => p.a.toLowerCase() < p.e.toLowerCase());
    f.word_printed_worse = frac(single1, (p) => p.a.toLowerCase() > p.e.toLowerCase());
    f.word_fail_vs_letter = frac(pairs, (p) => (p.e.length === 1) !== (p.a.length === 1));
  } else if (kind === 'sequence') {
    const seqs = withAns.map((t) => ({ e: t.answers!.expected, a: t.answers!.actual }));
    f.seq_shorter = frac(seqs, (s) => s.a.length < s.e.length);
    f.seq_longer = frac(seqs, (s) => s.a.length > s.e.length);
    f.seq_short_by_one = frac(seqs, (s) => s.a.length === s.e.length - 1);
    f.seq_long_by_one = frac(seqs, (s) => s.a.length === s.e.length + 1);
    f.seq_reversed = frac(seqs, (s) => s.a.length > 1 && s.a.join('|') === [...s.e].reverse().join('|'));
    const strip = (xs: string[]) => xs.map((x) => x.replace('-', '')).join('|');
    f.seq_sign_only = frac(seqs, (s) => s.a.length === s.e.length && strip(s.a) === strip(s.e));
    f.seq_prefix = frac(
      seqs,
      (s) => s.a.length > 0 && s.a.length < s.e.length && s.e.slice(0, s.a.length).join('|') === s.a.join('|'),
    );
    f.seq_suffix = frac(
      seqs,
      (s) => s.a.length > 0 && s.a.length < s.e.length && s.e.slice(-s.a.length).join('|') === s.a.join('|'),
    );
    f.seq_empty = frac(seqs, (s) => s.a.length === 0);
    const num = (x: string) => x.replace(/[-\s]/g, '');
    f.seq_extra_zero = frac(seqs, (s) => s.a.length > s.e.length && s.a.slice(s.e.length).every((x) => num(x) === '0'));
    f.seq_skips_zero = frac(
      seqs,
      (s) =>
        s.e.some((x) => num(x) === '0') &&
        s.a.filter((x) => num(x) === '0').length < s.e.filter((x) => num(x) === '0').length,
    );
  }
}

/**
 * Where in the input the answer comes from: the k-th number read. A program that prints
 * the wrong variable prints another position; one that misses a case fails when the answer
 * sits at one position.
 */
function positionFeatures(failing: TestResult[], passing: TestResult[], f: Record<string, number>): void {
  const positionOf = (t: TestResult, answer: string | undefined) => {
    if (answer === undefined || !/^-?\d+(\.\d+)?$/.test(answer.trim())) return 0;
    const ns = numbers(t.input);
    if (ns.length < 2) return 0;
    const i = ns.indexOf(Number(answer));
    return i < 0 ? -1 : Math.min(i, 4) + 1;
  };
  for (let k = 1; k <= 5; k++) {
    f[`pos_expected_fail_${k}`] = frac(failing, (t) => positionOf(t, t.answers?.expected[0]) === k);
    f[`pos_expected_pass_${k}`] = frac(passing, (t) => positionOf(t, t.answers?.expected[0]) === k);
    f[`pos_printed_${k}`] = frac(failing, (t) => positionOf(t, t.answers?.actual.at(-1)) === k);
  }
  f.pos_printed_other = frac(failing, (t) => positionOf(t, t.answers?.actual.at(-1)) === -1);
}

export function reportFeatures(report: TestReport): Record<ReportFeatureName, number> {
  const f = Object.fromEntries(REPORT_FEATURES.map((k) => [k, 0])) as Record<string, number>;
  const tests = report.tests;
  const failing = tests.filter((t) => t.verdict !== 'PASS');
  const passing = tests.filter((t) => t.verdict === 'PASS');
  const n = Math.max(1, tests.length);
  f.tests_log = Math.log1p(tests.length);
  f.frac_fail = failing.length / n;
  f.fail_all = failing.length === tests.length && tests.length > 0 ? 1 : 0;
  f.fail_one = failing.length === 1 ? 1 : 0;
  f.fail_le2 = failing.length <= 2 ? 1 : 0;
  f.v_wrong_answer = frac(failing, (t) => t.verdict === 'WRONG_ANSWER');
  f.v_no_answer = frac(failing, (t) => t.verdict === 'NO_ANSWER');
  f.v_runtime_error = frac(failing, (t) => t.verdict === 'RUNTIME_ERROR');
  f.v_timeout = frac(failing, (t) => t.verdict === 'TIMEOUT');
  f.v_limit = frac(failing, (t) => t.verdict === 'MEMORY_LIMIT' || t.verdict === 'OUTPUT_LIMIT');
  f.nondeterministic = report.summary.nondeterministic ? 1 : 0;

  const lines = (s: string) => s.split('\n').filter((l) => l.trim()).length;
  f.out_empty = frac(failing, (t) => t.actual.trim() === '');
  f.out_fewer_lines = frac(failing, (t) => lines(t.actual) < lines(t.expected));
  f.out_more_lines = frac(failing, (t) => lines(t.actual) > lines(t.expected));
  f.out_norm_equal = frac(failing, (t) => fold(t.actual) === fold(t.expected));
  const blocks = new Map(failing.map((t) => [t, answerBlock(t)]));
  f.out_contains_expected = frac(failing, (t) => t.actual.includes(blocks.get(t)!));
  f.out_prefix_of_expected = frac(
    failing,
    (t) => t.actual.trim().length > 0 && t.expected.startsWith(t.actual.trimEnd()),
  );
  // many tests print alike: compare each distinct pair once
  const memo = new Map<string, number>();
  const sim = (a: string, b: string) => {
    const k = `${a}\u0000${b}`;
    if (!memo.has(k)) memo.set(k, similarity(a, b));
    return memo.get(k)!;
  };
  f.out_last_line_sim = mean(
    failing.map((t) => {
      const want = blocks.get(t)!.split('\n').at(-1)!;
      const got = t.actual
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(-50);
      return got.reduce((best, l) => Math.max(best, sim(l, want)), 0);
    }),
  );
  f.out_sim = mean(failing.map((t) => sim(t.actual.slice(-80), t.expected.slice(-80))));
  // the right answer is somewhere in the text, just not where or how the checker wants it
  f.out_expected_answer_text = frac(
    failing.filter((t) => t.answers?.expected.length),
    (t) => t.answers!.expected.every((e) => answerPattern(e).test(t.actual)),
  );

  const kind = answerKind(tests);
  f.ans_kind_number = kind === 'number' ? 1 : 0;
  f.ans_kind_char = kind === 'char' ? 1 : 0;
  f.ans_kind_word = kind === 'word' ? 1 : 0;
  f.ans_kind_sequence = kind === 'sequence' ? 1 : 0;
  answerFeatures(failing, kind, f);

  positionFeatures(failing, passing, f);

  const failProps = failing.map((t) => inputProperties(t.input));
  const passProps = passing.map((t) => inputProperties(t.input));
  for (const p of INPUT_PROPERTIES) {
    const fr = frac(failProps, (x) => x[p]);
    const pr = frac(passProps, (x) => x[p]);
    f[`in_fail_${p}`] = fr;
    f[`in_pass_${p}`] = pr;
    f[`in_lift_${p}`] = fr - pr;
    f[`in_sep_${p}`] = failProps.length > 0 && fr === 1 && pr === 0 ? 1 : 0;
  }
  return f as Record<ReportFeatureName, number>;
}
