import { compileAnswerPattern } from './answer-pattern.js';
import type { CheckerConfig } from './checker-schema.js';
import { extractAnswers } from './extract-answers.js';

export type CheckOutcome = 'PASS' | 'WRONG_ANSWER' | 'NO_ANSWER';

export interface CheckResult {
  outcome: CheckOutcome;
  /** For answer checkers: what was pulled out of each output. */
  expectedAnswers?: string[];
  actualAnswers?: string[];
  /** Why the checker could not judge the whole output (one of its limits). */
  detail?: string;
}

/**
 * Outputs are compared as latin1 strings: one character per byte, so any byte sequence a
 * program prints (invalid UTF-8 included) compares exactly. Asynchronous because an answer
 * checker gives the event loop a turn while it reads a long output.
 */
export async function check(config: CheckerConfig, expected: string, actual: string): Promise<CheckResult> {
  switch (config.type) {
    case 'exact':
      return { outcome: expected === actual ? 'PASS' : 'WRONG_ANSWER' };
    case 'normalized':
      return { outcome: normalize(expected) === normalize(actual) ? 'PASS' : 'WRONG_ANSWER' };
    case 'answer':
      return checkAnswer(config, expected, actual);
  }
}

function normalize(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

async function checkAnswer(
  config: Extract<CheckerConfig, { type: 'answer' }>,
  expected: string,
  actual: string,
): Promise<CheckResult> {
  const fold = config.answer_case === 'insensitive';
  const pattern = compileAnswerPattern(config.pattern, config.flags);
  const want = await extractAnswers(pattern, expected, fold);
  const got = await extractAnswers(pattern, actual, fold);
  const expectedAnswers = want.answers;
  const actualAnswers = got.answers;
  // the loader refuses expected outputs that hit a limit; a program's output that does is not judged further
  const limit = want.limit ? `the expected output: ${want.limit.detail}` : got.limit?.detail;
  if (limit) return { outcome: 'WRONG_ANSWER', expectedAnswers, actualAnswers, detail: limit };
  let pass: boolean;
  if (config.match === 'sequence') {
    pass = expectedAnswers.length === actualAnswers.length && expectedAnswers.every((a, i) => a === actualAnswers[i]);
  } else {
    const wantSet = new Set(expectedAnswers);
    const gotSet = new Set(actualAnswers);
    pass = gotSet.size > 0 && gotSet.size === wantSet.size && [...gotSet].every((a) => wantSet.has(a));
  }
  const outcome: CheckOutcome = pass
    ? 'PASS'
    : actualAnswers.length === 0 && expectedAnswers.length > 0
      ? 'NO_ANSWER'
      : 'WRONG_ANSWER';
  return { outcome, expectedAnswers, actualAnswers };
}
