/** Shadow mode's rule: live once enough TA reviews show the model right often enough on what a student would see. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHADOW_BAR, decideAssignmentMode, shadowBarSchema } from '../../src/model/assignment-mode.js';

const reviews = (right: number, wrong: number, confidence = 0.9) => [
  ...Array.from({ length: right }, () => ({ agrees: true, confidence })),
  ...Array.from({ length: wrong }, () => ({ agrees: false, confidence })),
];
const bar = DEFAULT_SHADOW_BAR;

describe('decideAssignmentMode', () => {
  it('stays in shadow until there are enough reviews, whatever their accuracy', () => {
    const d = decideAssignmentMode({ reviews: reviews(19, 0), bar, threshold: 0.6 });
    expect(d).toMatchObject({ mode: 'shadow', reviews: 19, accuracy: 1, manual: false });
    expect(d.reason).toMatch(/19 of the 20 reviews needed/);
  });

  it('goes live at the bar (20 reviews, 80% right), and not below it', () => {
    expect(decideAssignmentMode({ reviews: reviews(16, 4), bar, threshold: 0.6 })).toMatchObject({
      mode: 'live',
      accuracy: 0.8,
    });
    const below = decideAssignmentMode({ reviews: reviews(15, 5), bar, threshold: 0.6 });
    expect(below).toMatchObject({ mode: 'shadow', accuracy: 0.75 });
    expect(below.reason).toMatch(/right on 75% of 20 reviews, below the 80% needed/);
  });

  it('counts the predictions a student would have been shown: unsure ones do not make or break the bar', () => {
    // 20 confident and right, 10 unsure and wrong: live on what students would see
    const r = [...reviews(20, 0, 0.9), ...reviews(0, 10, 0.4)];
    const d = decideAssignmentMode({ reviews: r, bar, threshold: 0.6 });
    expect(d).toMatchObject({ mode: 'live', reviews: 30, shown: { reviews: 20, accuracy: 1 } });
    expect(d.accuracy).toBeCloseTo(20 / 30);
    // without a threshold, all of them count
    expect(decideAssignmentMode({ reviews: r, bar }).mode).toBe('shadow');
  });

  it('a mode set by hand wins, with the evidence still given', () => {
    expect(decideAssignmentMode({ reviews: reviews(0, 30), bar, manual: 'live' })).toMatchObject({
      mode: 'live',
      manual: true,
      accuracy: 0,
    });
    expect(decideAssignmentMode({ reviews: reviews(30, 0), bar, manual: 'shadow' }).mode).toBe('shadow');
  });

  it('the course setting is checked', () => {
    expect(shadowBarSchema.parse({})).toEqual({ reviews: 20, accuracy: 0.8 });
    expect(shadowBarSchema.parse({ reviews: 5 })).toEqual({ reviews: 5, accuracy: 0.8 });
    expect(shadowBarSchema.safeParse({ accuracy: 1.2 }).success).toBe(false);
    expect(shadowBarSchema.safeParse({ reviews: 0 }).success).toBe(false);
    expect(shadowBarSchema.safeParse({ review: 20 }).success).toBe(false);
  });
});
