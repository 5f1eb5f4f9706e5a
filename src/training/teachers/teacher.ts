/**
 * Teachers, behind one interface: each gives validated supervision (labels checked against
 * the taxonomy; invalid output counted and discarded with its reason) with its provenance.
 * TA labels (the store's reviews, label files), the LLM teacher and the mutation teacher all
 * answer a TeacherRun; retrain mixes their examples by weight.
 */
import { createHash } from 'node:crypto';
import type { Example } from '../example.js';

export const TEACHER_NAMES = ['ta', 'labels', 'llm', 'mutation', 'introclass'] as const;
export type TeacherName = (typeof TEACHER_NAMES)[number];

export interface TeacherRun {
  teacher: TeacherName;
  /** Labelled programs, each with its label, provenance and (when not the default) weight. */
  examples: Example[];
  /** What was thrown away, and why. */
  discarded: { id: string; reason: string }[];
  /** Teacher-specific counts (requests, cache hits, verified fixes, spend). */
  stats: Record<string, number>;
}

/** The same program whatever its file name or formatting: what the agreement report joins on. */
export function programHash(source: string): string {
  return createHash('sha256').update(source.replace(/\s+/g, ' ').trim()).digest('hex');
}

/** "12 not JSON, 3 unknown fix type X": a discard list in a line. */
export function summariseDiscards(discarded: { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const d of discarded) counts.set(d.reason, (counts.get(d.reason) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
}
