import { z } from 'zod';

const regex = z
  .string()
  .min(1)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'is not a valid regular expression' },
  );

export const checkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('exact') }).strict(),
  /** Whitespace runs folded to one space, ends trimmed, case folded. */
  z.object({ type: z.literal('normalized') }).strict(),
  /**
   * IntroClass style: `pattern` pulls answers out of the expected and the actual output
   * (the first capture group that took part in a match, else the whole match). With
   * `match: set` a test passes when the program states the expected answer(s) and no
   * other; with `match: sequence` the list of answers must be equal, in order.
   */
  z
    .object({
      type: z.literal('answer'),
      pattern: regex,
      flags: z
        .string()
        .regex(/^[imsu]*$/, 'may only contain i, m, s, u')
        .default('i'),
      match: z.enum(['set', 'sequence']).default('set'),
      answer_case: z.enum(['sensitive', 'insensitive']).default('sensitive'),
    })
    .strict(),
]);

export type CheckerConfig = z.infer<typeof checkerSchema>;
