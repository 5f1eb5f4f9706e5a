/**
 * The new-assignment learning curve: how fast a course's labels on an assignment the model
 * has never seen make it good there. For each assignment with labelled programs: train
 * without it, add the mutants of its reference solution (which a course has as soon as the
 * assignment is added) and k of its labelled programs (whole students, in a seeded order),
 * and test on the rest of its programs. Means over assignments and seeds, both variants.
 */
import { createHash } from 'node:crypto';
import { meanSd } from './metrics.js';
import type { Prepared } from './prepare.js';
import { round, score } from './scoring.js';
import { predictStudent, type StudentModel, type Variant } from './train-student.js';
import { unseenCalibration, type OutOfAssignment } from './unseen-calibration.js';
import type { CoverageReport } from './coverage.js';
import { forward } from './mlp.js';

export const DEFAULT_CURVE_KS = [0, 5, 10, 20, 40];

/** Fewer held-out programs than this say nothing about an assignment: that k is left out for it. */
export const MIN_HELD_OUT = 10;

/**
 * The loss weight of a course's own labelled program of the new assignment, against 1 for
 * every other labelled program (IntroClass's). Chosen on held-out assignments with this
 * curve (docs/experiments.md): the labels of the one assignment the model is weakest on must
 * be heard over a few hundred programs of others.
 */
export const DEFAULT_COURSE_WEIGHT = 3;

/** Mutants of the new assignment's reference: as any mutant (train-student's DEFAULT_MUTANT_WEIGHT). */
export const DEFAULT_OWN_MUTANT_WEIGHT = 0.3;

export interface CurveSettings {
  ks: number[];
  seeds: number[];
  courseWeight: number;
  ownMutantWeight: number;
  minHeldOut: number;
  /** Train only these (calibration needs the distilled one alone). Default both. */
  variants?: Variant[];
}

type Scores = { accuracy: number; macro_f1: number };

export interface NewAssignmentReport {
  settings: {
    ks: number[];
    seeds: number[];
    course_weight: number;
    own_mutant_weight: number;
    min_held_out: number;
  };
  /** Per k: means over the assignments with enough held-out programs, and over seeds. */
  curve: ({ k: number; assignments: number; held_out: number } & Record<Variant, Scores>)[];
  /**
   * Per k, how honest the distilled networks' confidence is on the held-out programs: as it
   * is, and with an unseen temperature fitted on the other assignments (nested).
   */
  confidence: { k: number; temperature: number; own: CoverageReport; calibrated: CoverageReport }[];
  /** Per assignment and k, means over seeds. */
  folds: ({ assignment: string; k: number; labelled: number; held_out: number; own_mutants: number } & Record<
    Variant,
    Scores
  >)[];
}

/** The first k programs of whole students in a seeded order; every program of a student not used is held out. */
export function pickLabelled(real: Prepared[], k: number, seed: number): { labelled: Prepared[]; heldOut: Prepared[] } {
  const rank = (s: string) => createHash('sha256').update(`curve:${seed}:${s}`).digest('hex');
  const students = [...new Set(real.map((p) => p.example.student))].sort((a, b) => rank(a).localeCompare(rank(b)));
  const labelled: Prepared[] = [];
  const used = new Set<string>();
  for (const s of students) {
    if (labelled.length >= k) break;
    const mine = real.filter((p) => p.example.student === s).sort((a, b) => a.example.id.localeCompare(b.example.id));
    labelled.push(...mine.slice(0, k - labelled.length));
    used.add(s);
  }
  return { labelled, heldOut: real.filter((p) => !used.has(p.example.student)) };
}

const weighted = (items: Prepared[], weight: number): Prepared[] =>
  items.map((p) => ({ ...p, example: { ...p.example, weight } }));

/**
 * `all`: every labelled program (every split) and the mutants; `ownMutants`: mutants of each
 * assignment's reference alone (teachers/reference-mutants.ts). Other assignments' programs
 * of `testSplit` stay out of training, as in leave-one-assignment-out.
 */
