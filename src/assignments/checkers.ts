import type { CheckerConfig } from './checker-schema.js';

export type CheckOutcome = 'PASS' | 'WRONG_ANSWER' | 'NO_ANSWER';

export interface CheckResult {
  outcome: CheckOutcome;
  /** For answer checkers: what was pulled out of each output. */
  expectedAnswers?: string[];
  actualAnswers?: string[];
}

/**
 * Outputs are compared as latin1 strings: one character per byte, so any byte sequence a
 * program prints (invalid UTF-8 included) compares exactly.
 */
export function check(config: CheckerConfig, expected: string, actual: string): CheckResult {
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

export function extractAnswers(pattern: string, flags: string, text: string, foldCase: boolean): string[] {
  const re = new RegExp(pattern, flags.replace(/g/g, '') + 'g');
  const answers: string[] = [];
  for (const m of text.matchAll(re)) {
    if (m[0] === '') continue;
    const captured = m.slice(1).find((g) => g !== undefined);
    const answer = captured ?? m[0];
    answers.push(foldCase ? answer.toLowerCase() : answer);
  }
  return answers;
}

function checkAnswer(
  config: Extract<CheckerConfig, { type: 'answer' }>,
  expected: string,
  actual: string,
): CheckResult {
  const fold = config.answer_case === 'insensitive';
  const expectedAnswers = extractAnswers(config.pattern, config.flags, expected, fold);
  const actualAnswers = extractAnswers(config.pattern, config.flags, actual, fold);
  let pass: boolean;
  if (config.match === 'sequence') {
    pass = expectedAnswers.length === actualAnswers.length && expectedAnswers.every((a, i) => a === actualAnswers[i]);
  } else {
    const want = new Set(expectedAnswers);
    const got = new Set(actualAnswers);
    pass = got.size > 0 && got.size === want.size && [...got].every((a) => want.has(a));
  }
  const outcome: CheckOutcome = pass
    ? 'PASS'
    : actualAnswers.length === 0 && expectedAnswers.length > 0
      ? 'NO_ANSWER'
      : 'WRONG_ANSWER';
  return { outcome, expectedAnswers, actualAnswers };
}
