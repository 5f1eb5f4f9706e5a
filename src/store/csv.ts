/**
 * RFC 4180 CSV. A text cell that a spreadsheet would run as a formula (=, +, -, @ first) is
 * prefixed with ' so that opening an export never executes what a student typed.
 */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const csvLine = (cells: (string | number | boolean | null | undefined)[]): string =>
  cells.map(csvCell).join(',') + '\r\n';