export function newAssignmentCurve(
  all: Prepared[],
  ownMutants: Prepared[],
  testSplit: string | undefined,
  train: (variant: Variant, seed: number, data: Prepared[]) => StudentModel,
  s: CurveSettings,
): { report: NewAssignmentReport; predictions: (OutOfAssignment & { k: number; seed: number })[] } {
  const isReal = (p: Prepared) => p.example.provenance.kind === 'submission';
  const assignments = [...new Set(all.filter(isReal).map((p) => p.example.assignment))].sort();
  const predictions: (OutOfAssignment & { k: number; seed: number })[] = [];
  type Run = { assignment: string; k: number; seed: number; labelled: number; heldOut: number; own: number } & Record<
    Variant,
    Scores
  >;
  const runs: Run[] = [];
  for (const a of assignments) {
    const others = all.filter((p) => p.example.assignment !== a && (p.example.split !== testSplit || !isReal(p)));
    const own = weighted(
      ownMutants.filter((p) => p.example.assignment === a),
      s.ownMutantWeight,
    );
    const real = all.filter((p) => p.example.assignment === a && isReal(p));
    for (const k of s.ks) {
      for (const seed of s.seeds) {
        const { labelled, heldOut } = pickLabelled(real, k, seed);
        if (labelled.length < k || heldOut.length < s.minHeldOut) continue;
        const data = [...others, ...own, ...weighted(labelled, s.courseWeight)];
        const result = (v: Variant): Scores => {
          const m = train(v, seed, data);
          if (v === 'distilled')
            for (const p of heldOut)
              predictions.push({
                assignment: a,
                k,
                seed,
                probs: forward(m.weights, p.features).fixProbs,
                gold: m.fixTypes.indexOf(p.example.label.fixType),
              });
          return score(
            heldOut,
            heldOut.map((p) => predictStudent(m, p.features)),
          );
        };
        const variants = s.variants ?? ['distilled', 'label_only'];
        const none = { accuracy: NaN, macro_f1: NaN };
        runs.push({
          assignment: a,
          k,
          seed,
          labelled: labelled.length,
          heldOut: heldOut.length,
          own: own.length,
          distilled: variants.includes('distilled') ? result('distilled') : none,
          label_only: variants.includes('label_only') ? result('label_only') : none,
        });
      }
    }
  }
  const avg = (xs: number[]) => meanSd(xs).mean;
  const meanScores = (rs: Run[], v: Variant): Scores => ({
    accuracy: round(avg(rs.map((r) => r[v].accuracy))),
    macro_f1: round(avg(rs.map((r) => r[v].macro_f1))),
  });
  const folds: NewAssignmentReport['folds'] = [];
  for (const a of assignments)
    for (const k of s.ks) {
      const rs = runs.filter((r) => r.assignment === a && r.k === k);
      if (!rs.length) continue;
      folds.push({
        assignment: a,
        k,
        labelled: rs[0]!.labelled,
        held_out: Math.round(avg(rs.map((r) => r.heldOut))),
        own_mutants: rs[0]!.own,
        distilled: meanScores(rs, 'distilled'),
        label_only: meanScores(rs, 'label_only'),
      });
    }
  // per seed the mean over assignments, then the mean over seeds: every assignment counts once
  const curve = s.ks.flatMap((k) => {
    const rs = runs.filter((r) => r.k === k);
    if (!rs.length) return [];
    const bySeed = (v: Variant, m: keyof Scores) =>
      round(
        avg(
          s.seeds.flatMap((seed) => {
            const of = rs.filter((r) => r.seed === seed);
            return of.length ? [avg(of.map((r) => r[v][m]))] : [];
          }),
        ),
      );
    return [
      {
        k,
        assignments: new Set(rs.map((r) => r.assignment)).size,
        held_out: Math.round(
          avg(s.seeds.map((seed) => rs.filter((r) => r.seed === seed).reduce((n, r) => n + r.heldOut, 0))),
        ),
        distilled: { accuracy: bySeed('distilled', 'accuracy'), macro_f1: bySeed('distilled', 'macro_f1') },
        label_only: { accuracy: bySeed('label_only', 'accuracy'), macro_f1: bySeed('label_only', 'macro_f1') },
      },
    ];
  });
  return {
    report: {
      settings: {
        ks: s.ks,
        seeds: s.seeds,
        course_weight: s.courseWeight,
        own_mutant_weight: s.ownMutantWeight,
        min_held_out: s.minHeldOut,
      },
      curve,
      confidence: s.ks.flatMap((k) => {
        const preds = predictions.filter((p) => p.k === k);
        if (new Set(preds.map((p) => p.assignment)).size < 2) return [];
        const c = unseenCalibration(preds);
        return [{ k, temperature: c.temperature, own: c.before, calibrated: c.after }];
      }),
      folds,
    },
    predictions,
  };
}
