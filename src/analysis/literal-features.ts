import type { TestReport } from '../grading/report.js';
import type { Tree } from './parse-c.js';
import { escapeRegExp } from '../core/escape-regexp.js';

/**
 * How the program's printed texts compare with what the tests expect. The expected
 * outputs are the reference's own prints, so an answer line of the program that matches
 * none of them, yet shares most of their words, is a formatting slip ("a B grade" for "an
 * B grade"), while a program whose texts all match prints the right words around wrong values.
 */
export const LITERAL_FEATURES = ['fragments', 'matched', 'near_miss', 'unknown_words', 'answer_lines_covered'] as const;
export type LiteralFeatureName = (typeof LITERAL_FEATURES)[number];

const SPEC = /%[-+ #0]*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|L|z|j|t)?[diouxXeEfgGcsp]/g;

function decodeC(lit: string): string {
  return lit.replace(
    /\\(n|t|\\|"|'|r|0)/g,
    (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", r: '\r', '0': '' })[c] ?? c,
  );
}

export interface Fragment {
  text: string;
  /** The program prints a newline right after it. */
  endsLine: boolean;
}

/** The text pieces the program prints that carry an answer: they hold a conversion or end a line. */
export function answerFragments(tree: Tree): Fragment[] {
  const out: Fragment[] = [];
  // one native call for the calls, in source order, instead of a walk over every node
  for (const n of tree.rootNode.descendantsOfType('call_expression')) {
    const name = n.childForFieldName('function')?.text;
    if (name !== 'printf' && name !== 'puts') continue;
    const first = n.childForFieldName('arguments')?.namedChildren[0];
    if (first?.type !== 'string_literal') continue;
    const text = decodeC(first.text.slice(1, -1)).replace(/%%/g, '%') + (name === 'puts' ? '\n' : '');
    const pieces = text.split('\n');
    pieces.forEach((p, i) => {
      const endsLine = i < pieces.length - 1;
      if (/[a-z]{2}/i.test(p) && (SPEC.test(p) || endsLine)) out.push({ text: p.trim(), endsLine });
      SPEC.lastIndex = 0;
    });
  }
  return out;
}

function fragmentRegex(f: Fragment): RegExp {
  const parts = f.text.split(SPEC).filter((_, i) => i % 5 === 0);
  const body = parts.map((p) => escapeRegExp(p ?? '')).join('[\\s\\S]*?');
  // a piece that ends a printed line must end a line of the expected output too
  return new RegExp(f.endsLine ? `${body}[ \\t]*(\\n|$)` : body);
}

const words = (s: string) => (s.replace(SPEC, ' ').match(/[a-z]{2,}/gi) ?? []).map((w) => w.toLowerCase());

export function literalFeatures(tree: Tree, report: TestReport): Record<LiteralFeatureName, number> {
  const fragments = answerFragments(tree);
  const expectedText = [...new Set(report.tests.map((t) => t.expected))].join('\n');
  const vocabulary = new Set(words(expectedText));
  const lastLines = [...new Set(report.tests.map((t) => t.expected.trimEnd().split('\n').at(-1) ?? ''))].filter(
    Boolean,
  );
  const regexes = fragments.map(fragmentRegex);
  const matched = regexes.map((re) => re.test(expectedText));
  let nearMiss = 0;
  let unknown = 0;
  let total = 0;
  fragments.forEach((fr, i) => {
    const ws = words(fr.text);
    const known = ws.filter((w) => vocabulary.has(w)).length;
    total += ws.length;
    unknown += ws.length - known;
    if (!matched[i] && ws.length > 0 && known / ws.length >= 0.6) nearMiss = 1;
  });
  const covered = lastLines.filter((l) => regexes.some((re, i) => matched[i] && re.test(l))).length;
  return {
    fragments: Math.log1p(fragments.length),
    matched: fragments.length ? matched.filter(Boolean).length / fragments.length : 0,
    near_miss: nearMiss,
    unknown_words: total ? unknown / total : 0,
    answer_lines_covered: lastLines.length ? covered / lastLines.length : 0,
  };
}
