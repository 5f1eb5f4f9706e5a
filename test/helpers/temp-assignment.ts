import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempTest {
  suite?: string;
  input: string;
  expected: string;
}

/** Writes an assignment folder into a fresh temporary directory and returns its path. */
export function tempAssignment(
  name: string,
  tests: TempTest[],
  yml?: string,
  extra: Record<string, string> = {},
): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-test-'));
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const counters: Record<string, number> = {};
  for (const t of tests) {
    const suite = t.suite ?? 'blackbox';
    const n = (counters[suite] = (counters[suite] ?? 0) + 1);
    fs.mkdirSync(path.join(dir, 'tests', suite), { recursive: true });
    fs.writeFileSync(path.join(dir, 'tests', suite, `${n}.in`), t.input);
    fs.writeFileSync(path.join(dir, 'tests', suite, `${n}.out`), t.expected);
  }
  if (yml !== undefined) fs.writeFileSync(path.join(dir, 'assignment.yml'), yml);
  for (const [file, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}
