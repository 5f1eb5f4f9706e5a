import type { TestResult, TestVerdict } from '../grading/report.js';
import { inputProperties } from '../analysis/report-features.js';

/** Verdicts in the words a first-year student reads. */
export const VERDICT_WORDS: Record<TestVerdict, string> = {
  PASS: 'passed',
  WRONG_ANSWER: 'printed a different answer',
  NO_ANSWER: 'printed no answer in the expected form',
  RUNTIME_ERROR: 'crashed',
  TIMEOUT: 'ran out of time',
  MEMORY_LIMIT: 'ran out of memory',
  OUTPUT_LIMIT: 'printed far too much',
};

/** Fix types in plain words: what kind of change the program needs, never which one. */
export const FIX_TYPE_WORDS: Record<string, string> = {
  INPUT_HANDLING: 'how the program reads its input',
  OUTPUT_FORMAT: 'what the program prints: the answer looks right, its text or format does not',
  LOOP_BOUND: 'where a loop starts, stops or steps',
  MISSING_CASE: 'a case the program does not handle yet',
  WRONG_CONDITION: 'a condition in an if, while or ?: test',
  INIT_ERROR: 'the starting value of a variable',
  WRONG_OPERATOR: 'an operator in a calculation',
  WRONG_EXPRESSION: 'a value, variable or constant used in a calculation or a print',
  TYPE_ERROR: 'the type of a variable or a conversion (int, float, char...)',
  ALGORITHM: 'the overall approach: a small edit will not do',
};

/**
 * What the failing tests have in common, as a concrete and non-spoiling next step. Only
 * visible tests are described; when every failure is hidden, the advice follows the kind
 * of fix instead.
 */
export function nextStep(visibleFailing: TestResult[], fixType: string | undefined): string {
  const props = visibleFailing.map((t) => inputProperties(t.input));
  const all = (k: keyof ReturnType<typeof inputProperties>) => props.length > 0 && props.every((p) => p[k]);
  const some = (k: keyof ReturnType<typeof inputProperties>) => props.some((p) => p[k]);
  if (visibleFailing.some((t) => t.verdict === 'TIMEOUT'))
    return 'Find the loop that never ends on the failing input: what changes on each pass, and when does its condition become false?';
  if (visibleFailing.some((t) => t.verdict === 'RUNTIME_ERROR'))
    return 'Run the failing input yourself and find the line where the program stops: a division by zero, an array index out of range, or scanf without & are the usual suspects.';
  if (all('dup') || all('last_eq_other'))
    return 'Check what happens when two of the numbers are equal: follow your conditions by hand with such an input.';
  if (all('zero')) return 'Check what happens when the input is 0.';
  if (all('neg')) return 'Check what happens with a negative number.';
  if (all('space')) return 'Check what happens when the text contains spaces.';
  if (all('upper')) return 'Check what happens with capital letters.';
  if (all('long_line')) return 'Check what happens with a long line of text.';
  if (all('short_line')) return 'Check what happens with a one-letter input.';
  if (some('decimal')) return 'Check what happens when a number has a fractional part.';
  switch (fixType) {
    case 'OUTPUT_FORMAT':
      return 'Compare what you print with the expected output letter by letter: spelling, spaces, capitals and the end of the line all count.';
    case 'INPUT_HANDLING':
      return 'Print the values right after reading them: are they what you typed?';
    case 'LOOP_BOUND':
      return 'Write down the values of the loop variable on its first and last pass, and compare with what the loop should cover.';
    case 'MISSING_CASE':
      return 'List the different kinds of input the assignment allows, and check that each reaches a branch that prints the right answer.';
    case 'WRONG_CONDITION':
      return 'For each condition, find an input on its boundary and check that the condition says what you mean.';
    case 'INIT_ERROR':
      return 'Check the value each variable has before it is first used.';
    default:
      return 'Work through a failing input by hand, line by line, and compare every value with what you expect.';
  }
}
