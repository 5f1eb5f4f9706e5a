/**
 * report.html beside report.md: the same report for a browser, with its charts inlined (the
 * SVG files it names), so the one file can be mailed or archived. Renders the Markdown the
 * reports write: headings, paragraphs, tables, images, **bold** and `code`; nothing else is
 * needed, and nothing else is interpreted (all text is escaped).
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(s: string): string {
  return esc(s)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, text: string, href: string) =>
      /^(https?:|#|[\w./-]+$)/.test(href) ? `<a href="${href}">${text}</a>` : text,
    );
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

export function reportHtml(markdown: string, svgs: Record<string, string> = {}, title = 'fixsense report'): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{1,4}) (.*)$/.exec(line);
    const image = /^!\[([^\]]*)\]\(([^)]+)\)$/.exec(line.trim());
    if (heading) {
      flush();
      out.push(`<h${heading[1]!.length}>${inline(heading[2]!)}</h${heading[1]!.length}>`);
    } else if (image) {
      flush();
      const svg = svgs[image[2]!];
      out.push(
        svg ? `<figure>${svg}<figcaption>${esc(image[1]!)}</figcaption></figure>` : `<p>[${esc(image[1]!)}]</p>`,
      );
    } else if (line.trim().startsWith('|')) {
      flush();
      const rows: string[] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) rows.push(lines[i++]!);
      i--;
      const [head, , ...body] = rows;
      out.push(
        '<table>',
        `<thead><tr>${cells(head!)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead>`,
        `<tbody>${body
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${inline(c)}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</tbody>`,
        '</table>',
      );
    } else if (!line.trim()) flush();
    else para.push(line.trim());
  }
  flush();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;color:#222}',
    'table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}',
    'th{background:#f3f3f3}figure{margin:1em 0}code{background:#f3f3f3;padding:0 .2em}</style>',
    '</head><body>',
    ...out,
    '</body></html>',
    '',
  ].join('\n');
}
