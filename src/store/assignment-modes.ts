import type { Course, CourseAssignment } from '../course/course.js';
import { assignmentIdentity, sameAssignment } from '../model/assignment-identity.js';
import { decideAssignmentMode, type ModeDecision } from '../model/assignment-mode.js';
import type { Manifest } from '../model/manifest.js';
import type { Store } from './store.js';

/** A store to run on: the App's LazyStore, or a store a command opened. */
export interface StoreUser {
  use<T>(f: (s: Store) => Promise<T>): Promise<T>;
}

export interface AssignmentModeOf extends ModeDecision {
  /** The serving model learnt from labelled programs of this assignment. */
  learnt: boolean;
}

/**
 * Whether the serving model learnt from labelled programs of the assignment (not only its
 * mutants): a model that does not list what it learnt from (one trained before the registry)
 * is taken to know every assignment, as before shadow mode existed.
 */
export function modelLearnt(manifest: Manifest | null | undefined, a: CourseAssignment): boolean {
  if (!manifest?.assignments) return true;
  const id = assignmentIdentity(a.assignment);
  return manifest.assignments.some(
    (t) => t.labelled > 0 && sameAssignment({ name: t.name, referenceSha256: t.reference_sha256 }, id),
  );
}

/**
 * Live or shadow for one course assignment, in this order: a mode staff set by hand (the
 * dashboard), the one course.yml sets, then `auto`: live when the serving model learnt the
 * assignment, else shadow until the TA reviews of its predictions reach the course's bar.
 */
export async function assignmentModeOf(
  store: StoreUser,
  course: Course,
  a: CourseAssignment,
  manifest: Manifest | null | undefined,
): Promise<AssignmentModeOf> {
  const manual = (await store.use((s) => s.assignmentModes()))[a.name]?.mode ?? null;
  const reviews = await store.use((s) => s.reviewedPredictions({ term: course.term, assignment: a.name }));
  const decide = (m: 'live' | 'shadow' | null) =>
    decideAssignmentMode({ reviews, bar: course.shadow, threshold: course.feedback.confidence_threshold, manual: m });
  const learnt = modelLearnt(manifest, a);
  if (manual) return { ...decide(manual), learnt };
  if (a.mode !== 'auto') return { ...decide(a.mode), learnt, reason: `set to ${a.mode} in course.yml` };
  if (learnt) return { ...decide(null), mode: 'live', learnt, reason: 'the model learnt from this assignment' };
  return { ...decide(null), learnt };
}

/** The mode of each assignment, asked again at most every `ttlMs`: one store query per job would be too many. */
export class AssignmentModes {
  private readonly cache = new Map<string, { at: number; mode: Promise<AssignmentModeOf> }>();
  constructor(
    private readonly store: StoreUser,
    private readonly course: Course,
    private readonly manifest: () => Manifest | null | undefined,
    private readonly ttlMs = 5_000,
  ) {}

  modeOf(a: CourseAssignment): Promise<AssignmentModeOf> {
    const hit = this.cache.get(a.name);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.mode;
    const mode = assignmentModeOf(this.store, this.course, a, this.manifest());
    // a database that does not answer is not remembered: the next job asks again
    mode.catch(() => this.cache.delete(a.name));
    this.cache.set(a.name, { at: Date.now(), mode });
    return mode;
  }
}
