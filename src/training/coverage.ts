/**
 * What a student would be shown: a kind of fix appears only when its confidence reaches the
 * course's threshold, so the figures that matter are how often one is shown (coverage) and
 * how often a shown one is right, next to how honest the confidences are overall.
 */
import { round } from './scoring.js';

export interface Scored {
  confidence: number;
  correct: boolean;
}

export interface ShownRow {
  threshold: number;
  /** Programs whose kind of fix is shown, and their share. */
  shown: number;
  coverage: number;
  /** Of those shown, the share that is right (null when none is shown). */
  accuracy: number | null;
}

export const DEFAULT_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9];

export function shownAt(preds: Scored[], threshold: number): ShownRow {
  const shown = preds.filter((p) => p.confidence >= threshold);
  return {
    threshold,
    shown: shown.length,
    coverage: preds.length ? round(shown.length / preds.length) : 0,
    accuracy: shown.length ? round(shown.filter((p) => p.correct).length / shown.length) : null,
  };
}

/**
 * Expected calibration error: over ten equal-width bins of confidence, the gap between
 * the confidence said and the share right, weighted by the programs in the bin. 0 is honest.
 */
export function expectedCalibrationError(preds: Scored[], bins = 10): number {
  if (!preds.length) return 0;
  let e = 0;
  for (let b = 0; b < bins; b++) {
    const inBin = preds.filter((p) => Math.min(bins - 1, Math.floor(p.confidence * bins)) === b);
    if (!inBin.length) continue;
    const conf = inBin.reduce((s, p) => s + p.confidence, 0) / inBin.length;
    const acc = inBin.filter((p) => p.correct).length / inBin.length;
    e += (inBin.length / preds.length) * Math.abs(conf - acc);
  }
  return round(e);
}

export interface CoverageReport {
  programs: number;
  accuracy: number;
  mean_confidence: number;
  ece: number;
  nll: number;
  shown: ShownRow[];
}

/** `nll`: mean negative log-likelihood of the right fix type (needs its probability per program). */
export function coverageReport(preds: (Scored & { pGold: number })[], thresholds = DEFAULT_THRESHOLDS): CoverageReport {
  const n = preds.length;
  return {
    programs: n,
    accuracy: n ? round(preds.filter((p) => p.correct).length / n) : 0,
    mean_confidence: n ? round(preds.reduce((s, p) => s + p.confidence, 0) / n) : 0,
    ece: expectedCalibrationError(preds),
    nll: n ? round(preds.reduce((s, p) => s - Math.log(Math.max(p.pGold, 1e-12)), 0) / n) : 0,
    shown: thresholds.map((t) => shownAt(preds, t)),
  };
}
