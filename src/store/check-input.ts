import type { z } from 'zod';
import { StoreInputError } from './errors.js';

/** Parses what a caller hands the store, or refuses it with every problem named; nothing is written. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success)
    throw new StoreInputError(
      `${what} is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}
