import type { Diagnostic } from '../grading/report.js';

/** What gcc's flow analysis says about the program (the grader's lint pass), by kind of warning. */
export const LINT_FEATURES = [
  'uninitialized',
  'uninitialized_printed',
  'format',
  'parentheses',
  'loop_undefined',
  'array_bounds',
  'unused',
  'implicit_declaration',
  'return_type',
  'sign_compare',
  'float_conversion',
  'empty_body',
  'misleading_indentation',
  'logic',
  'overflow',
  'sequence_point',
  'type_limits',
  'other',
  'total',
] as const;

export type LintFeatureName = (typeof LINT_FEATURES)[number];

const KIND: Record<string, LintFeatureName> = {
  '-Wmaybe-uninitialized': 'uninitialized',
  '-Wuninitialized': 'uninitialized',
  '-Wformat': 'format',
  '-Wformat-overflow': 'format',
  '-Wformat-extra-args': 'format',
  '-Wparentheses': 'parentheses',
  '-Waggressive-loop-optimizations': 'loop_undefined',
  '-Warray-bounds': 'array_bounds',
  '-Wstringop-overflow': 'array_bounds',
  '-Wunused-variable': 'unused',
  '-Wunused-but-set-variable': 'unused',
  '-Wunused-value': 'unused',
  '-Wunused-parameter': 'unused',
  '-Wimplicit-function-declaration': 'implicit_declaration',
  '-Wreturn-type': 'return_type',
  '-Wsign-compare': 'sign_compare',
  '-Wfloat-conversion': 'float_conversion',
  '-Wempty-body': 'empty_body',
  '-Wmisleading-indentation': 'misleading_indentation',
  '-Wlogical-not-parentheses': 'logic',
  '-Wbool-compare': 'logic',
  '-Wint-in-bool-context': 'logic',
  '-Wlogical-op': 'logic',
  '-Woverflow': 'overflow',
  '-Wdiv-by-zero': 'overflow',
  '-Wsequence-point': 'sequence_point',
  '-Wtype-limits': 'type_limits',
};

export function lintFeatures(lint: Diagnostic[], source: string): Record<LintFeatureName, number> {
  const f = Object.fromEntries(LINT_FEATURES.map((k) => [k, 0])) as Record<LintFeatureName, number>;
  const lines = source.split('\n');
  for (const d of lint) {
    const kind = (d.option && KIND[d.option]) || 'other';
    f[kind]++;
    f.total++;
    if (kind === 'uninitialized' && /printf|puts|putchar/.test(lines[d.line - 1] ?? '')) f.uninitialized_printed++;
  }
  for (const k of LINT_FEATURES) f[k] = Math.log1p(f[k]);
  return f;
}
