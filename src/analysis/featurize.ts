import type { TestReport } from '../grading/report.js';
import { CODE_FEATURES, codeFeatures, type CodeFeatureName } from './code-features.js';
import { LINT_FEATURES, lintFeatures } from './lint-features.js';
import { LITERAL_FEATURES, literalFeatures } from './literal-features.js';
import { parseC } from './parse-c.js';
import { REPORT_FEATURES, reportFeatures } from './report-features.js';

/**
 * The student model's input: one vector per failing program, made by the same code in
 * training and in production. Bump the version whenever a feature changes meaning, so a
 * model trained on the old features is refused instead of silently misread.
 */
export const FEATURE_SPEC_VERSION = 'fixsense-features/6';

/** The code features of an assignment's reference solution: what the student's code is compared with. */
export type ReferenceCode = Record<CodeFeatureName, number>;

export function referenceCode(referenceSource: string): ReferenceCode {
  return codeFeatures(referenceSource, parseC(referenceSource));
}

export const FEATURE_NAMES: readonly string[] = [
  ...CODE_FEATURES.map((c) => `code.${c}`),
  ...LINT_FEATURES.map((l) => `lint.${l}`),
  ...LITERAL_FEATURES.map((l) => `literal.${l}`),
  ...REPORT_FEATURES.map((r) => `report.${r}`),
];

/** Feature groups, for ablations: which kinds of input matter. */
export const FEATURE_GROUPS = ['code', 'lint', 'literal', 'verdicts', 'outputs', 'answers', 'inputs'] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

export function featureGroup(name: string): FeatureGroup {
  if (name.startsWith('code.')) return 'code';
  if (name.startsWith('lint.')) return 'lint';
  if (name.startsWith('literal.')) return 'literal';
  const r = name.slice('report.'.length);
  if (r.startsWith('in_')) return 'inputs';
  if (r.startsWith('out_')) return 'outputs';
  if (/^(ans|num|char|word|seq|pos)_/.test(r)) return 'answers';
  return 'verdicts';
}

/**
 * The code features are differences from the assignment's reference solution (more loops,
 * a `<=` where it has `<`, scanf where it reads with fgets): what the student did differently,
 * not which assignment this is, so a model can carry them to a new assignment. Without a
 * reference they are all 0 ("no known difference") and the model relies on the rest.
 */
export function featurize(source: string, report: TestReport, reference?: ReferenceCode | null): Float32Array {
  const tree = parseC(source);
  const code = codeFeatures(source, tree);
  const lint = lintFeatures(report.compile.lint, source);
  const literal = literalFeatures(tree, report);
  const rep = reportFeatures(report);
  const v = new Float32Array(FEATURE_NAMES.length);
  let i = 0;
  for (const c of CODE_FEATURES) v[i++] = reference ? code[c] - reference[c] : 0;
  for (const l of LINT_FEATURES) v[i++] = lint[l];
  for (const l of LITERAL_FEATURES) v[i++] = literal[l];
  for (const r of REPORT_FEATURES) v[i++] = rep[r] ?? 0;
  return v;
}
