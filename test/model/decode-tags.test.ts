import { describe, expect, it } from 'vitest';
import { argmax, buildTagSetPrior, decodeTags, type TagSetPrior } from '../../src/model/decode-tags.js';

const TAGS = ['A', 'B', 'C', 'D', 'E'];

describe('decodeTags without a prior', () => {
  it('takes the tags at 0.5 or above, in taxonomy order', () => {
    expect(decodeTags([0.6, 0, 0.9, 0.1, 0.49], TAGS)).toEqual(['A', 'C']);
  });

  it('keeps the four most likely when more pass the threshold', () => {
    expect(decodeTags([0.9, 0.8, 0.55, 0.7, 0.6], TAGS)).toEqual(['A', 'B', 'D', 'E']);
  });

  it('gives the single most likely tag when none passes', () => {
    expect(decodeTags([0.1, 0.4, 0.3, 0.4, 0], TAGS)).toEqual(['B']);
  });

  it('a prior without sets is no prior', () => {
    expect(decodeTags([0.6, 0, 0.9, 0, 0], TAGS, { prior: { sets: [], counts: {} } })).toEqual(['A', 'C']);
  });
});

describe('decodeTags with a prior', () => {
  const prior: TagSetPrior = {
    sets: [['A'], ['A', 'C'], ['B']],
    counts: { X: [10, 0, 0], Y: [0, 0, 100] },
  };

  it('answers the most likely of the tag sets seen in training', () => {
    expect(decodeTags([0.9, 0.1, 0.6, 0.1, 0.1], TAGS, { prior })).toEqual(['A', 'C']);
    expect(decodeTags([0.9, 0.1, 0.4, 0.1, 0.1], TAGS, { prior })).toEqual(['A']);
    // A, C and D pass 0.5, but that set was never given: the nearest seen one is
    expect(decodeTags([0.9, 0.1, 0.8, 0.7, 0.1], TAGS, { prior })).toEqual(['A', 'C']);
  });

  it('weighs the sets by how often they go with the fix type, as much as priorWeight says', () => {
    const probs = [0.55, 0.45, 0, 0, 0];
    expect(decodeTags(probs, TAGS, { prior })).toEqual(['A']);
    expect(decodeTags(probs, TAGS, { prior, fixType: 'Y', priorWeight: 0 })).toEqual(['A']);
    expect(decodeTags(probs, TAGS, { prior, fixType: 'Y', priorWeight: 1 })).toEqual(['B']);
    expect(decodeTags(probs, TAGS, { prior, fixType: 'X', priorWeight: 1 })).toEqual(['A']);
    expect(decodeTags(probs, TAGS, { prior, fixType: 'unknown', priorWeight: 1 })).toEqual(['A']);
  });

  it('probabilities of exactly 0 or 1 still rank the sets (no log of 0)', () => {
    const sets = {
      sets: [
        ['A', 'B'],
        ['A', 'C'],
      ],
      counts: {},
    };
    // both sets hold an impossible tag; the second contradicts the network in fewer places
    expect(decodeTags([0, 0, 1, 1, 1], TAGS, { prior: sets })).toEqual(['A', 'C']);
  });
});

describe('argmax and buildTagSetPrior', () => {
  it('argmax is the first of the largest', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax(new Float32Array([0.2]))).toBe(0);
  });

  it('the prior lists each tag set once, first seen first, and counts it per fix type', () => {
    const p = buildTagSetPrior(
      [
        { fixType: 'X', tags: ['A'] },
        { fixType: 'Y', tags: ['A', 'C'] },
        { fixType: 'X', tags: ['A'] },
        { fixType: 'X', tags: ['B'] },
      ],
      ['X', 'Y', 'Z'],
    );
    expect(p.sets).toEqual([['A'], ['A', 'C'], ['B']]);
    expect(p.counts).toEqual({ X: [2, 0, 1], Y: [0, 1, 0], Z: [0, 0, 0] });
  });
});
