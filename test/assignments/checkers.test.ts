import { describe, expect, it } from 'vitest';
import { compileAnswerPattern } from '../../src/assignments/answer-pattern.js';
import { check } from '../../src/assignments/checkers.js';
import { extractAnswers } from '../../src/assignments/extract-answers.js';
import { INTROCLASS_CHECKERS } from '../../src/assignments/introclass-checkers.js';

const ic = (name: string) => INTROCLASS_CHECKERS[name]!;

describe('exact and normalized checkers', () => {
  it('exact compares every byte', async () => {
    expect((await check({ type: 'exact' }, 'a b\n', 'a b\n')).outcome).toBe('PASS');
    expect((await check({ type: 'exact' }, 'a b\n', 'a  b\n')).outcome).toBe('WRONG_ANSWER');
    expect((await check({ type: 'exact' }, 'a b\n', 'a b')).outcome).toBe('WRONG_ANSWER');
  });
  it('normalized folds whitespace runs and case', async () => {
    expect((await check({ type: 'normalized' }, 'Hello  World\n', ' hello world')).outcome).toBe('PASS');
    expect((await check({ type: 'normalized' }, 'Hello World', 'HelloWorld')).outcome).toBe('WRONG_ANSWER');
  });
});

describe('answer checker (IntroClass semantics)', () => {
  it('ignores prompts and extra text around the answer', async () => {
    const r = await check(
      ic('median'),
      'Please enter 3 numbers > 6 is the median\n',
      'Give me numbers: 6 is the median. Bye!\n',
    );
    expect(r).toEqual({ outcome: 'PASS', expectedAnswers: ['6'], actualAnswers: ['6'] });
  });
  it('fails a wrong answer and says which answers it saw', async () => {
    const r = await check(ic('median'), '6 is the median\n', '8 is the median\n');
    expect(r.outcome).toBe('WRONG_ANSWER');
    expect(r.actualAnswers).toEqual(['8']);
  });
  it('fails when a conflicting answer is stated besides the right one', async () => {
    expect(
      (await check(ic('smallest'), '-3 is the smallest\n', '-3 is the smallest\n4 is the smallest\n')).outcome,
    ).toBe('WRONG_ANSWER');
  });
  it('accepts the right answer stated twice', async () => {
    expect((await check(ic('smallest'), '2 is the smallest\n', '2 is the smallest\n2 is the smallest\n')).outcome).toBe(
      'PASS',
    );
  });
  it('reports NO_ANSWER when the output states no answer at all', async () => {
    expect((await check(ic('median'), '6 is the median\n', 'the median is 6\n')).outcome).toBe('NO_ANSWER');
    expect((await check(ic('median'), '6 is the median\n', '')).outcome).toBe('NO_ANSWER');
  });
  it('checksum: the character is compared case-sensitively, the words are not', async () => {
    expect((await check(ic('checksum'), 'Check sum is A\n', 'CHECKSUM IS A\n')).outcome).toBe('PASS');
    expect((await check(ic('checksum'), 'Check sum is A\n', 'Check sum is a\n')).outcome).toBe('WRONG_ANSWER');
    expect((await check(ic('checksum'), 'Check sum is  \n', 'Check sum is  \n')).outcome).toBe('PASS');
  });
  it('grade: "an X grade" only, and a failing score must state no grade', async () => {
    const g = ic('grade');
    expect((await check(g, 'Student has an B grade\n', 'score? Student has an b grade\n')).outcome).toBe('PASS');
    expect((await check(g, 'Student has an D grade\n', 'Student has a D grade\n')).outcome).toBe('NO_ANSWER');
    expect((await check(g, 'Student has failed the course\n', 'Student has failed the course\n')).outcome).toBe('PASS');
    expect(
      (await check(g, 'Student has failed the course\n', 'Student has an D grade\nStudent has failed the course\n'))
        .outcome,
    ).toBe('WRONG_ANSWER');
  });
  it('digits: the sequence of one-digit lines must match in order', async () => {
    const d = ic('digits');
    const expected = "Enter > \n4\n3\n2\n-1\nThat's all, have a nice day!\n";
    expect((await check(d, expected, "\n4\n3\n2\n-1\nThat's all, have a nice day!\n")).outcome).toBe('PASS');
    expect((await check(d, expected, "\n4\n3\n2\n1\nThat's all, have a nice day!\n")).outcome).toBe('WRONG_ANSWER');
    expect((await check(d, expected, '\n3\n4\n2\n-1\n')).outcome).toBe('WRONG_ANSWER');
    expect((await check(d, expected, 'nothing here')).outcome).toBe('NO_ANSWER');
  });
  it('syllables: the number after "syllables is"', async () => {
    expect((await check(ic('syllables'), 'The number of syllables is 5.\n', 'syllables is 5\n')).outcome).toBe('PASS');
    expect(
      (await check(ic('syllables'), 'The number of syllables is 5.\n', 'The number of syllables is 4.\n')).outcome,
    ).toBe('WRONG_ANSWER');
  });
  it('extractAnswers takes the first capture group that matched, else the whole match', async () => {
    const answers = async (pattern: string, flags: string, text: string, fold: boolean) =>
      (await extractAnswers(compileAnswerPattern(pattern, flags), text, fold)).answers;
    expect(await answers('a(\\d)|b(\\d)', '', 'a1 b2 a3', false)).toEqual(['1', '2', '3']);
    expect(await answers('\\d\\d', '', '12 34', false)).toEqual(['12', '34']);
    expect(await answers('x(\\w)', 'i', 'XA xb', true)).toEqual(['a', 'b']);
  });
});
