import { z } from 'zod';

/**
 * The test report: the stable JSON contract that `grade --json` prints and every later
 * stage (analysis, the model, feedback, the App) reads. Add fields; never rename them.
 */
export const TEST_VERDICTS = [
  'PASS',
  'WRONG_ANSWER',
  'NO_ANSWER',
  'RUNTIME_ERROR',
  'TIMEOUT',
  'MEMORY_LIMIT',
  'OUTPUT_LIMIT',
] as const;
export const testVerdictSchema = z.enum(TEST_VERDICTS);
export type TestVerdict = z.infer<typeof testVerdictSchema>;

export const diagnosticSchema = z.object({
  line: z.number().int(),
  column: z.number().int(),
  severity: z.enum(['error', 'warning', 'note']),
  message: z.string(),
  /** The warning's option, e.g. -Wmaybe-uninitialized. */
  option: z.string().optional(),
});
export type Diagnostic = z.infer<typeof diagnosticSchema>;

export const testResultSchema = z.object({
  id: z.string(),
  suite: z.string(),
  n: z.number().int(),
  hidden: z.boolean(),
  verdict: testVerdictSchema,
  /** Human-readable detail: the signal, the limit hit, the exit status. */
  detail: z.string().optional(),
  input: z.string(),
  expected: z.string(),
  actual: z.string(),
  /** `actual` was cut (output limit or report size). */
  truncated: z.boolean(),
  stderr: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  cpuMs: z.number(),
  wallMs: z.number(),
  maxRssKb: z.number(),
  outputBytes: z.number().int(),
  answers: z.object({ expected: z.array(z.string()), actual: z.array(z.string()) }).optional(),
  /** A re-run of this failing test printed something else. */
  nondeterministic: z.boolean(),
  rerunVerdicts: z.array(testVerdictSchema).optional(),
  points: z.number(),
});
export type TestResult = z.infer<typeof testResultSchema>;

export const testReportSchema = z.object({
  schema: z.literal('fixsense/test-report@1'),
  assignment: z.object({ name: z.string(), title: z.string() }),
  source: z.object({ file: z.string(), bytes: z.number().int(), sha256: z.string() }),
  compiled: z.boolean(),
  verdict: z.enum(['PASS', 'FAIL', 'COMPILE_ERROR']),
  compile: z.object({
    ok: z.boolean(),
    exitCode: z.number().int().nullable(),
    /** Why compilation stopped when the compiler did not finish on its own. */
    limit: z.enum(['TIMEOUT', 'MEMORY_LIMIT', 'OUTPUT_LIMIT', 'SOURCE_TOO_LARGE']).nullable(),
    diagnostics: z.string(),
    messages: z.array(diagnosticSchema),
    /** Warnings of the lint pass (-Og -Wall -Wextra: uninitialised reads, format mismatches, undefined loops). */
    lint: z.array(diagnosticSchema),
    ms: z.number(),
  }),
  tests: z.array(testResultSchema),
  summary: z.object({
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
    hiddenTotal: z.number().int(),
    hiddenPassed: z.number().int(),
    byVerdict: z.record(z.string(), z.number().int()),
    points: z.object({ earned: z.number(), possible: z.number() }).nullable(),
    nondeterministic: z.boolean(),
  }),
  timing: z.object({ compileMs: z.number(), runMs: z.number(), totalMs: z.number() }),
});
export type TestReport = z.infer<typeof testReportSchema>;
