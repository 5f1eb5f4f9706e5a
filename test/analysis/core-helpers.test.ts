/** The small helpers of src/core that several layers share (here: test/core is not a folder yet). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { countBy } from '../../src/core/count-by.js';
import { escapeRegExp } from '../../src/core/escape-regexp.js';
import { formatZodIssues } from '../../src/core/zod-issues.js';

describe('formatZodIssues', () => {
  const schema = z.object({ a: z.object({ b: z.number() }), c: z.string() });

  it('is one line: path: message for each issue, joined by "; "', () => {
    const r = schema.safeParse({ a: { b: 'x' }, c: 1 });
    expect(r.success).toBe(false);
    expect(formatZodIssues(r.error!)).toBe(
      'a.b: Invalid input: expected number, received string; c: Invalid input: expected string, received number',
    );
  });

  it('names an issue about the whole value by `top`', () => {
    const r = schema.safeParse(3);
    expect(formatZodIssues(r.error!)).toBe(': Invalid input: expected object, received number');
    expect(formatZodIssues(r.error!, { top: '(top level)' })).toBe(
      '(top level): Invalid input: expected object, received number',
    );
  });
});

describe('escapeRegExp', () => {
  it('makes every special character literal', () => {
    const text = 'a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p-q';
    expect(new RegExp(`^${escapeRegExp(text)}$`).test(text)).toBe(true);
    expect(new RegExp(escapeRegExp('1.5')).test('125')).toBe(false);
    expect(new RegExp(escapeRegExp('(x)')).test('x')).toBe(false);
  });
});

describe('countBy', () => {
  it('counts items by key, keys in the order first seen', () => {
    const counts = countBy(['b', 'a', 'b', 'c', 'b', 'a'], (x) => x);
    expect(counts).toEqual({ b: 3, a: 2, c: 1 });
    expect(Object.keys(counts)).toEqual(['b', 'a', 'c']);
    expect(countBy([], () => 'k')).toEqual({});
    expect(countBy([{ n: 1 }, { n: 12 }, { n: 3 }], (o) => (o.n > 9 ? 'big' : 'small'))).toEqual({ small: 2, big: 1 });
  });
});
