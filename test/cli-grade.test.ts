import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testReportSchema } from '../src/grading/report.js';
import { runCli } from './helpers/run-cli.js';
import { tempAssignment } from './helpers/temp-assignment.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-cli-'));
function cFile(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const median = cFile(
  'median.c',
  `#include <stdio.h>
int main(void) {
  int a, b, c, m;
  printf("three numbers please: ");
  if (scanf("%d %d %d", &a, &b, &c) != 3) return 1;
  if ((a <= b && b <= c) || (c <= b && b <= a)) m = b;
  else if ((b <= a && a <= c) || (c <= a && a <= b)) m = a;
  else m = c;
  printf("%d is the median\\n", m);
  return 0;
}
`,
);
// forgets equal values: with two equal numbers it falls through to c
const buggy = cFile('buggy.c', fs.readFileSync(median, 'utf8').replaceAll('<=', '<'));

describe('fixsense grade', () => {
  it('--json prints the stable test report contract', () => {
    const r = runCli(['grade', median, '--assignment', 'median', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = testReportSchema.parse(JSON.parse(r.stdout));
    expect(report.compiled).toBe(true);
    expect(report.verdict).toBe('PASS');
    expect(report.tests.length).toBeGreaterThanOrEqual(13);
    for (const t of report.tests) {
      expect(t.id).toMatch(/^(blackbox|whitebox)\/\d+$/);
      expect(t.verdict).toBe('PASS');
    }
    expect(report.source.file).toBe('median.c');
  });

  it('prints a readable table with input, expected and actual excerpts of failing tests', () => {
    const r = runCli(['grade', buggy, '--assignment', 'median']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/TEST\s+VERDICT/);
    expect(r.stdout).toMatch(/WRONG_ANSWER/);
    expect(r.stdout).toContain('Failing tests');
    expect(r.stdout).toMatch(/input:\s+\S/);
    expect(r.stdout).toMatch(/expected:\s+\S/);
    expect(r.stdout).toMatch(/actual:\s+\S/);
    expect(r.stdout).toMatch(/\d+\/\d+ passed/);
  });

  it('reports a compile error with the diagnostics, under the student file name', () => {
    const broken = cFile('broken.c', 'int main(void) { return x; }\n');
    const r = runCli(['grade', broken, '--assignment', 'median', '--json']);
    expect(r.status).toBe(1);
    const report = testReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ compiled: false, verdict: 'COMPILE_ERROR', tests: [] });
    expect(report.compile.messages[0]).toMatchObject({ line: 1, severity: 'error' });
    expect(report.compile.diagnostics).toContain('broken.c:1:');
  });

  it('a missing file is a clear error with exit status 2', () => {
    const r = runCli(['grade', path.join(dir, 'nope.c'), '--assignment', 'median']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nope\.c: no such file/);
    expect(r.stdout).toBe('');
  });

  it('a broken assignment names the file and the problem, exit status 2', () => {
    const a = tempAssignment('broken', [{ input: '1\n', expected: '1\n' }], 'limits: {cpu_ms: fast}\n');
    const r = runCli(['grade', median, '--assignment', a]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`broken assignment: ${path.join(a, 'assignment.yml')}: limits.cpu_ms`);
  });

  it('an unknown assignment name lists the bundled ones', () => {
    const r = runCli(['grade', median, '--assignment', 'nosuch']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no bundled assignment of that name \(bundled: .*median/);
  });

  it('a bad option value is refused', () => {
    const r = runCli(['grade', median, '--assignment', 'median', '--reruns', 'lots']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--reruns must be an integer/);
  });
});

describe('fixsense grade with feedback', () => {
  it('--format json adds the prediction and the rendered feedback to the report', () => {
    const r = runCli(['grade', buggy, '--assignment', 'median', '--format', 'json']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(testReportSchema.safeParse(out).success).toBe(true);
    expect(out.prediction).toMatchObject({ fixType: expect.any(String), confidence: expect.any(Number) });
    expect(out.feedback.comment).toContain('tests pass**');
    expect(out.feedback.check).toMatchObject({ conclusion: 'failure', title: expect.stringMatching(/tests pass/) });
    expect(typeof out.feedback.review.flagged).toBe('boolean');
  });

  it('--format markdown prints the comment a student would get', () => {
    const r = runCli(['grade', buggy, '--assignment', 'median', '--format', 'markdown']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^### 🔎 Median of three: `buggy\.c`/);
    expect(r.stdout).toContain('#### Next step');
  });

  it('the text table ends with the kind of fix and the next step', () => {
    const r = runCli(['grade', buggy, '--assignment', 'median']);
    expect(r.stdout).toMatch(/Kind of fix: (.+ \(\w+, \d+% sure\)|withheld)/);
    expect(r.stdout).toContain('Next step: ');
  });

  it('a missing model does not stop grading: the feedback says so', () => {
    const r = runCli([
      'grade',
      buggy,
      '--assignment',
      'median',
      '--format',
      'markdown',
      '--model',
      '/nonexistent/model',
    ]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('No hint about the kind of fix this time');
    expect(r.stderr).toContain('no student model');
  });

  it('broken course templates stop with a clear error', () => {
    const t = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-badtpl-'));
    fs.writeFileSync(path.join(t, 'comment.md.hbs'), '{{#each}}');
    const r = runCli(['grade', median, '--assignment', 'median', '--templates', t]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken templates: .*comment\.md\.hbs/);
  });
});
