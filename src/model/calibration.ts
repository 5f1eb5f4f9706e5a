import { z } from 'zod';
import { sameAssignment, type AssignmentIdentity } from './assignment-identity.js';

/**
 * How sure the model may say it is. The network's own temperature (folded into its weights)
 * was fitted on held-out students of the assignments it learnt from; on an assignment it has
 * not learnt from, the same network is right far less often at the same probability, so its
 * probabilities are softened by a second temperature, fitted on leave-one-assignment-out
 * predictions. An assignment the model has a few labelled programs of is in between: the
 * learning curve (docs/model.md) shows the network still too sure with 20 of them, so the
 * temperature goes from the unseen one at 0 labelled programs down to 1 at `seen_from`, in a
 * straight line. Mutants of an assignment's reference do not count as labelled programs: they
 * teach the operators' conventions, not the course's.
 */
export const calibrationSchema = z.object({
  unseen: z.object({
    temperature: z.number().positive(),
    /** Labelled programs of an assignment from which the network's own confidence holds. */
    seen_from: z.number().int().min(1),
    /** What the temperature was fitted on: leave-one-assignment-out folds, programs, seeds (0: the default). */
    fitted_on: z.object({ assignments: z.number().int(), programs: z.number().int(), seeds: z.number().int() }),
  }),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** An assignment the model learnt from, as its manifest lists it. */
export const trainedAssignmentSchema = z.object({
  name: z.string(),
  reference_sha256: z.string().nullable(),
  /** Real labelled programs of it in the training data (TA, label files, LLM, IntroClass). */
  labelled: z.number().int().min(0),
  /** Absent where it was not counted (the shipped model's listing was written after its training). */
  mutants: z.number().int().min(0).optional(),
});
export type TrainedAssignment = z.infer<typeof trainedAssignmentSchema>;

export type Regime = 'seen' | 'unseen';

/**
 * The calibration a program's assignment gets: 'seen' with the network's own confidence once
 * the model learnt from `seen_from` labelled programs of it, else 'unseen' with a temperature
 * between the unseen one and 1 by how many it learnt from. No identity (a caller that cannot
 * say) and no listed assignments (a model from before the registry) count as none learnt;
 * a model without an unseen calibration gives every program its own confidence.
 */
export function calibrationFor(
  trained: TrainedAssignment[] | undefined,
  calibration: Calibration | undefined,
  assignment: AssignmentIdentity | null | undefined,
): { regime: Regime; temperature: number } {
  if (!calibration) return { regime: 'seen', temperature: 1 };
  const u = calibration.unseen;
  const entry = assignment
    ? trained?.find((t) => sameAssignment({ name: t.name, referenceSha256: t.reference_sha256 }, assignment))
    : undefined;
  const n = entry?.labelled ?? 0;
  if (n >= u.seen_from) return { regime: 'seen', temperature: 1 };
  return { regime: 'unseen', temperature: 1 + (u.temperature - 1) * (1 - n / u.seen_from) };
}

/**
 * Temperature scaling applied to probabilities: softmax(log p / T). The network's logits are
 * log p up to a constant, so this is exactly scaling its logits; the most likely fix type
 * never changes.
 */
export function applyTemperature(probs: ArrayLike<number>, temperature: number): Float64Array {
  const out = new Float64Array(probs.length);
  if (temperature === 1) {
    out.set(Array.from(probs));
    return out;
  }
  let max = -Infinity;
  for (let i = 0; i < probs.length; i++) {
    out[i] = Math.log(Math.max(probs[i]!, 1e-30)) / temperature;
    max = Math.max(max, out[i]!);
  }
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] = Math.exp(out[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
