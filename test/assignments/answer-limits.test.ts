/**
 * The answer checker's bounds: how much it reads, how many answers it keeps, how long one
 * answer may be, how much searching it does in all, and that it gives the event loop a turn
 * while it reads. Work is counted, not timed: every figure here is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { compileAnswerPattern } from '../../src/assignments/answer-pattern.js';
import { check } from '../../src/assignments/checkers.js';
import { ANSWER_LIMITS, extractAnswers, YIELD_EVERY_CHARS } from '../../src/assignments/extract-answers.js';
import { INTROCLASS_CHECKERS } from '../../src/assignments/introclass-checkers.js';
import { countTurns } from './event-loop-turns.js';

const MiB = 1024 * 1024;
const smallest = INTROCLASS_CHECKERS.smallest!;

function jsAnswers(pattern: string, flags: string, text: string): string[] {
  return [...text.matchAll(new RegExp(pattern, flags + 'g'))]
    .filter((m) => m[0] !== '')
    .map((m) => m.slice(1).find((g) => g !== undefined) ?? m[0]);
}

/** A deterministic pseudo-random text: filler of the given alphabet with answers dropped in. */
function scattered(length: number, alphabet: string, answer: (i: number) => string, seed = 7): string {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let s = '';
  let i = 0;
  while (s.length < length) {
    const gap = Math.floor(rnd() * rnd() * 3000);
    for (let k = 0; k < gap; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    s += answer(i++);
  }
  return s;
}

describe('answer limits', () => {
  it('an output longer than the checker reads is a wrong answer that says why', async () => {
    const r = await check(smallest, '1 is the smallest\n', '1 is the smallest\n' + 'x'.repeat(MiB));
    expect(r).toMatchObject({
      outcome: 'WRONG_ANSWER',
      detail: `the output is ${MiB + 18} bytes; the answer checker reads outputs of at most ${MiB} bytes`,
    });
  });

  it('more answers than it collects is a wrong answer, even when each is right', async () => {
    const r = await check(smallest, '1 is the smallest\n', '1 is the smallest\n'.repeat(ANSWER_LIMITS.answers + 1));
    expect(r.outcome).toBe('WRONG_ANSWER');
    expect(r.detail).toBe('the output states more than 10000 answers; the answer checker stops there');
    expect(r.actualAnswers).toHaveLength(ANSWER_LIMITS.answers);
    expect((await check(smallest, '1 is the smallest\n', '1 is the smallest\n'.repeat(10_000))).outcome).toBe('PASS');
  });

  it('an answer longer than it reads stops it, wherever the answer lies', async () => {
    for (const before of ['', 'x'.repeat(5000)]) {
      const r = await check(smallest, '1 is the smallest\n', `${before}${'9'.repeat(2000)} is the smallest\n`);
      expect(r.outcome).toBe('WRONG_ANSWER');
      // the search may meet the long match part of the way in: the byte named is within its first 1024
      const at = Number(
        /^from byte (\d+) the answer pattern matches \(or would need to look\) further than 1024 bytes, the most the answer checker reads for one answer$/.exec(
          r.detail ?? '',
        )?.[1],
      );
      expect(at).toBeGreaterThanOrEqual(before.length);
      expect(at).toBeLessThan(before.length + 1024);
    }
    const fits = '9'.repeat(1000);
    expect((await check(smallest, `${fits} is the smallest\n`, `x${fits} is the smallest`)).outcome).toBe('PASS');
  });

  it('a pattern that re-reads the rest of the text for every match is stopped by the work limit', async () => {
    // a.*b|a: every "a" is a match, found only after looking to the end for a "b"
    const p = compileAnswerPattern('a.*b|a', '');
    const r = await extractAnswers(p, 'a'.repeat(200_000), false, { ...ANSWER_LIMITS, workChars: 1_000_000 });
    expect(r.limit?.kind).toBe('work');
    expect(r.work.chars).toBeLessThanOrEqual(1_000_000 + 2 * ANSWER_LIMITS.matchChars + 1);
    // with the default limits a whole megabyte of it is bounded by the answer cap first
    const big = await extractAnswers(p, 'a'.repeat(MiB), false);
    expect(big.limit?.kind).toBe('answers');
    expect(big.work.chars).toBeLessThanOrEqual((ANSWER_LIMITS.answers + 1) * (2 * ANSWER_LIMITS.matchChars + 1));
  });

  it('a large ambiguous pattern costs more per character, and reaches the work limit sooner', async () => {
    const p = compileAnswerPattern('(?:a|b|ab|ba){1,240}c|a', '');
    expect(p.costPerChar).toBe(Math.ceil(p.re.programSize() / 64));
    expect(p.costPerChar).toBeGreaterThan(20);
    const limits = { ...ANSWER_LIMITS, workChars: 2 * MiB };
    const r = await extractAnswers(p, 'ab'.repeat(MiB / 2), false, limits);
    expect(r.limit?.kind).toBe('work');
    expect(r.work.searches).toBeLessThanOrEqual(
      Math.ceil(limits.workChars / ((2 * ANSWER_LIMITS.matchChars + 1) * p.costPerChar)) + 1,
    );
    expect(compileAnswerPattern(smallest.type === 'answer' ? smallest.pattern : '', 'i').costPerChar).toBe(1);
  });

  it('finds exactly what JavaScript finds across its search windows', async () => {
    const cases: Array<[string, string, string]> = [
      [
        smallest.type === 'answer' ? smallest.pattern : '',
        'i',
        scattered(300_000, '0123456789 -\n', (i) => ` ${i - 50} is the smallest\n`),
      ],
      ['-?\\d\\n', '', scattered(60_000, '0123456789\n-', () => '')],
      [
        'check ?sum is ([\\s\\S])',
        'i',
        scattered(200_000, 'checksum is \n', (i) => `Check sum is ${String.fromCharCode(33 + (i % 90))}`),
      ],
      ['\\b(\\w+)\\b', '', scattered(40_000, 'ab c\n', () => '')],
      ['^(\\d+)$', 'm', scattered(30_000, '123\n', () => '\n')],
      ['(a|ab)(c|bcd)(d*)', '', scattered(30_000, 'abcd', () => '')],
      // greedy runs cut by a window's end must still be read whole
      ['#(\\d+)', '', scattered(100_000, 'ab \n', (i) => `#${'9'.repeat((i * 37) % 900)}`)],
      // a match that starts where the last one ended still sees the character before it
      ['\\B(\\d)', '', ('a1234' + ' '.repeat(3000)).repeat(20)],
    ];
    for (const [pattern, flags, text] of cases) {
      const got = await extractAnswers(compileAnswerPattern(pattern, flags), text, false);
      expect(got.limit, pattern).toBeUndefined();
      expect(got.answers, pattern).toEqual(jsAnswers(pattern, flags, text));
    }
  });

  it('reads a megabyte of hostile text with work linear in its length, giving the event loop turns', async () => {
    const digits = '7'.repeat(MiB);
    const texts = { digits, newlines: '7\n'.repeat(MiB / 2), nearMisses: '1 is the smallesT\n'.repeat(MiB / 18) };
    for (const c of Object.values(INTROCLASS_CHECKERS)) {
      if (c.type !== 'answer') continue;
      for (const [name, text] of Object.entries(texts)) {
        const loop = countTurns();
        const r = await extractAnswers(compileAnswerPattern(c.pattern, c.flags), text, false);
        loop.stop();
        const what = `${c.pattern} on ${name}`;
        if (r.limit) expect(r.limit.kind, what).toBe('answers');
        else expect(r.work.chars, what).toBeLessThanOrEqual(3 * text.length + 3 * 2048 + r.answers.length * 2049);
        // a turn for the event loop after at most YIELD_EVERY_CHARS of searching, and the loop took each
        expect(r.work.yields, what).toBeGreaterThanOrEqual(Math.floor(r.work.chars / (YIELD_EVERY_CHARS + 2049)));
        expect(loop.turns(), what).toBeGreaterThanOrEqual(r.work.yields);
        expect(r.work.yields, what).toBeGreaterThan(0);
      }
    }
  });
});
