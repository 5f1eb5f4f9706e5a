import { z } from 'zod';
import type { Order, SubmissionFilter } from '../store/submission-rows.js';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day like 2026-03-01')
  // 2026-02-31 parses (as March 3rd): a day is one that comes back the same
  .refine((d) => {
    const ms = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === d;
  }, 'not a day of the calendar');
const percent = z.coerce.number().int().min(0).max(100);
const name = z.string().regex(/^[\w.-]{1,100}$/, 'letters, digits, ., - and _ only');
const blankIsUnset = (v: unknown) => (v === '' ? undefined : v);

/** The queue's filters as they travel in a URL: every page and form of one review round carries them. */
export const queueQuerySchema = z.object({
  assignment: z.preprocess(blankIsUnset, name.optional()),
  fix: z.preprocess(blankIsUnset, name.optional()),
  tag: z.preprocess(blankIsUnset, name.optional()),
  /** The model's confidence, in percent. */
  min: z.preprocess(blankIsUnset, percent.optional()),
  max: z.preprocess(blankIsUnset, percent.optional()),
  status: z.preprocess(blankIsUnset, z.enum(['unreviewed', 'reviewed', 'all']).default('unreviewed')),
  /** Flagged for review (the default), or every failing submission: staff may review any. */
  scope: z.preprocess(blankIsUnset, z.enum(['flagged', 'failing']).default('flagged')),
  since: z.preprocess(blankIsUnset, day.optional()),
  until: z.preprocess(blankIsUnset, day.optional()),
  order: z.preprocess(blankIsUnset, z.enum(['uncertainty', 'oldest', 'newest']).default('uncertainty')),
  /** Items skipped in this round, so "next" does not hand them back (the latest 50). */
  skip: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^\d{1,12}(,\d{1,12}){0,199}$/, 'submission ids separated by commas')
      .transform((s) => [...new Set(s.split(',').map(Number))].slice(-50))
      .optional(),
  ),
});

export type QueueQuery = z.output<typeof queueQuerySchema>;

/** A filter value the dashboard cannot use: the page says which and why. */
export class BadFilterError extends Error {
  override name = 'BadFilterError';
}

export function parseQueueQuery(q: Record<string, unknown>): QueueQuery {
  const picked = Object.fromEntries(
    Object.keys(queueQuerySchema.shape).flatMap((k) => (typeof q[k] === 'string' ? [[k, q[k]]] : [])),
  );
  const r = queueQuerySchema.safeParse(picked);
  if (!r.success) throw new BadFilterError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

const DAY_MS = 86_400_000;

/** The store's filter for a query, in one term. */
export function toFilter(q: QueueQuery, term: string | null): SubmissionFilter {
  return {
    ...(term !== null ? { term } : {}),
    ...(q.scope === 'flagged' ? { flagged: true } : { verdict: 'FAIL' as const }),
    ...(q.status !== 'all' ? { reviewed: q.status === 'reviewed' } : {}),
    ...(q.assignment ? { assignment: q.assignment } : {}),
    ...(q.fix ? { fixType: q.fix } : {}),
    ...(q.tag ? { tag: q.tag } : {}),
    ...(q.min !== undefined ? { minConfidence: q.min / 100 } : {}),
    ...(q.max !== undefined ? { maxConfidence: q.max / 100 } : {}),
    ...(q.since ? { since: Date.parse(`${q.since}T00:00:00Z`) } : {}),
    ...(q.until ? { until: Date.parse(`${q.until}T00:00:00Z`) + DAY_MS } : {}),
  };
}

export const orderOf = (q: QueueQuery): Order => q.order;

/** The query string that keeps a round's filters (defaults left out), with some values changed. */
export function queryString(q: QueueQuery, change: Partial<Record<keyof QueueQuery, string | number[] | null>> = {}) {
  const p = new URLSearchParams();
  const defaults: Partial<Record<keyof QueueQuery, string>> = {
    status: 'unreviewed',
    scope: 'flagged',
    order: 'uncertainty',
  };
  for (const k of Object.keys(queueQuerySchema.shape) as (keyof QueueQuery)[]) {
    const v = k in change ? change[k] : q[k];
    if (v === undefined || v === null) continue;
    const s = Array.isArray(v) ? v.join(',') : String(v);
    if (s !== '' && s !== defaults[k]) p.set(k, s);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}
