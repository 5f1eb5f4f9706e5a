import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssignmentError } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { tempAssignment } from '../helpers/temp-assignment.js';

const one = [{ input: '1\n', expected: '2\n' }];

async function rejection(dir: string): Promise<AssignmentError> {
  const err = await loadAssignment(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AssignmentError);
  return err as AssignmentError;
}

describe('loadAssignment', () => {
  it('reads suites and tests in numeric order, with ids <suite>/<N>', async () => {
    const tests = Array.from({ length: 11 }, (_, i) => ({ input: `${i}\n`, expected: `${i}\n` }));
    const dir = tempAssignment('counting', [...tests, { suite: 'whitebox', input: 'w\n', expected: 'w\n' }]);
    const a = await loadAssignment(dir);
    expect(a.tests.map((t) => t.id).slice(0, 3)).toEqual(['blackbox/1', 'blackbox/2', 'blackbox/3']);
    expect(a.tests[9]!.id).toBe('blackbox/10');
    expect(a.tests.at(-1)!.id).toBe('whitebox/1');
    expect(a.tests[10]!.input.toString()).toBe('10\n');
    expect(a.checker).toEqual({ type: 'normalized' });
    expect(a.sourceFile).toBe('counting.c');
  });

  it('infers the answer checker of a plain IntroClass folder from its name', async () => {
    const a = await loadAssignment(tempAssignment('median', one));
    expect(a.checker).toMatchObject({ type: 'answer', pattern: '(-?\\d+) is the median' });
  });

  it('applies assignment.yml: checker, limits, hidden suites, points', async () => {
    const yml = `title: Doubling
source: src/double.c
checker: {type: exact}
limits: {cpu_ms: 500, memory_mb: 64, processes: 3}
hidden: [whitebox]
points: {blackbox: 2, whitebox: 1}
reruns: 0
exit_code: must_be_zero
`;
    const a = await loadAssignment(
      tempAssignment('double', [...one, { suite: 'whitebox', input: '2\n', expected: '4\n' }], yml),
    );
    expect(a.title).toBe('Doubling');
    expect(a.sourceFile).toBe('src/double.c');
    expect(a.limits).toMatchObject({ cpuMs: 500, memoryBytes: 64 << 20, allowFork: true, processes: 5 });
    expect(a.tests.map((t) => [t.id, t.hidden, t.points])).toEqual([
      ['blackbox/1', false, 2],
      ['whitebox/1', true, 1],
    ]);
    expect(a.reruns).toBe(0);
    expect(a.exitCode).toBe('must_be_zero');
  });

  it('rejects a .in without its .out, naming the file', async () => {
    const dir = tempAssignment('x', one);
    fs.writeFileSync(path.join(dir, 'tests/blackbox/2.in'), '3\n');
    const err = await rejection(dir);
    expect(err.message).toContain(path.join(dir, 'tests/blackbox/2.in'));
    expect(err.message).toContain('no matching 2.out');
  });

  it('rejects stray files in a suite', async () => {
    const dir = tempAssignment('x', one);
    fs.writeFileSync(path.join(dir, 'tests/blackbox/notes.txt'), '');
    expect((await rejection(dir)).message).toMatch(/notes\.txt: unexpected file/);
  });

  it('rejects a folder without tests', async () => {
    const dir = tempAssignment('x', []);
    expect((await rejection(dir)).message).toMatch(/tests: missing/);
  });

  it('rejects invalid YAML with its line', async () => {
    const err = await rejection(tempAssignment('x', one, 'title: [unclosed\n'));
    expect(err.message).toContain('assignment.yml');
    expect(err.message).toMatch(/invalid YAML \(line \d+/);
  });

  it('rejects unknown keys, bad values and bad regular expressions, naming each', async () => {
    expect((await rejection(tempAssignment('x', one, 'titel: oops\n'))).message).toMatch(/assignment\.yml: .*titel/);
    expect((await rejection(tempAssignment('x', one, 'limits: {cpu_ms: -5}\n'))).message).toMatch(/limits\.cpu_ms/);
    expect(
      (await rejection(tempAssignment('x', one, "checker: {type: answer, pattern: '(unclosed'}\n"))).message,
    ).toMatch(/checker\.pattern: is not a valid regular expression/);
    expect((await rejection(tempAssignment('x', one, 'checker: {type: fuzzy}\n'))).message).toMatch(/checker/);
    expect((await rejection(tempAssignment('x', one, 'source: ../../etc/passwd.c\n'))).message).toMatch(/source/);
  });

  it('rejects an answer pattern the linear-time engine cannot run, naming the file and the key', async () => {
    const dir = tempAssignment('x', one, "checker: {type: answer, pattern: '(\\d)\\1'}\n");
    expect((await rejection(dir)).message).toBe(
      `${path.join(dir, 'assignment.yml')}: checker.pattern: backreferences and octal escapes (\\1 … \\9) are not supported`,
    );
    expect(
      (await rejection(tempAssignment('x', one, "checker: {type: answer, pattern: '(?<=x)\\d'}\n"))).message,
    ).toMatch(/assignment\.yml: checker\.pattern: lookahead and lookbehind/);
  });

  it('rejects an expected output the answer checker cannot read whole, naming the file', async () => {
    const many = { input: '1\n', expected: '7 is the smallest\n'.repeat(10_001) };
    const dir = tempAssignment('smallest', [many]);
    expect((await rejection(dir)).message).toBe(
      `${path.join(dir, 'tests', 'blackbox', '1.out')}: the answer checker cannot read this expected output: the output states more than 10000 answers; the answer checker stops there`,
    );
  });

  it('rejects hidden suites and points for suites that do not exist', async () => {
    expect((await rejection(tempAssignment('x', one, 'hidden: [secret]\n'))).message).toMatch(
      /hidden: no test suite named "secret"/,
    );
    expect((await rejection(tempAssignment('x', one, 'points: {secret: 1}\n'))).message).toMatch(
      /points: no test suite named "secret"/,
    );
  });

  it('rejects a path that is not a folder', async () => {
    expect((await rejection('/nonexistent/assignment')).message).toMatch(/is not an assignment folder/);
  });
});

describe('resolveAssignment', () => {
  it('finds bundled fixtures by name and lists them when the name is unknown', () => {
    expect(resolveAssignment('median')).toMatch(/fixtures\/assignments\/median$/);
    expect(() => resolveAssignment('no-such-assignment')).toThrow(/bundled: .*median/);
  });
});
