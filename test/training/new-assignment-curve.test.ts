/**
 * The new-assignment learning curve's protocol: k labelled programs of whole students, the rest
 * of the assignment held out; the held-out assignment's other programs and mutants never in
 * training; its reference's mutants and its k programs in, at their weights.
 */
import { describe, expect, it } from 'vitest';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import type { Prepared } from '../../src/training/prepare.js';
import { newAssignmentCurve, pickLabelled } from '../../src/training/new-assignment-curve.js';
import { mulberry32 } from '../../src/training/random.js';
import { trainStudent } from '../../src/training/train-student.js';

const taxonomy = loadTaxonomy();
const rand = mulberry32(11);

/** Programs whose fix type shows in feature 0..2, so a network can learn it. */
function program(
  assignment: string,
  student: string,
  i: number,
  kind: 'submission' | 'mutant' = 'submission',
  split = 'train',
  source = 'test',
): Prepared {
  const fix = taxonomy.fixTypes[i % 3]!;
  const x = new Float32Array(12).map(() => rand() * 0.1);
  x[i % 3] = 1;
  return {
    example: {
      id: `${assignment}:${student}:${i}:${kind}`,
      assignment,
      assignmentDir: `/a/${assignment}`,
      student,
      split,
      source: '',
      label: { fixType: fix, tags: [taxonomy.tags[i % 3]!], teacher: kind === 'mutant' ? 'mutation' : 'llm' },
      provenance: { kind, source },
    },
    report: {} as never,
    features: x,
  };
}

// three assignments of 8 students with 3 programs each; every assignment has mutants in the pool
const all: Prepared[] = ['a', 'b', 'c'].flatMap((a) => [
  ...Array.from({ length: 24 }, (_, i) =>
    program(a, `${a}-s${Math.floor(i / 3)}`, i, 'submission', i % 5 === 0 ? 'validation' : 'train'),
  ),
  ...Array.from({ length: 9 }, (_, i) => program(a, `pool-${a}`, i, 'mutant')),
]);
const own: Prepared[] = ['a', 'b', 'c'].flatMap((a) =>
  Array.from({ length: 4 }, (_, i) => program(a, `reference:${a}`, i, 'mutant', 'train', 'mutation teacher')),
);

describe('pickLabelled', () => {
  it('takes k programs of whole students in a seeded order and holds out every program of the others', () => {
    const real = all.filter((p) => p.example.assignment === 'a' && p.example.provenance.kind === 'submission');
    for (const k of [0, 4, 6, 10]) {
      const { labelled, heldOut } = pickLabelled(real, k, 1);
      expect(labelled).toHaveLength(k);
      const used = new Set(labelled.map((p) => p.example.student));
      expect(heldOut.every((p) => !used.has(p.example.student))).toBe(true);
      expect(labelled.length + heldOut.length).toBeLessThanOrEqual(real.length);
      // a partly used student is not tested on either
      expect(heldOut.length).toBe(real.filter((p) => !used.has(p.example.student)).length);
    }
    expect(pickLabelled(real, 6, 1).labelled).toEqual(pickLabelled(real, 6, 1).labelled);
    expect(pickLabelled(real, 6, 1).labelled).not.toEqual(pickLabelled(real, 6, 2).labelled);
  });
});

describe('newAssignmentCurve', () => {
  it('trains without the assignment, adds its mutants and k labelled programs at their weights, tests on the rest', () => {
    const seenData: { data: Prepared[] }[] = [];
    const ks = [0, 3, 6, 30];
    const { report, predictions } = newAssignmentCurve(
      all,
      own,
      'validation',
      (variant, seed, data) => {
        seenData.push({ data });
        return trainStudent(data, taxonomy, {
          variant,
          seed,
          mutantWeight: 0.3,
          config: { hidden: 8, maxEpochs: 5, patience: 5 },
          quiet: true,
        });
      },
      { ks, seeds: [1, 2], courseWeight: 4, ownMutantWeight: 0.2, minHeldOut: 6 },
    );
    for (const { data } of seenData) {
      const target = ['a', 'b', 'c'].find((x) =>
        data.some((p) => p.example.assignment === x && p.example.provenance.source === 'mutation teacher'),
      )!;
      const mine = data.filter((p) => p.example.assignment === target);
      // of the held-out assignment only its reference's mutants and its labelled programs, weighted
      expect(mine.filter((p) => p.example.provenance.kind === 'mutant').every((p) => p.example.weight === 0.2)).toBe(
        true,
      );
      expect(mine.filter((p) => p.example.provenance.kind === 'submission').every((p) => p.example.weight === 4)).toBe(
        true,
      );
      expect(mine.some((p) => p.example.student.startsWith('pool-'))).toBe(false);
      // other assignments' evaluation split stays out
      expect(
        data.some(
          (p) =>
            p.example.assignment !== target &&
            p.example.split === 'validation' &&
            p.example.provenance.kind === 'submission',
        ),
      ).toBe(false);
    }
    // k = 30 leaves fewer than 6 programs to test: not run
    expect(report.curve.map((c) => c.k)).toEqual([0, 3, 6]);
    expect(report.curve[0]).toMatchObject({ k: 0, assignments: 3, held_out: 72 });
    for (const c of report.curve)
      for (const v of ['distilled', 'label_only'] as const) {
        expect(c[v].accuracy).toBeGreaterThanOrEqual(0);
        expect(c[v].accuracy).toBeLessThanOrEqual(1);
      }
    expect(report.folds.filter((f) => f.k === 3).map((f) => f.labelled)).toEqual([3, 3, 3]);
    expect(predictions.filter((p) => p.k === 0)).toHaveLength(72 * 2);
    expect(report.confidence.map((c) => c.k)).toEqual([0, 3, 6]);
  });
});
