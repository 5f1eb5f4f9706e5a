import fs from 'node:fs';
import type { Assignment } from '../assignments/assignment.js';
import { referenceCode, type ReferenceCode } from './featurize.js';

const cache = new WeakMap<Assignment, ReferenceCode | null>();

/**
 * The code features of an assignment's reference solution, computed once per loaded
 * assignment; null when the folder has none (or it cannot be read or parsed).
 */
export function assignmentReference(a: Assignment): ReferenceCode | null {
  if (cache.has(a)) return cache.get(a)!;
  let ref: ReferenceCode | null = null;
  try {
    if (a.reference) ref = referenceCode(fs.readFileSync(a.reference, 'utf8'));
  } catch {
    ref = null;
  }
  cache.set(a, ref);
  return ref;
}
