/**
 * Student output is untrusted: it may hold backticks that close a code fence, HTML,
 * @mentions, NUL bytes, invalid UTF-8 (already U+FFFD by the grader), bidirectional
 * overrides that disguise text, and lines long enough to wreck a page. Everything a
 * program printed reaches Markdown only through these functions.
 */

const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
// C0 controls but tab and newline, DEL, C1 controls: matching them is the point
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Makes control, NUL and bidi characters visible instead of active. */
export function neutralise(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(BIDI, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`)
    .replace(CONTROL, (c) => (c === '\u0000' ? '\u2400' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))
    .replace(/\u2400/g, '\\0');
}

export interface Trimmed {
  text: string;
  cut: boolean;
}

/** At most `maxLines` lines of at most `maxWidth` characters, saying what was cut. */
export function trimBlock(text: string, maxLines = 12, maxWidth = 160): Trimmed {
  const lines = neutralise(text).replace(/\n$/, '').split('\n');
  let cut = false;
  const kept = lines.slice(0, maxLines).map((l) => {
    if (l.length <= maxWidth) return l;
    cut = true;
    return `${l.slice(0, maxWidth - 1)}…`;
  });
  if (lines.length > maxLines) {
    cut = true;
    kept.push(`… ${lines.length - maxLines} more line${lines.length - maxLines === 1 ? '' : 's'}`);
  }
  return { text: kept.join('\n'), cut };
}

/**
 * A fenced code block that the content cannot close: the fence is one backtick longer
 * than the longest run of backticks inside. Mentions, HTML and Markdown are inert in it.
 */
export function fence(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(Math.max(3, longest + 1));
  return `${ticks}${info}\n${text}\n${ticks}`;
}

/** Inline code for a short untrusted value (an answer): never breaks out of its backticks. */
export function inlineCode(text: string, maxWidth = 60): string {
  let t = neutralise(text).replace(/\n/g, '↵');
  if (t.length > maxWidth) t = `${t.slice(0, maxWidth - 1)}…`;
  if (t === '') return '*(nothing)*';
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t.startsWith(' ') ? ' ' : '';
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

/** GitHub refuses comments and check-run texts over 65,535 characters: stay under with room. */
export const GITHUB_TEXT_LIMIT = 65_535;

export function capLength(markdown: string, limit = 60_000): string {
  if (markdown.length <= limit) return markdown;
  const note = '\n\n*(Feedback shortened: it was longer than GitHub allows.)*\n';
  let cut = markdown.slice(0, limit - note.length);
  // never leave a code fence open
  const fences = [...cut.matchAll(/^(`{3,})/gm)];
  if (fences.length % 2 === 1) cut += `\n${fences.at(-1)![1]}`;
  return cut + note;
}
