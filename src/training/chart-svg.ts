/** Small self-contained SVG charts for the reports: grouped bars (shares) and lines over k. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];

/** The SVG's opening, background, title, and the horizontal grid of shares 0..1 from x0 to x1. */
function frame(
  title: string,
  width: number,
  height: number,
  x0: number,
  x1: number,
  y: (v: number) => number,
): string[] {
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${x0}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of [0, 0.25, 0.5, 0.75, 1])
    parts.push(
      `<line x1="${x0}" x2="${x1}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${x0 - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`,
    );
  return parts;
}

/** Bars of shares (0..1): one group per category, one bar per series. */
export function barChartSvg(title: string, categories: string[], series: { name: string; values: number[] }[]): string {
  const groupW = 40 + 28 * series.length;
  const left = 50;
  const top = 40;
  const h = 200;
  const width = left + groupW * categories.length + 160;
  const height = top + h + 60;
  const y = (v: number) => top + h - v * h;
  const parts = frame(title, width, height, left, left + groupW * categories.length, y);
  categories.forEach((c, i) => {
    const x0 = left + i * groupW + 20;
    series.forEach((s, j) => {
      const v = Math.max(0, Math.min(1, s.values[i] ?? 0));
      parts.push(
        `<rect x="${x0 + j * 28}" y="${y(v)}" width="24" height="${top + h - y(v)}" fill="${COLOURS[j % COLOURS.length]}"/>`,
        `<text x="${x0 + j * 28 + 12}" y="${y(v) - 3}" text-anchor="middle" font-size="9">${v.toFixed(2)}</text>`,
      );
    });
    parts.push(`<text x="${x0 + (28 * series.length) / 2}" y="${top + h + 16}" text-anchor="middle">${esc(c)}</text>`);
  });
  series.forEach((s, j) => {
    const lx = left + groupW * categories.length + 20;
    parts.push(
      `<rect x="${lx}" y="${top + j * 18}" width="12" height="12" fill="${COLOURS[j % COLOURS.length]}"/>`,
      `<text x="${lx + 18}" y="${top + j * 18 + 10}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Lines of shares (0..1) over numeric x values (the learning curve over k). */
export function lineChartSvg(
  title: string,
  xLabel: string,
  xs: number[],
  series: { name: string; values: (number | null)[] }[],
): string {
  const left = 50;
  const top = 40;
  const w = 360;
  const h = 200;
  const width = left + w + 180;
  const height = top + h + 50;
  const maxX = Math.max(1, ...xs);
  const x = (v: number) => left + (v / maxX) * w;
  const y = (v: number) => top + h - v * h;
  const parts = frame(title, width, height, left, left + w, y);
  for (const v of xs) parts.push(`<text x="${x(v)}" y="${top + h + 16}" text-anchor="middle">${v}</text>`);
  parts.push(`<text x="${left + w / 2}" y="${top + h + 34}" text-anchor="middle">${esc(xLabel)}</text>`);
  series.forEach((s, j) => {
    const colour = COLOURS[j % COLOURS.length];
    const pts = xs.flatMap((v, i) =>
      s.values[i] === null || s.values[i] === undefined ? [] : [[x(v), y(s.values[i]!)]],
    );
    parts.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => p.join(',')).join(' ')}"/>`,
      ...pts.map((p) => `<circle cx="${p[0]}" cy="${p[1]}" r="3" fill="${colour}"/>`),
      `<rect x="${left + w + 20}" y="${top + j * 18}" width="12" height="12" fill="${colour}"/>`,
      `<text x="${left + w + 38}" y="${top + j * 18 + 10}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
