import fs from 'node:fs/promises';
import path from 'node:path';
import type { Assignment } from '../../assignments/assignment.js';
import type { TestReport } from '../../grading/report.js';
import type { Taxonomy } from '../../model/taxonomy.js';
import type { Example } from '../example.js';
import { withMutantLimits } from '../mutant-bases.js';
import { generateMutants, noMutants, type MutantStats, type MutationBase } from '../mutation/generate-mutants.js';

/** Every candidate of one reference solution is graded: a reference offers tens of single edits, not thousands. */
export const REFERENCE_MUTANTS_PER_ASSIGNMENT = 400;

/** The mutation base of an assignment's reference solution, or null when it has none. */
export async function referenceBase(a: Assignment): Promise<MutationBase | null> {
  const file = a.reference ?? path.join(a.dir, 'reference.c');
  const source = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (source === undefined) return null;
  return {
    id: `reference:${a.name}`,
    assignment: a.name,
    assignment_: withMutantLimits(a),
    student: `reference:${a.name}`,
    source,
    origin: 'reference solution',
  };
}

/**
 * The mutation teacher on one assignment's reference solution alone: the exactly-labelled
 * programs a new assignment has before any student submits. Mutants of other programs (the
 * teacher's fixes of students' programs) are not made here: a new assignment has none yet.
 */
export async function referenceMutants(
  a: Assignment,
  o: {
    seed: number;
    taxonomy: Taxonomy;
    grade: (source: string, a: Assignment) => Promise<TestReport>;
    target?: number;
    onGraded?: () => void;
  },
): Promise<{ examples: Example[]; reports: Map<string, TestReport>; stats: MutantStats }> {
  const base = await referenceBase(a);
  if (!base) return { examples: [], reports: new Map(), stats: noMutants() };
  return generateMutants([base], o.target ?? REFERENCE_MUTANTS_PER_ASSIGNMENT, o.seed, o.taxonomy, o.grade, o.onGraded);
}
