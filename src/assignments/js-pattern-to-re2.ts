/**
 * Rewrites a JavaScript regular expression (the syntax assignment.yml documents) into RE2
 * syntax with the same meaning, so the answer checker can run it on a linear-time engine.
 * Constructs whose meaning differs between the two are spelled out explicitly (`.`, `\s`,
 * every literal as `\x{…}`); constructs RE2 cannot run at all (backreferences, lookaround)
 * are refused. The input must already be a valid JavaScript pattern for its flags.
 */

export class UnsupportedPatternError extends Error {
  override name = 'UnsupportedPatternError';
}

export interface TranslatedPattern {
  /** The pattern in RE2 syntax (flags i and m are passed to the engine separately). */
  source: string;
  /** The fewest characters a match can span: 0 means it can match empty text. */
  minLength: number;
}

const MAX_CODE_POINT = 0x10ffff;
/** What JavaScript's \s matches (ECMAScript WhiteSpace and LineTerminator); RE2's \s is only [\t\n\f\r ]. */
const JS_SPACE: ReadonlyArray<readonly [number, number]> = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
/** JavaScript's `.` stops at every line terminator; RE2's only at \n. */
const JS_LINE_TERMINATORS: ReadonlyArray<readonly [number, number]> = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];

function complement(ranges: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const hex = (cp: number) => `\\x{${cp.toString(16)}}`;
const rangeItems = (ranges: ReadonlyArray<readonly [number, number]>) =>
  ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');

const SPACE_ITEMS = rangeItems(JS_SPACE);
const NOT_SPACE_ITEMS = rangeItems(complement(JS_SPACE));
const ANY_CHAR = `[${hex(0)}-${hex(MAX_CODE_POINT)}]`;
const NO_CHAR = `[^${hex(0)}-${hex(MAX_CODE_POINT)}]`;
const DOT = `[^${rangeItems(JS_LINE_TERMINATORS)}]`;

/** A literal character, written so that no RE2 metacharacter or escape can be read into it. */
const literal = (cp: number) => (/^[A-Za-z0-9]$/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : hex(cp));

const isHex = (s: string) => /^[0-9A-Fa-f]+$/.test(s);

type ClassAtom = { char: number } | { set: string };

interface Node {
  re2: string;
  minLength: number;
}

class Translator {
  private i = 0;
  private readonly namedGroups: boolean;

  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
    private readonly dotAll: boolean,
  ) {
    this.namedGroups = /\(\?<[^=!]/.test(src);
  }

  translate(): TranslatedPattern {
    const node = this.alternation();
    if (this.i < this.src.length) throw new UnsupportedPatternError(`unexpected ${this.src[this.i]}`);
    return { source: node.re2, minLength: node.minLength };
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.i + offset];
  }

  private alternation(): Node {
    const alternatives = [this.sequence()];
    while (this.peek() === '|') {
      this.i++;
      alternatives.push(this.sequence());
    }
    return {
      re2: alternatives.map((a) => a.re2).join('|'),
      minLength: Math.min(...alternatives.map((a) => a.minLength)),
    };
  }

  private sequence(): Node {
    let re2 = '';
    let minLength = 0;
    while (this.i < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.quantified(this.atom());
      re2 += atom.re2;
      minLength += atom.minLength;
    }
    return { re2, minLength };
  }

  private quantified(atom: Node): Node {
    const c = this.peek();
    let min: number;
    let text: string;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      min = c === '+' ? 1 : 0;
      text = c;
    } else {
      const m = c === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i)) : null;
      if (!m) return atom;
      this.i += m[0].length;
      min = Number(m[1]);
      text = m[0];
    }
    if (this.peek() === '?') {
      this.i++;
      text += '?';
    }
    return { re2: atom.re2 + text, minLength: min * atom.minLength };
  }

  private atom(): Node {
    const c = this.peek()!;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return { re2: this.characterClass(), minLength: 1 };
      case '.':
        this.i++;
        return { re2: this.dotAll ? ANY_CHAR : DOT, minLength: 1 };
      case '^':
      case '$':
        this.i++;
        return { re2: c, minLength: 0 };
      case '\\':
        return this.escape();
      default:
        return { re2: literal(this.codePoint()), minLength: 1 };
    }
  }

  /** The next character as a code point: a surrogate pair is one only with the u flag. */
  private codePoint(): number {
    const cp = this.unicode ? this.src.codePointAt(this.i)! : this.src.charCodeAt(this.i);
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private group(): Node {
    const rest = this.src.slice(this.i);
    let open: string;
    if (rest.startsWith('(?:')) open = '(?:';
    else if (/^\(\?(=|!|<=|<!)/.test(rest))
      throw new UnsupportedPatternError('lookahead and lookbehind ((?= (?! (?<= (?<!) are not supported');
    else if (rest.startsWith('(?<')) {
      const name = /^\(\?<([^>]+)>/.exec(rest)![1]!;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new UnsupportedPatternError(`group name "${name}": only letters, digits and _ are supported`);
      open = `(?P<${name}>`;
    } else open = '(';
    this.i += open === '(' || open === '(?:' ? open.length : rest.indexOf('>') + 1;
    const inner = this.alternation();
    this.i++; // the closing parenthesis, which JavaScript's own parser has checked
    return { re2: `${open}${inner.re2})`, minLength: inner.minLength };
  }

  /** \d \D \w \W \s \S (after the backslash) as the items of a character class; undefined for any other escape. */
  private perlClass(): string | undefined {
    const c = this.peek() ?? '';
    const set = c === 's' ? SPACE_ITEMS : c === 'S' ? NOT_SPACE_ITEMS : /^[dDwW]$/.test(c) ? `\\${c}` : undefined;
    if (set !== undefined) this.i++;
    return set;
  }

  /** After a backslash, outside a class. */
  private escape(): Node {
    this.i++;
    const set = this.perlClass();
    if (set !== undefined) return { re2: `[${set}]`, minLength: 1 };
    const c = this.peek()!;
    switch (c) {
      case 'b':
      case 'B':
        this.i++;
        return { re2: `\\${c}`, minLength: 0 };
      case 'p':
      case 'P':
        if (this.unicode) return { re2: this.property(), minLength: 1 };
        break;
      case 'k':
        if (this.unicode || this.namedGroups)
          throw new UnsupportedPatternError('backreferences (\\k<name>) are not supported');
        break;
    }
    if (/[1-9]/.test(c))
      throw new UnsupportedPatternError('backreferences and octal escapes (\\1 … \\9) are not supported');
    const cp = this.characterEscape(false);
    return { re2: cp === null ? hex(0x5c) : literal(cp), minLength: 1 };
  }

  /**
   * A character escape (after the backslash, at its first character); null for a lone `\c`,
   * which JavaScript reads as a backslash followed by the letter c (left unread here).
   */
  private characterEscape(inClass: boolean): number | null {
    const c = this.peek()!;
    const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, v: 0x0b };
    if (simple[c] !== undefined) {
      this.i++;
      return simple[c]!;
    }
    if (c === '0') {
      if (/[0-9]/.test(this.peek(1) ?? ''))
        throw new UnsupportedPatternError('octal escapes (\\0 followed by digits) are not supported');
      this.i++;
      return 0;
    }
    if (/[1-9]/.test(c)) throw new UnsupportedPatternError('octal escapes (\\1 … \\9 in a class) are not supported');
    if (c === 'c') {
      const next = this.peek(1) ?? '';
      if (/[A-Za-z]/.test(next) || (inClass && !this.unicode && /[0-9_]/.test(next))) {
        this.i += 2;
        return next.charCodeAt(0) % 32;
      }
      return null;
    }
    if (c === 'x' && isHex(this.src.slice(this.i + 1, this.i + 3)) && this.i + 3 <= this.src.length) {
      this.i += 3;
      return parseInt(this.src.slice(this.i - 2, this.i), 16);
    }
    if (c === 'u') {
      const braces = this.unicode ? /^u\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(this.i)) : null;
      if (braces) {
        this.i += braces[0].length;
        return parseInt(braces[1]!, 16);
      }
      const four = this.src.slice(this.i + 1, this.i + 5);
      if (four.length === 4 && isHex(four)) {
        this.i += 5;
        const unit = parseInt(four, 16);
        const low = /^\\u([0-9A-Fa-f]{4})/.exec(this.src.slice(this.i));
        if (this.unicode && unit >= 0xd800 && unit <= 0xdbff && low) {
          const l = parseInt(low[1]!, 16);
          if (l >= 0xdc00 && l <= 0xdfff) {
            this.i += 6;
            return (unit - 0xd800) * 0x400 + (l - 0xdc00) + 0x10000;
          }
        }
        return unit;
      }
    }
    // an identity escape: the character itself (\. \/ \- and, without the u flag, \a \e \z …)
    return this.codePoint();
  }

  /** \p{…} or \P{…} with the u flag: a Unicode category or script, which RE2 names the same way. */
  private property(): string {
    const m = /^([pP])\{([^}]*)\}/.exec(this.src.slice(this.i))!;
    this.i += m[0].length;
    let name = m[2]!;
    const eq = /^(General_Category|gc|Script|sc)=(.+)$/.exec(name);
    if (eq) name = eq[2]!;
    if (!/^[A-Za-z_]+$/.test(name))
      throw new UnsupportedPatternError(`\\${m[1]}{${m[2]}}: only a category or script name is supported`);
    return `\\${m[1]}{${name}}`;
  }

  private characterClass(): string {
    this.i++;
    const negated = this.peek() === '^';
    if (negated) this.i++;
    if (this.peek() === ']') {
      this.i++;
      return negated ? ANY_CHAR : NO_CHAR;
    }
    let items = '';
    while (this.peek() !== ']') {
      const a = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.i++;
        const b = this.classAtom();
        if ('char' in a && 'char' in b) items += `${hex(a.char)}-${hex(b.char)}`;
        else items += this.classItem(a) + hex(0x2d) + this.classItem(b); // [\d-x]: a literal hyphen
      } else items += this.classItem(a);
    }
    this.i++;
    return `[${negated ? '^' : ''}${items}]`;
  }

  private classItem(a: ClassAtom): string {
    return 'char' in a ? hex(a.char) : a.set;
  }

  private classAtom(): ClassAtom {
    if (this.peek() !== '\\') return { char: this.codePoint() };
    this.i++;
    const set = this.perlClass();
    if (set !== undefined) return { set };
    switch (this.peek()) {
      case 'b':
        this.i++;
        return { char: 0x08 };
      case 'p':
      case 'P':
        if (this.unicode) return { set: this.property() };
        break;
    }
    const cp = this.characterEscape(true);
    return { char: cp ?? 0x5c };
  }
}

/** Translates `pattern` (JavaScript syntax, flags from i, m, s, u) into RE2 syntax. */
export function jsPatternToRe2(pattern: string, flags: string): TranslatedPattern {
  return new Translator(pattern, flags.includes('u'), flags.includes('s')).translate();
}
