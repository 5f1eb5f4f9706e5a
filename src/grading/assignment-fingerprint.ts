import { createHash } from 'node:crypto';
import type { Assignment } from '../assignments/assignment.js';

/** Bump when grading changes what a report says, so cached reports are graded again. */
export const GRADER_VERSION = 'grader/3';

const fingerprints = new WeakMap<Assignment, string>();

/**
 * Everything about an assignment that decides a program's verdicts: the checker, limits,
 * compiler, re-runs, exit policy and every test's input and expected output. Two gradings of
 * the same source under the same fingerprint give the same verdicts.
 */
export function gradingFingerprint(a: Assignment): string {
  let f = fingerprints.get(a);
  if (!f) {
    const h = createHash('sha256')
      .update(GRADER_VERSION)
      .update(JSON.stringify({ c: a.checker, l: a.limits, x: a.compiler, r: a.reruns, e: a.exitCode }));
    for (const t of a.tests) h.update(t.id).update(t.input).update('\0').update(t.expected).update('\0');
    f = h.digest('hex');
    fingerprints.set(a, f);
  }
  return f;
}
