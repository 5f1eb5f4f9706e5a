import type { RunLimits } from '../sandbox/limits.js';
import type { CheckerConfig } from './checker-schema.js';

export interface TestCase {
  /** `<suite>/<N>`, e.g. `blackbox/3` */
  id: string;
  suite: string;
  n: number;
  input: Buffer;
  expected: Buffer;
  hidden: boolean;
  points: number;
}

export interface CompilerConfig {
  command: string;
  flags: string[];
  libs: string[];
  /** Options of the warnings-only pass (optimisation enables gcc's flow analysis); empty: none. */
  lintFlags: string[];
  limits: RunLimits;
  maxSourceBytes: number;
}

export interface Assignment {
  name: string;
  dir: string;
  title: string;
  sourceFile: string;
  checker: CheckerConfig;
  limits: RunLimits;
  compiler: CompilerConfig;
  tests: TestCase[];
  reruns: number;
  exitCode: 'ignore' | 'must_be_zero';
  /** Absolute path of the reference solution, when the folder has one. */
  reference?: string;
}

export class AssignmentError extends Error {
  override name = 'AssignmentError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
