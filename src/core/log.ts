/** One JSON line per event on stdout: easy to read, easy to ship to any log store. */
export function log(event: string, fields: Record<string, unknown> = {}): void {
  if (process.env.FIXSENSE_QUIET === '1') return;
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
}
