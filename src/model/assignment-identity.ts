import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Assignment } from '../assignments/assignment.js';

/**
 * Which assignment a program belongs to, as the model's manifest names the assignments it
 * learnt from: the name, and a hash of the reference solution. Two courses' "median" with
 * different references are different assignments; a renamed copy of one is the same.
 */
export interface AssignmentIdentity {
  name: string;
  /** sha256 of the reference solution with its whitespace normalised; null without one. */
  referenceSha256: string | null;
}

/** Whitespace does not make another assignment: reformatting reference.c keeps its identity. */
export function referenceHash(source: string): string {
  return createHash('sha256').update(source.replace(/\s+/g, ' ').trim()).digest('hex');
}

const cache = new WeakMap<Assignment, AssignmentIdentity>();

/** The identity of a loaded assignment (its reference read once). */
export function assignmentIdentity(a: Assignment): AssignmentIdentity {
  let id = cache.get(a);
  if (!id) {
    let sha: string | null = null;
    try {
      if (a.reference) sha = referenceHash(fs.readFileSync(a.reference, 'utf8'));
    } catch {
      sha = null;
    }
    id = { name: a.name, referenceSha256: sha };
    cache.set(a, id);
  }
  return id;
}

/**
 * The same assignment: the same reference when both have one, else the same name (a listing
 * without references, such as the shipped model's, names the assignments it learnt from).
 */
export function sameAssignment(a: AssignmentIdentity, b: AssignmentIdentity): boolean {
  if (a.referenceSha256 && b.referenceSha256) return a.referenceSha256 === b.referenceSha256;
  return a.name === b.name;
}
