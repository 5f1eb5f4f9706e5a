export interface DiffLine {
  /** same: in both; expected: only in the expected output; actual: only in what the program printed. */
  kind: 'same' | 'expected' | 'actual';
  text: string;
}

/** Past this many lines a side is compared as it is (the LCS table grows with the product). */
const MAX_LINES = 400;

const splitLines = (s: string) => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/**
 * A line diff of expected and actual output (longest common subsequence), for a TA to see
 * at a glance where a program's output leaves the expected one. Whitespace counts: a
 * trailing space is a difference, shown as one.
 */
export function lineDiff(expected: string, actual: string): DiffLine[] {
  const a = splitLines(expected).slice(0, MAX_LINES);
  const b = splitLines(actual).slice(0, MAX_LINES);
  const n = a.length;
  const m = b.length;
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push({ kind: 'actual', text: b[j++]! });
    else out.push({ kind: 'expected', text: a[i++]! });
  }
  return out;
}

/** Spaces and tabs made visible, so a diff that differs only in them shows why. */
export const visibleWhitespace = (s: string): string =>
  s.replace(/ +$/g, (m) => '·'.repeat(m.length)).replace(/\t/g, '→');
