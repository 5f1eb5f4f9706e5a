import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { tempAssignment } from './helpers/temp-assignment.js';

const doubler = `#include <stdio.h>
int main(void) { int x; printf("number? "); scanf("%d", &x); printf("%d doubled\\n", 2 * x); return 0; }
`;

describe('fixsense assignment check', () => {
  it('--write-expected fills the .out files from the reference, starting from .in files alone', () => {
    const dir = tempAssignment('doubling', [{ input: '4\n', expected: 'stale\n' }], undefined, {
      'reference.c': doubler,
    });
    fs.writeFileSync(path.join(dir, 'tests/blackbox/2.in'), '-3\n'); // no 2.out yet
    const w = runCli(['assignment', 'check', dir, '--write-expected']);
    expect(w.stderr).toBe('');
    expect(w.status).toBe(0);
    expect(w.stdout).toContain('wrote the expected outputs of all 2 tests');
    expect(fs.readFileSync(path.join(dir, 'tests/blackbox/1.out'), 'utf8')).toBe('number? 8 doubled\n');
    expect(fs.readFileSync(path.join(dir, 'tests/blackbox/2.out'), 'utf8')).toBe('number? -6 doubled\n');
    const c = runCli(['assignment', 'check', dir]);
    expect(c.status).toBe(0);
    expect(c.stdout).toContain('reference.c passes all 2 tests');
  });

  it('fails with the failing tests when the reference disagrees with an expected output', () => {
    const dir = tempAssignment(
      'doubling',
      [{ input: '4\n', expected: 'number? 9 doubled\n' }],
      'checker: {type: exact}\n',
      { 'reference.c': doubler },
    );
    const r = runCli(['assignment', 'check', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('reference.c fails 1 test(s): blackbox/1 WRONG_ANSWER');
  });

  it('refuses to write expected outputs from a reference that crashes', () => {
    const crash = '#include <stdio.h>\nint main(void) { int *p = 0; printf("x"); return *p; }\n';
    const dir = tempAssignment('crashing', [{ input: '1\n', expected: '' }], undefined, { 'reference.c': crash });
    const r = runCli(['assignment', 'check', dir, '--write-expected']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot produce expected outputs:\n\s+blackbox\/1: RUNTIME_ERROR/);
  });
});
