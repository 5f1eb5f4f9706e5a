import type { AnswerPattern } from './answer-pattern.js';

/**
 * What one extraction may cost. A linear-time engine bounds one search, not a list of them:
 * finding every match re-reads what lies after each one (a pattern such as `a.*b|a` reads to
 * the end of the text for every `a`), so each search reads a bounded window instead, and the
 * windows read in all are counted.
 */
export interface AnswerLimits {
  /** Longer text is not read at all (the default equals the default output limit). */
  scanChars: number;
  /** Answers collected from one output before the checker stops. */
  answers: number;
  /** The longest match, and the farthest a search looks past where a match starts. */
  matchChars: number;
  /**
   * Characters the searches may be handed in all: each search is charged its whole window,
   * once per 64 instructions of the compiled pattern (the IntroClass patterns are under 64).
   */
  workChars: number;
}

export const ANSWER_LIMITS: AnswerLimits = {
  scanChars: 1024 * 1024,
  answers: 10_000,
  matchChars: 1024,
  workChars: 32 * 1024 * 1024,
};

/** The event loop gets a turn after every this many characters handed to the engine (weighted as workChars). */
export const YIELD_EVERY_CHARS = 64 * 1024;

export type AnswerLimitKind = 'scan' | 'answers' | 'match' | 'work';

export interface Extraction {
  answers: string[];
  /** Set when a limit stopped the extraction: the answers are then incomplete. */
  limit?: { kind: AnswerLimitKind; detail: string };
  /** What the extraction cost: searches run, characters handed to them, turns given to the event loop. */
  work: { searches: number; chars: number; yields: number };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Every answer `pattern` states in `text`: for each match, left to right and not overlapping,
 * the first capture group that took part, else the whole match; empty matches are skipped,
 * as JavaScript's matchAll would. Each search reads at most 2 × matchChars characters, so the
 * result is JavaScript's whenever every match (and every longer match the pattern would prefer
 * where one starts) fits in matchChars; a longer match stops the extraction with a limit.
 */
export async function extractAnswers(
  pattern: AnswerPattern,
  text: string,
  foldCase: boolean,
  limits: AnswerLimits = ANSWER_LIMITS,
): Promise<Extraction> {
  const answers: string[] = [];
  const work = { searches: 0, chars: 0, yields: 0 };
  const stop = (kind: AnswerLimitKind, detail: string): Extraction => ({ answers, limit: { kind, detail }, work });
  const n = text.length;
  if (n > limits.scanChars)
    return stop(
      'scan',
      `the output is ${n} bytes; the answer checker reads outputs of at most ${limits.scanChars} bytes`,
    );
  const reach = limits.matchChars;
  const window = 2 * reach;
  let sinceYield = 0;
  let pos = 0;
  while (pos <= n) {
    const end = Math.min(n, pos + window);
    work.searches++;
    work.chars += (end - pos + 1) * pattern.costPerChar;
    sinceYield += (end - pos + 1) * pattern.costPerChar;
    if (work.chars > limits.workChars)
      return stop(
        'work',
        `the answer checker gave up after reading ${limits.workChars} characters in ${work.searches} searches (the pattern matches too often, or too far ahead)`,
      );
    // a search sees all the text before `end`, so ^, $ (with m) and \b read the real context
    const m = pattern.re.matcher(end === n ? text : text.slice(0, end));
    const found = mayMatch(pattern, text, pos, end) && m.find(pos);
    if (sinceYield >= YIELD_EVERY_CHARS) {
      sinceYield = 0;
      work.yields++;
      await yieldToEventLoop();
    }
    if (!found) {
      if (end === n) break;
      pos = end - reach; // a match of at most `reach` characters starting before here would have been seen
      continue;
    }
    const start = m.start();
    const stopAt = m.end();
    if (end < n && start >= end - reach) {
      pos = end - reach; // too close to the window's end to know what the pattern prefers here
      continue;
    }
    if (stopAt - start > reach)
      return stop(
        'match',
        `from byte ${start} the answer pattern matches (or would need to look) further than ${reach} bytes, the most the answer checker reads for one answer`,
      );
    if (stopAt === start) {
      pos = stopAt + (pattern.unicode && (text.codePointAt(stopAt) ?? 0) > 0xffff ? 2 : 1);
      continue;
    }
    const answer = firstGroup(m) ?? m.group()!;
    if (answers.length === limits.answers)
      return stop('answers', `the output states more than ${limits.answers} answers; the answer checker stops there`);
    answers.push(foldCase ? answer.toLowerCase() : answer);
    pos = stopAt;
  }
  return { answers, work };
}

/**
 * A fast no: RE2's DFA says whether anything in the window matches, several times quicker than
 * the search that also finds where. One character before `pos` gives \b, \B and ^ (with m)
 * their context; that character may start a match the search would not take, so a yes is
 * checked by the search, and a no is certain.
 */
function mayMatch(pattern: AnswerPattern, text: string, pos: number, end: number): boolean {
  if (end - pos < PRECHECK_FROM_CHARS) return true;
  return pattern.re.test(text.slice(Math.max(0, pos - 1), end));
}

/** Below this a window is searched at once: the DFA's start costs more than it saves. */
const PRECHECK_FROM_CHARS = 256;

function firstGroup(m: ReturnType<AnswerPattern['re']['matcher']>): string | undefined {
  for (let g = 1; g <= m.groupCount(); g++) {
    const v = m.group(g);
    if (v !== null) return v;
  }
  return undefined;
}
