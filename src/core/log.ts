/** Keys every line owns: a field of the same name (or of a name already taken) is kept as `field_<name>`. */
const OWN_KEYS = new Set(['time', 'event']);

/**
 * One JSON line per event on stdout: easy to read, easy to ship to any log store. Fields
 * often carry request data (headers, payload values), so none of them can replace the
 * line's own time or event name.
 */
export function log(event: string, fields: Record<string, unknown> = {}): void {
  if (process.env.FIXSENSE_QUIET === '1') return;
  // no prototype: a field named __proto__ stays a field
  const line: Record<string, unknown> = Object.assign(Object.create(null), { time: new Date().toISOString(), event });
  for (const [key, value] of Object.entries(fields)) {
    let k = key;
    while (OWN_KEYS.has(k) || k in line) k = `field_${k}`;
    line[k] = value;
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
