import type { z } from 'zod';
import type { DatasetLoad } from './example.js';
import { formatZodIssues } from '../core/zod-issues.js';

/**
 * The rows of a JSONL file that parse and match `schema`, each with its raw JSON; every other
 * non-blank line is dropped with its `file:line` and the reason. Lazy, so that what the caller
 * drops afterwards stays in line order with these.
 */
export function* jsonlRows<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  dropped: DatasetLoad['dropped'],
): Generator<{ row: z.infer<S>; json: unknown }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      dropped.push({ id: where, reason: 'not JSON' });
      continue;
    }
    const row = schema.safeParse(json);
    if (!row.success) {
      dropped.push({
        id: where,
        reason: `malformed row: ${formatZodIssues(row.error)}`,
      });
      continue;
    }
    yield { row: row.data, json };
  }
}
