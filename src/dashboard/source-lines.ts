import hljs from 'highlight.js/lib/core';
import c from 'highlight.js/lib/languages/c';

hljs.registerLanguage('c', c);

/** Beyond this a program is shown as plain text: highlighting a huge file would hold the page up. */
const HIGHLIGHT_MAX_BYTES = 200_000;

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * The program as highlighted HTML, one string per line. highlight.js escapes every character of
 * the source it emits; its spans can run across lines (a block comment), so each line closes
 * the spans still open and the next reopens them, and every line is whole HTML on its own.
 */
export function highlightedLines(source: string): string[] {
  const html =
    source.length > HIGHLIGHT_MAX_BYTES
      ? escapeHtml(source)
      : hljs.highlight(source, { language: 'c', ignoreIllegals: true }).value;
  const lines: string[] = [];
  const open: string[] = [];
  let line = '';
  const tag = /<span class="[\w -]*">|<\/span>|\n/g;
  let last = 0;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    line += html.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '\n') {
      lines.push(line + '</span>'.repeat(open.length));
      line = open.join('');
    } else if (m[0] === '</span>') {
      open.pop();
      line += m[0];
    } else {
      open.push(m[0]);
      line += m[0];
    }
  }
  line += html.slice(last);
  lines.push(line + '</span>'.repeat(open.length));
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}
