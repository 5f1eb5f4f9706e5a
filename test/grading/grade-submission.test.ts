import { describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { tempAssignment } from '../helpers/temp-assignment.js';

const sandbox = new Sandbox();
const src = (s: string) => Buffer.from(s);

describe('gradeSubmission', () => {
  it('flags a failing test whose output changes between runs as nondeterministic', async () => {
    const a = await loadAssignment(
      tempAssignment('addr', [{ input: '\n', expected: 'same\n' }], 'checker: {type: exact}\nreruns: 2\n'),
    );
    // ASLR gives every run another stack address
    const r = await gradeSubmission(
      src('#include <stdio.h>\nint main(void) { int x; printf("%p\\n", (void *)&x); return 0; }\n'),
      a,
      sandbox,
    );
    expect(r.tests[0]).toMatchObject({
      verdict: 'WRONG_ANSWER',
      nondeterministic: true,
      rerunVerdicts: ['WRONG_ANSWER', 'WRONG_ANSWER'],
    });
    expect(r.summary.nondeterministic).toBe(true);
  });

  it('starts uninitialised locals at zero, whatever ran before on the same stack', async () => {
    const a = await loadAssignment(
      tempAssignment(
        'uninit',
        [
          { input: '2\n', expected: '1\n' },
          { input: '5\n', expected: '10\n' },
        ],
        'checker: {type: exact}\n',
      ),
    );
    // sum is never set; dirty() has just left 12345 where sum_to's frame lies
    const program = [
      '#include <stdio.h>',
      'void dirty(void) { volatile int x[16]; for (int i = 0; i < 16; i++) x[i] = 12345; }',
      'int sum_to(int n) { int sum; for (int i = 0; i < n; i++) sum += i; return sum; }',
      'int main(void) { int n; scanf("%d", &n); dirty(); printf("%d\\n", sum_to(n)); return 0; }',
    ].join('\n');
    const r = await gradeSubmission(src(program), a, sandbox);
    expect(r.tests.map((t) => t.actual)).toEqual(['1\n', '10\n']);
    // the bug is still reported: the lint pass warns
    expect(r.compile.lint.some((d) => /uninitiali[sz]ed/.test(d.message))).toBe(true);
  });

  it('does not flag a deterministic failure, and re-runs nothing when told so', async () => {
    const a = await loadAssignment(
      tempAssignment('det', [{ input: '\n', expected: 'same\n' }], 'checker: {type: exact}\n'),
    );
    const wrong = src('#include <stdio.h>\nint main(void) { puts("other"); return 0; }\n');
    const r = await gradeSubmission(wrong, a, sandbox);
    expect(r.tests[0]).toMatchObject({
      verdict: 'WRONG_ANSWER',
      nondeterministic: false,
      rerunVerdicts: ['WRONG_ANSWER'],
    });
    const none = await gradeSubmission(wrong, a, sandbox, { reruns: 0 });
    expect(none.tests[0]!.rerunVerdicts).toBeUndefined();
  });

  it('keeps test order across parallel lanes and counts points and hidden tests', async () => {
    const tests = Array.from({ length: 12 }, (_, i) => ({
      suite: i < 8 ? 'blackbox' : 'whitebox',
      input: `${i}\n`,
      expected: `${i * 2}\n`,
    }));
    const a = await loadAssignment(
      tempAssignment(
        'double',
        tests,
        'checker: {type: exact}\nhidden: [whitebox]\npoints: {blackbox: 1, whitebox: 2}\n',
      ),
    );
    // right except for inputs above 9
    const r = await gradeSubmission(
      src(
        '#include <stdio.h>\nint main(void) { int x; scanf("%d", &x); printf("%d\\n", x > 9 ? x : 2 * x); return 0; }\n',
      ),
      a,
      sandbox,
    );
    expect(r.tests.map((t) => t.id)).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `blackbox/${i + 1}`),
      'whitebox/1',
      'whitebox/2',
      'whitebox/3',
      'whitebox/4',
    ]);
    expect(r.tests.map((t) => t.actual)).toEqual(tests.map((_, i) => `${i > 9 ? i : 2 * i}\n`));
    expect(r.summary).toMatchObject({
      total: 12,
      passed: 10,
      failed: 2,
      hiddenTotal: 4,
      hiddenPassed: 2,
      points: { earned: 8 + 4, possible: 16 },
    });
    expect(r.verdict).toBe('FAIL');
  });

  it('with exit_code: must_be_zero a right answer with a non-zero status is a RUNTIME_ERROR', async () => {
    const ok = src('#include <stdio.h>\nint main(void) { puts("4"); return 3; }\n');
    const lenient = await loadAssignment(tempAssignment('exit', [{ input: '\n', expected: '4\n' }]));
    expect((await gradeSubmission(ok, lenient, sandbox)).tests[0]).toMatchObject({ verdict: 'PASS', exitCode: 3 });
    const strict = await loadAssignment(
      tempAssignment('exit', [{ input: '\n', expected: '4\n' }], 'exit_code: must_be_zero\n'),
    );
    expect((await gradeSubmission(ok, strict, sandbox)).tests[0]).toMatchObject({
      verdict: 'RUNTIME_ERROR',
      detail: 'exited with status 3',
    });
  });

  it('a crash names the signal and what it usually means', async () => {
    const a = await loadAssignment(tempAssignment('div', [{ input: '0\n', expected: 'x\n' }]));
    const r = await gradeSubmission(
      src('#include <stdio.h>\nint main(void) { int d; scanf("%d", &d); printf("%d\\n", 10 / d); return 0; }\n'),
      a,
      sandbox,
      { reruns: 0 },
    );
    expect(r.tests[0]).toMatchObject({ verdict: 'RUNTIME_ERROR', signal: 'SIGFPE' });
    expect(r.tests[0]!.detail).toMatch(/division or modulo by zero/);
  });
});
