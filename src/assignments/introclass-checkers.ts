import type { CheckerConfig } from './checker-schema.js';

/**
 * The answer checkers of the IntroClass benchmark's own harness, for a plain IntroClass
 * folder without assignment.yml: prompts and extra text do not matter, the stated answer does.
 */
export const INTROCLASS_CHECKERS: Record<string, CheckerConfig> = {
  checksum: { type: 'answer', pattern: 'check ?sum is ([\\s\\S])', flags: 'i', match: 'set', answer_case: 'sensitive' },
  digits: { type: 'answer', pattern: '-?\\d\\n', flags: '', match: 'sequence', answer_case: 'sensitive' },
  grade: {
    type: 'answer',
    pattern: 'student has an ([a-z]) grade|student has (failed) the course',
    flags: 'i',
    match: 'set',
    answer_case: 'insensitive',
  },
  median: { type: 'answer', pattern: '(-?\\d+) is the median', flags: 'i', match: 'set', answer_case: 'sensitive' },
  smallest: { type: 'answer', pattern: '(-?\\d+) is the smallest', flags: 'i', match: 'set', answer_case: 'sensitive' },
  syllables: { type: 'answer', pattern: 'syllables is (-?\\d+)', flags: 'i', match: 'set', answer_case: 'sensitive' },
};
