/**
 * The confidence on a new assignment: which calibration a program gets (by its assignment's
 * reference, not its name), how the temperature fades in with the labelled programs the model
 * learnt from, and that the production predictor applies it and names its version.
 */
import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../src/analysis/featurize.js';
import { referenceHash } from '../../src/model/assignment-identity.js';
import {
  applyTemperature,
  calibrationFor,
  type Calibration,
  type TrainedAssignment,
} from '../../src/model/calibration.js';
import { loadPredictor } from '../../src/model/predictor.js';
import { writeModelFolder } from './model-folder.js';

const calibration: Calibration = {
  unseen: { temperature: 2, seen_from: 60, fitted_on: { assignments: 6, programs: 326, seeds: 3 } },
};
const median = referenceHash('int main(void) { return 0; }');
const trained: TrainedAssignment[] = [
  { name: 'median', reference_sha256: median, labelled: 60, mutants: 400 },
  { name: 'digits', reference_sha256: referenceHash('other'), labelled: 30, mutants: 10 },
  { name: 'fresh', reference_sha256: referenceHash('fresh'), labelled: 0, mutants: 40 },
];

describe('calibrationFor', () => {
  it('an assignment learnt from with enough labels keeps the network’s confidence, found by its reference', () => {
    expect(calibrationFor(trained, calibration, { name: 'median', referenceSha256: median })).toEqual({
      regime: 'seen',
      temperature: 1,
    });
    // renamed, same reference (reformatted too): the same assignment
    const renamed = referenceHash('int   main(void)\n{ return 0; }');
    expect(renamed).toBe(median);
    expect(calibrationFor(trained, calibration, { name: 'median-2027', referenceSha256: renamed }).regime).toBe('seen');
  });

  it('another course’s assignment of the same name, one never listed, or none given is unseen', () => {
    const unseen = { regime: 'unseen', temperature: 2 };
    expect(calibrationFor(trained, calibration, { name: 'median', referenceSha256: referenceHash('mine') })).toEqual(
      unseen,
    );
    expect(calibrationFor(trained, calibration, { name: 'syllables', referenceSha256: null })).toEqual(unseen);
    expect(calibrationFor(trained, calibration, undefined)).toEqual(unseen);
    expect(calibrationFor(undefined, calibration, { name: 'median', referenceSha256: median })).toEqual(unseen);
    // mutants of its reference are not labels
    expect(calibrationFor(trained, calibration, { name: 'fresh', referenceSha256: referenceHash('fresh') })).toEqual(
      unseen,
    );
  });

  it('fades from the unseen temperature to 1 in a straight line with the labelled programs learnt from', () => {
    // digits: 30 of 60 → half way from 2 to 1
    expect(calibrationFor(trained, calibration, { name: 'digits', referenceSha256: referenceHash('other') })).toEqual({
      regime: 'unseen',
      temperature: 1.5,
    });
  });

  it('a model without an unseen calibration gives every program its own confidence', () => {
    expect(calibrationFor(trained, undefined, undefined)).toEqual({ regime: 'seen', temperature: 1 });
  });
});

describe('applyTemperature', () => {
  it('keeps the most likely fix type, lowers its probability above 1 and sharpens it below, and sums to 1', () => {
    const p = [0.7, 0.2, 0.1];
    expect(Array.from(applyTemperature(p, 1))).toEqual(p);
    const soft = applyTemperature(p, 2);
    const sharp = applyTemperature(p, 0.5);
    expect(soft.indexOf(Math.max(...soft))).toBe(0);
    expect(soft[0]!).toBeLessThan(0.7);
    expect(sharp[0]!).toBeGreaterThan(0.7);
    expect(soft.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // exactly softmax(log p / T)
    const z = p.map((x) => Math.sqrt(x));
    const s = z.reduce((a, b) => a + b, 0);
    z.forEach((v, i) => expect(soft[i]).toBeCloseTo(v / s, 12));
    // a probability of 0 stays finite
    expect(Array.from(applyTemperature([1, 0], 2)).every(Number.isFinite)).toBe(true);
  });
});

describe('the production predictor', () => {
  it('gives an unseen assignment the unseen temperature, a seen one the network’s own, and names its version', async () => {
    const plain = await loadPredictor(writeModelFolder(5, { version: 'test.1' }));
    const calibrated = await loadPredictor(
      writeModelFolder(5, { version: 'test.2', calibration, assignments: trained }),
    );
    const x = Float32Array.from(FEATURE_NAMES, (_, i) => (i % 7) / 3);
    const base = await plain.predictFeatures(x);
    const seen = await calibrated.predictFeatures(x, { assignment: { name: 'median', referenceSha256: median } });
    const unseen = await calibrated.predictFeatures(x, { assignment: { name: 'new', referenceSha256: null } });
    const unknown = await calibrated.predictFeatures(x);
    expect(base).toMatchObject({ modelVersion: 'test.1', regime: 'seen' });
    expect(seen).toMatchObject({ modelVersion: 'test.2', regime: 'seen', fixType: base.fixType });
    expect(seen.confidence).toBeCloseTo(base.confidence, 6);
    expect(unseen).toMatchObject({ regime: 'unseen', fixType: base.fixType });
    expect(unseen.confidence).toBeLessThan(base.confidence);
    const want = applyTemperature(Object.values(base.fixTypeProbs), 2);
    expect(unseen.confidence).toBeCloseTo(Math.max(...want), 6);
    expect(unknown.confidence).toBeCloseTo(unseen.confidence, 12);
  });
});
