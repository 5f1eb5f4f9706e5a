import { z } from 'zod';

/**
 * Shadow mode: a new assignment's predictions are recorded and shown to TAs, not to students,
 * until TA-confirmed labels show the model right often enough on it. The bar is a course
 * setting (course.yml, e.g. `shadow: { reviews: 20, accuracy: 0.8 }`).
 */
export const shadowBarSchema = z
  .object({
    /** TA reviews of the assignment's predicted programs needed before it can go live. */
    reviews: z.number().int().min(1).max(10_000).default(20),
    /** Share of those the model must have right. */
    accuracy: z.number().min(0).max(1).default(0.8),
  })
  .strict();
export type ShadowBar = z.infer<typeof shadowBarSchema>;
export const DEFAULT_SHADOW_BAR: ShadowBar = shadowBarSchema.parse({});

export type AssignmentMode = 'live' | 'shadow';

/** One TA review of a program the model made a prediction for. */
export interface ReviewedPrediction {
  /** The TA's fix type is the model's. */
  agrees: boolean;
  /** The model's confidence; the programs a student would have been shown are those at or above the threshold. */
  confidence: number;
}

export interface ModeDecision {
  mode: AssignmentMode;
  /** Reviews counted and the share the model had right. */
  reviews: number;
  accuracy: number | null;
  /** The same over the predictions a student would have been shown. */
  shown: { reviews: number; accuracy: number | null };
  /** Why, in words for the dashboard. */
  reason: string;
  /** A TA set the mode by hand: the evidence is shown but does not switch it. */
  manual: boolean;
}

const share = (xs: ReviewedPrediction[]) => (xs.length ? xs.filter((x) => x.agrees).length / xs.length : null);
const pct = (x: number) => `${Math.round(x * 100)}%`;

/**
 * Live or shadow for one assignment, from its reviewed predictions and the course's bar:
 * live once there are at least `bar.reviews` reviews and the model had at least `bar.accuracy`
 * of them right, measured on the predictions a student would have been shown (confidence at
 * or above `threshold`), since those are what going live exposes; without a threshold, on
 * all of them. A mode set by hand wins, whatever the evidence. The caller chooses the
 * reviews (e.g. only those of the serving model's predictions).
 */
export function decideAssignmentMode(o: {
  reviews: ReviewedPrediction[];
  bar: ShadowBar;
  threshold?: number;
  manual?: AssignmentMode | null;
}): ModeDecision {
  const shownOnes = o.threshold === undefined ? o.reviews : o.reviews.filter((r) => r.confidence >= o.threshold!);
  const accuracy = share(o.reviews);
  const shownAccuracy = share(shownOnes);
  const base = {
    reviews: o.reviews.length,
    accuracy,
    shown: { reviews: shownOnes.length, accuracy: shownAccuracy },
  };
  if (o.manual) return { ...base, mode: o.manual, manual: true, reason: `set to ${o.manual} by hand` };
  if (shownOnes.length < o.bar.reviews)
    return {
      ...base,
      mode: 'shadow',
      manual: false,
      reason: `${shownOnes.length} of the ${o.bar.reviews} reviews needed${o.threshold === undefined ? '' : ' of predictions a student would see'}`,
    };
  if (shownAccuracy! < o.bar.accuracy)
    return {
      ...base,
      mode: 'shadow',
      manual: false,
      reason: `the model is right on ${pct(shownAccuracy!)} of ${shownOnes.length} reviews, below the ${pct(o.bar.accuracy)} needed`,
    };
  return {
    ...base,
    mode: 'live',
    manual: false,
    reason: `the model is right on ${pct(shownAccuracy!)} of ${shownOnes.length} reviews (at least ${pct(o.bar.accuracy)} of ${o.bar.reviews} needed)`,
  };
}
