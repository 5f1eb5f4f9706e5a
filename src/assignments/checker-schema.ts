import { z } from 'zod';
import { AnswerPatternError, compileAnswerPattern } from './answer-pattern.js';

export const checkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exact') }).strict(),
  /** Whitespace runs folded to one space, ends trimmed, case folded. */
  z.object({ type: z.literal('normalized') }).strict(),
  /**
   * IntroClass style: `pattern` pulls answers out of the expected and the actual output
   * (the first capture group that took part in a match, else the whole match). With
   * `match: set` a test passes when the program states the expected answer(s) and no
   * other; with `match: sequence` the list of answers must be equal, in order. The pattern
   * is JavaScript syntax run on a linear-time engine (RE2): see answer-pattern.ts.
   */
  z
    .object({
      type: z.literal('answer'),
      pattern: z.string().min(1),
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'may only contain i, m, s, u')
        .default('i'),
      match: z.enum(['set', 'sequence']).default('set'),
      answer_case: z.enum(['sensitive', 'insensitive']).default('sensitive'),
    })
    .strict()
    .superRefine((c, ctx) => {
      if (!/^[imsu]*$/.test(c.flags)) return; // reported by flags' own rule
      try {
        compileAnswerPattern(c.pattern, c.flags);
      } catch (err) {
        if (!(err instanceof AnswerPatternError)) throw err;
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: err.message });
      }
    }),
]);

export type CheckerConfig = z.infer<typeof checkerSchema>;
