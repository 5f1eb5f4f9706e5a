/**
 * The answer checker runs patterns written in JavaScript syntax on RE2 (linear time). These
 * tests hold it to JavaScript's own answers: each pattern is run both ways over texts full of
 * the characters where the two engines' defaults differ (\r, \v, NBSP, latin1 letters).
 */
import { describe, expect, it } from 'vitest';
import { AnswerPatternError, compileAnswerPattern } from '../../src/assignments/answer-pattern.js';
import { extractAnswers } from '../../src/assignments/extract-answers.js';
import { INTROCLASS_CHECKERS } from '../../src/assignments/introclass-checkers.js';

/** The checker's rule as JavaScript states it: the reference the RE2 translation must equal. */
function jsAnswers(pattern: string, flags: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(new RegExp(pattern, flags + 'g'))) {
    if (m[0] === '') continue;
    out.push(m.slice(1).find((g) => g !== undefined) ?? m[0]);
  }
  return out;
}

const TEXTS = [
  'Enter numbers: 12 is the smallest\n-7 is the smallest\r\n',
  'a\tb\vc\fd\re\nf g\u00a0h\u0085i',
  'line one\r\nline two\nLINE THREE\rend',
  'caf\u00e9 CAF\u00c9 \u00ff \u00b5 Stra\u00dfe x_y-z [a] {b} /c/ \\d',
  'student has an A grade\nStudent has failed the course\nSTUDENT HAS AN b GRADE',
  'check sum is  \ncheck sum is \n\nchecksum is Q',
  '4\n3\n-1\n10\n\n',
  'aaa ab abb abbb ba\u0000nul \u0001\u001f\u007f\u0080',
  '',
];

const PATTERNS: Array<[string, string]> = [
  ...Object.values(INTROCLASS_CHECKERS).map((c) =>
    c.type === 'answer' ? ([c.pattern, c.flags] as [string, string]) : (['x', ''] as [string, string]),
  ),
  ['\\s+', ''],
  ['\\S+', ''],
  ['[\\s\\S]', ''],
  ['[^\\s]+', ''],
  ['[\\S]+', 'i'],
  ['.+', ''],
  ['.+', 's'],
  ['^\\w+', ''],
  ['(\\w)$', ''],
  ['\\bline\\b', 'i'],
  ['\\Bin', ''],
  ['caf\u00e9', 'i'],
  ['[\u00e0-\u00ff]+', 'i'],
  ['\u00b5', 'i'],
  ['stra\u00dfe', 'i'],
  ['[\\w-]+', ''],
  ['[\\d-z]+', ''],
  ['[a-c]+', ''],
  ['[^a-c\\s]+', ''],
  ['[]', ''],
  ['[^]', ''],
  ['[[:alpha:]]', ''],
  ['[\\b]', ''],
  ['\\[\\w\\]|\\{\\w\\}', ''],
  ['\\/\\w\\/', ''],
  ['{b}', ''],
  ['a{2}', ''],
  ['a{1,}b', ''],
  ['ab{0,2}', ''],
  ['a{,2}', ''],
  ['ab+?', ''],
  ['ab*?b', ''],
  ['(a)|(b)', ''],
  ['(?<first>a)(b)?', ''],
  ['\\x41|\\u0062|\\cJ', 'i'],
  ['\\0', ''],
  ['\\a\\e', ''],
  ['\\\\d', ''],
  ['\\x7f\\x80', ''],
  ['[\\x00-\\x1f]+', ''],
  ['\\u{62}', 'u'],
  ['\\p{Lu}+', 'u'],
  ['\\P{L}', 'u'],
  ['[\\p{Ll}\\d]+', 'u'],
  ['\\u00e9', 'iu'],
  ['(-?\\d+)\\s*\\r?$', 'm'],
  ['(\\d+)(?:\\.(\\d+))?', ''],
  ['a|ab|abb', ''],
  ['(a|ab)(b*)', ''],
];

describe('answer patterns run on RE2 give JavaScript answers', () => {
  it.each(PATTERNS)('/%s/%s', async (pattern, flags) => {
    const compiled = compileAnswerPattern(pattern, flags);
    for (const text of TEXTS) {
      const got = (await extractAnswers(compiled, text, false)).answers;
      expect(got, JSON.stringify(text)).toEqual(jsAnswers(pattern, flags, text));
    }
  });
});

describe('where RE2 differs from JavaScript (documented in the assignment.yml reference)', () => {
  const answers = async (pattern: string, flags: string, text: string) =>
    (await extractAnswers(compileAnswerPattern(pattern, flags), text, false)).answers;
  it('with m, ^ and $ take only \\n as a line break (JavaScript also \\r)', async () => {
    expect(await answers('^\\w+', 'm', 'one\r\ntwo\rthree')).toEqual(['one', 'two']);
    expect(jsAnswers('^\\w+', 'm', 'one\r\ntwo\rthree')).toEqual(['one', 'two', 'three']);
    expect(await answers('\\w+$', 'm', 'one\r\ntwo\nthree')).toEqual(['two', 'three']);
  });
  it('a group inside a repeated group keeps its last value (JavaScript forgets it at each repetition)', async () => {
    expect(await answers('(?:(a)|(b))+', '', 'ab')).toEqual(['a']);
    expect(jsAnswers('(?:(a)|(b))+', '', 'ab')).toEqual(['b']);
  });
});

describe('patterns the linear-time engine cannot run are refused with a reason', () => {
  const refusal = (pattern: string, flags = '') => {
    try {
      compileAnswerPattern(pattern, flags);
    } catch (err) {
      expect(err).toBeInstanceOf(AnswerPatternError);
      return (err as Error).message;
    }
    throw new Error(`/${pattern}/${flags} was accepted`);
  };
  it('backreferences and octal escapes', () => {
    expect(refusal('(a)\\1')).toMatch(/backreferences/);
    expect(refusal('(?<x>a)\\k<x>')).toMatch(/backreferences \(\\k<name>\)/);
    expect(refusal('a\\07')).toMatch(/octal/);
  });
  it('lookahead and lookbehind', () => {
    for (const p of ['a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) expect(refusal(p)).toMatch(/lookahead and lookbehind/);
  });
  it('what is not JavaScript at all', () => {
    expect(refusal('(unclosed')).toMatch(/^is not a valid regular expression/);
    expect(refusal('(?i)abc')).toMatch(/^is not a valid regular expression/);
  });
  it('a pattern that can match empty text', () => {
    for (const p of ['\\d*', '(a|)', 'x?', '\\b', '^']) expect(refusal(p)).toMatch(/can match empty text/);
  });
  it('repeat counts RE2 does not take, and programs too large to run cheaply', () => {
    expect(refusal('a{1001}')).toMatch(/not supported by the linear-time engine/);
    expect(refusal('(?:[a-z]{1,200}\\d){1,20}')).toMatch(
      /not supported by the linear-time engine \(invalid repeat count/,
    );
    expect(refusal('[a-z]{1,1000}')).toMatch(/too large: it compiles to \d+ instructions/);
  });
  it('property names RE2 does not know', () => {
    expect(refusal('\\p{Script_Extensions=Greek}', 'u')).toMatch(/category or script name/);
    expect(refusal('\\p{Letter}', 'u')).toMatch(/not supported by the linear-time engine/);
  });
});
