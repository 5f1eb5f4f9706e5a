import type { z } from 'zod';

/**
 * A zod error as one line: `path: message` for each issue, joined by '; '. `top` names an
 * issue about the whole value (an empty path), e.g. '(environment)' or '(top level)'.
 */
export function formatZodIssues(error: z.ZodError, opts: { top?: string } = {}): string {
  return error.issues.map((i) => `${i.path.join('.') || (opts.top ?? '')}: ${i.message}`).join('; ');
}
