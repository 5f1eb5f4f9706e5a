import { RE2JS } from 're2js';
import { jsPatternToRe2, UnsupportedPatternError } from './js-pattern-to-re2.js';

/**
 * The engine's cost per character grows with the size of the compiled program (the number of
 * NFA states it may track at once): capping it keeps "linear" also cheap. The IntroClass
 * patterns compile to 6–46 instructions.
 */
export const MAX_PROGRAM_SIZE = 2000;

export class AnswerPatternError extends Error {
  override name = 'AnswerPatternError';
}

/** A checker pattern compiled for RE2JS, a linear-time engine: no input can make it backtrack. */
export interface AnswerPattern {
  re: RE2JS;
  /** With the u flag, an empty match steps over a whole surrogate pair, as JavaScript's does. */
  unicode: boolean;
  /**
   * What one character of search costs, in units of a 64-instruction program: the engine may
   * track every instruction at once, so a large ambiguous pattern costs more per character.
   */
  costPerChar: number;
}

const compiled = new Map<string, AnswerPattern>();

/**
 * Compiles an answer pattern written in JavaScript syntax (flags i, m, s, u). Throws
 * AnswerPatternError, whose message says what is wrong with the pattern, for anything the
 * linear-time engine cannot run with JavaScript's meaning.
 */
export function compileAnswerPattern(pattern: string, flags: string): AnswerPattern {
  const key = `${flags}/${pattern}`;
  const known = compiled.get(key);
  if (known) return known;
  try {
    new RegExp(pattern, flags);
  } catch (err) {
    throw new AnswerPatternError(`is not a valid regular expression (${(err as Error).message})`);
  }
  let source: string;
  try {
    const t = jsPatternToRe2(pattern, flags);
    if (t.minLength === 0)
      throw new UnsupportedPatternError(
        'can match empty text, which never counts as an answer: use + rather than *, or require some text',
      );
    source = t.source;
  } catch (err) {
    if (err instanceof UnsupportedPatternError) throw new AnswerPatternError(err.message);
    throw err;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(
      source,
      (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0),
    );
  } catch (err) {
    const e = err as Error & { getDescription?: () => string };
    throw new AnswerPatternError(`is not supported by the linear-time engine (${e.getDescription?.() ?? e.message})`);
  }
  if (re.programSize() > MAX_PROGRAM_SIZE)
    throw new AnswerPatternError(
      `is too large: it compiles to ${re.programSize()} instructions, more than ${MAX_PROGRAM_SIZE} (large repeat counts such as {500} multiply)`,
    );
  const p: AnswerPattern = { re, unicode: flags.includes('u'), costPerChar: Math.ceil(re.programSize() / 64) };
  compiled.set(key, p);
  return p;
}
