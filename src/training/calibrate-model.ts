/**
 * The unseen calibration a retrained model ships with: leave-one-assignment-out over the
 * assignments with enough labelled programs (mutants of each held-out assignment's own
 * reference included, as production has them), one distilled network per fold and seed,
 * and the temperature that makes their confidences honest on the held-out assignments.
 */
import { assignmentIdentity } from '../model/assignment-identity.js';
import type { Calibration, TrainedAssignment } from '../model/calibration.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { DEFAULT_OWN_MUTANT_WEIGHT, MIN_HELD_OUT, newAssignmentCurve } from './new-assignment-curve.js';
import type { AssignmentBook, Prepared } from './prepare.js';
import { trainStudent } from './train-student.js';
import { fitUnseenTemperature } from './unseen-calibration.js';

/**
 * Measured on IntroClass (6 assignments, seeds 1–3, docs/model.md): what a model gets when
 * its own data has fewer than two assignments to hold out.
 */
export const DEFAULT_UNSEEN_TEMPERATURE = 1.75;

/**
 * From this many labelled programs of an assignment in training, the network's own confidence
 * holds (below it, the unseen temperature fades in a straight line). Fitted on the learning
 * curve's held-out programs, k = 0 to 40 (lowest mean negative log-likelihood; docs/experiments.md).
 */
export const SEEN_FROM_LABELLED = 60;

/** Mutants made by the mutation teacher from one assignment's reference alone (retrain's buildFromExamples). */
export const OWN_MUTANT_SOURCE = 'mutation teacher';

export function fitModelCalibration(
  all: Prepared[],
  o: { taxonomy: Taxonomy; seeds: number[]; testSplit: string; mutantWeight: number; quiet?: boolean },
): Calibration {
  const isReal = (p: Prepared) => p.example.provenance.kind === 'submission';
  const counts = new Map<string, number>();
  for (const p of all.filter(isReal)) counts.set(p.example.assignment, (counts.get(p.example.assignment) ?? 0) + 1);
  const folds = [...counts].filter(([, n]) => n >= MIN_HELD_OUT).map(([a]) => a);
  const fallback: Calibration = {
    unseen: {
      temperature: DEFAULT_UNSEEN_TEMPERATURE,
      seen_from: SEEN_FROM_LABELLED,
      fitted_on: { assignments: 0, programs: 0, seeds: 0 },
    },
  };
  if (folds.length < 2 || !o.seeds.length) return fallback;
  const own = all.filter((p) => p.example.provenance.source === OWN_MUTANT_SOURCE);
  const { predictions } = newAssignmentCurve(
    all.filter((p) => p.example.provenance.source !== OWN_MUTANT_SOURCE),
    own,
    o.testSplit,
    (variant, seed, data) =>
      trainStudent(data, o.taxonomy, {
        variant,
        seed,
        mutantWeight: o.mutantWeight,
        members: 1,
        quiet: o.quiet ?? true,
      }),
    {
      ks: [0],
      seeds: o.seeds,
      courseWeight: 1,
      ownMutantWeight: DEFAULT_OWN_MUTANT_WEIGHT,
      minHeldOut: MIN_HELD_OUT,
      variants: ['distilled'],
    },
  );
  if (!predictions.length) return fallback;
  return {
    unseen: {
      temperature: fitUnseenTemperature(predictions),
      seen_from: SEEN_FROM_LABELLED,
      fitted_on: {
        assignments: new Set(predictions.map((p) => p.assignment)).size,
        programs: predictions.length / o.seeds.length,
        seeds: o.seeds.length,
      },
    },
  };
}

/** The assignments a model learnt from, for the manifest: identity and how much of each it saw. */
export async function trainedAssignments(train: Prepared[], book: AssignmentBook): Promise<TrainedAssignment[]> {
  const by = new Map<string, { dir: string; labelled: number; mutants: number }>();
  for (const p of train) {
    const e = p.example;
    const entry = by.get(e.assignmentDir) ?? { dir: e.assignmentDir, labelled: 0, mutants: 0 };
    if (e.provenance.kind === 'submission') entry.labelled++;
    else entry.mutants++;
    by.set(e.assignmentDir, entry);
  }
  const out: TrainedAssignment[] = [];
  for (const entry of by.values()) {
    const id = assignmentIdentity(await book.get(entry.dir));
    out.push({ name: id.name, reference_sha256: id.referenceSha256, labelled: entry.labelled, mutants: entry.mutants });
  }
  return out.sort(
    (a, b) => a.name.localeCompare(b.name) || (a.reference_sha256 ?? '').localeCompare(b.reference_sha256 ?? ''),
  );
}
