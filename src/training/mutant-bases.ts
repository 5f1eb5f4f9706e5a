import fs from 'node:fs/promises';
import path from 'node:path';
import type { Assignment } from '../assignments/assignment.js';
import { fixtureAssignmentsDir, resolveAssignment } from '../assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../fixtures/submission-manifest.js';
import type { Example } from './example.js';
import type { MutationBase } from './mutation/generate-mutants.js';
import type { AssignmentBook } from './prepare.js';

/**
 * Mutants are graded with tighter time limits: a mutant that loops forever is a TIMEOUT
 * either way, and thousands of them must grade in minutes.
 */
export function withMutantLimits(a: Assignment): Assignment {
  return {
    ...a,
    limits: { ...a.limits, cpuMs: Math.min(a.limits.cpuMs, 250), wallMs: Math.min(a.limits.wallMs, 1000) },
  };
}

/**
 * Correct programs to inject bugs into: the teacher's verified fixes of the training
 * programs (never of the evaluation split), the assignments' reference solutions, and,
 * optionally, the project's own correct fixture programs.
 */
export async function mutationBases(
  train: Example[],
  book: AssignmentBook,
  withFixtures: boolean,
): Promise<MutationBase[]> {
  const bases: MutationBase[] = [];
  const fast = new Map<string, Assignment>();
  const assignment = async (dir: string) => {
    if (!fast.has(dir)) fast.set(dir, withMutantLimits(await book.get(dir)));
    return fast.get(dir)!;
  };
  for (const e of train) {
    if (!e.fixedSource) continue;
    bases.push({
      id: e.id,
      assignment: e.assignment,
      assignment_: await assignment(e.assignmentDir),
      student: e.student,
      source: e.fixedSource,
      origin: 'teacher fix',
    });
  }
  for (const dir of [...new Set(train.map((e) => e.assignmentDir))].sort()) {
    const reference = path.join(dir, 'reference.c');
    const source = await fs.readFile(reference, 'utf8').catch(() => undefined);
    if (source)
      bases.push({
        id: `reference:${reference}`,
        assignment: path.basename(dir),
        assignment_: await assignment(dir),
        student: `reference:${dir}`,
        source,
        origin: 'reference solution',
      });
  }
  if (withFixtures) {
    for (const name of (await fs.readdir(fixtureAssignmentsDir)).sort()) {
      const dir = path.join(fixtureAssignmentsDir, name);
      const source = await fs.readFile(path.join(dir, 'reference.c'), 'utf8').catch(() => undefined);
      if (source)
        bases.push({
          id: `fixture:${name}/reference.c`,
          assignment: name,
          assignment_: await assignment(dir),
          student: `fixture:${name}/reference.c`,
          source,
          origin: 'fixture',
        });
    }
    for (const s of await loadSubmissionManifest()) {
      if (s.expect !== 'PASS') continue;
      const dir = resolveAssignment(s.assignment);
      bases.push({
        id: `fixture:${s.file}`,
        assignment: s.assignment,
        assignment_: await assignment(dir),
        student: `fixture:${s.file}`,
        source: await fs.readFile(s.path, 'utf8'),
        origin: 'fixture',
      });
    }
  }
  return bases;
}
