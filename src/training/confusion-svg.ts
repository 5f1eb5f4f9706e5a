/** A confusion matrix as a self-contained SVG: gold fix types in rows, predictions in columns. */
export function confusionSvg(c: { labels: string[]; matrix: number[][] }, title: string): string {
  const cell = 34;
  const left = 170;
  const top = 190;
  const n = c.labels.length;
  const width = left + n * cell + 20;
  const height = top + n * cell + 40;
  const rowMax = c.matrix.map((r) =>
    Math.max(
      1,
      r.reduce((a, b) => a + b, 0),
    ),
  );
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${left + (n * cell) / 2}" y="${top - 150}" text-anchor="middle" font-size="12">predicted</text>`,
    `<text x="14" y="${top + (n * cell) / 2}" font-size="12" transform="rotate(-90 14 ${top + (n * cell) / 2})" text-anchor="middle">teacher label</text>`,
  ];
  c.labels.forEach((l, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text x="${x}" y="${top - 6}" transform="rotate(-60 ${x} ${top - 6})">${esc(l)}</text>`);
  });
  c.labels.forEach((l, i) => {
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(l)}</text>`);
    c.labels.forEach((_, j) => {
      const v = c.matrix[i]![j]!;
      const share = v / rowMax[i]!;
      const colour =
        i === j ? `rgba(30,120,60,${0.15 + 0.85 * share})` : `rgba(190,40,40,${v ? 0.15 + 0.85 * share : 0})`;
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${colour}" stroke="#ccc"/>`);
      if (v)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.6 ? 'white' : 'black'}">${v}</text>`,
        );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
