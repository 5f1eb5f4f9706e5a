/**
 * The unseen calibration (model/calibration.ts), fitted and measured honestly: the temperature
 * comes from predictions on assignments each network never saw (leave-one-assignment-out),
 * and its effect is measured nested, each assignment's programs calibrated with a temperature
 * fitted on the other assignments' predictions only.
 */
import { applyTemperature } from '../model/calibration.js';
import { argmax } from '../model/decode-tags.js';
import { coverageReport, type CoverageReport } from './coverage.js';
import { fitTemperature, logProbs } from './temperature.js';

/** A network's fix-type probabilities on a program of an assignment it did not learn from. */
export interface OutOfAssignment {
  assignment: string;
  probs: ArrayLike<number>;
  /** Index of the right fix type. */
  gold: number;
}

export function fitUnseenTemperature(preds: OutOfAssignment[]): number {
  if (!preds.length) return 1;
  return (
    Math.round(
      fitTemperature(
        preds.map((p) => logProbs(p.probs)),
        preds.map((p) => p.gold),
      ) * 100,
    ) / 100
  );
}

const scored = (p: OutOfAssignment, t: number) => {
  const q = applyTemperature(p.probs, t);
  const best = argmax(q);
  return { confidence: q[best]!, correct: best === p.gold, pGold: q[p.gold]! };
};

export interface UnseenCalibrationReport {
  /** Fitted on every fold's predictions: what a model ships with. */
  temperature: number;
  /** Per held-out assignment, the temperature fitted without it. */
  nested: Record<string, number>;
  /** The network's own confidence on new assignments, and after the nested unseen calibration. */
  before: CoverageReport;
  after: CoverageReport;
}

export function unseenCalibration(preds: OutOfAssignment[], thresholds?: number[]): UnseenCalibrationReport {
  const assignments = [...new Set(preds.map((p) => p.assignment))].sort();
  const nested = Object.fromEntries(
    assignments.map((a) => [a, fitUnseenTemperature(preds.filter((p) => p.assignment !== a))]),
  );
  return {
    temperature: fitUnseenTemperature(preds),
    nested,
    before: coverageReport(
      preds.map((p) => scored(p, 1)),
      thresholds,
    ),
    after: coverageReport(
      preds.map((p) => scored(p, nested[p.assignment]!)),
      thresholds,
    ),
  };
}
