/**
 * An aligned plain-text table for people: numbers right-aligned, text left-aligned, control
 * characters shown as "?" so that a stored value cannot drive the terminal.
 */
export function textTable(header: string[], rows: (string | number)[][]): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const cell = (v: string | number) => String(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const cells = [header, ...rows.map((r) => r.map(cell))];
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || /^[\d.,%/ -]*$/.test(String(r[i]))),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n';
}
