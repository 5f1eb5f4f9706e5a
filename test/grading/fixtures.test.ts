/**
 * The bundled fixtures are the project's own ground truth: every reference solution
 * passes its tests, and every student-like submission is graded as its manifest says.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { fixtureAssignmentsDir, resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../../src/fixtures/submission-manifest.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { checkReference } from '../../src/grading/reference-outputs.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';

const sandbox = new Sandbox();
const names = fs.readdirSync(fixtureAssignmentsDir).sort();
const manifest = await loadSubmissionManifest();
const assignments = new Map<string, Assignment>();
for (const n of names) assignments.set(n, await loadAssignment(resolveAssignment(n)));

const MINIMUM_TESTS: Record<string, number> = {
  checksum: 16,
  digits: 16,
  grade: 18,
  median: 13,
  smallest: 16,
  syllables: 16,
};

describe('fixture assignments', () => {
  it('are the six IntroClass-style programs, each with at least as many tests as IntroClass', () => {
    expect(names).toEqual(Object.keys(MINIMUM_TESTS));
    for (const n of names) {
      const a = assignments.get(n)!;
      expect(a.tests.length, n).toBeGreaterThanOrEqual(MINIMUM_TESTS[n]!);
      expect(a.checker.type, n).toBe('answer');
      expect(fs.existsSync(`${a.dir}/spec.md`), n).toBe(true);
    }
  });

  it.each(names)('%s: the reference passes every test, deterministically', async (n) => {
    const { report, changed } = await checkReference(assignments.get(n)!, sandbox);
    expect(report.tests.filter((t) => t.verdict !== 'PASS' || t.nondeterministic)).toEqual([]);
    expect(changed).toEqual([]); // the .out files are exactly what the reference prints
  });
});

describe('fixture submissions', () => {
  it('cover every fix type, correct programs and compile errors', () => {
    expect(new Set(manifest.map((s) => s.fix_type).filter(Boolean)).size).toBe(10);
    expect(manifest.filter((s) => s.expect === 'PASS').length).toBeGreaterThanOrEqual(6);
    expect(manifest.filter((s) => s.expect === 'COMPILE_ERROR').length).toBeGreaterThanOrEqual(3);
    for (const s of manifest) expect(fs.existsSync(s.path), s.file).toBe(true);
  });

  it.each(manifest.map((s) => [s.file, s] as const))('%s is graded as the manifest says', async (_, s) => {
    const report = await gradeSubmission(fs.readFileSync(s.path), assignments.get(s.assignment)!, sandbox);
    expect(report.verdict).toBe(s.expect);
    const failing = report.tests.filter((t) => t.verdict !== 'PASS');
    expect(failing.map((t) => t.id)).toEqual(s.failing ?? []);
    expect([...new Set(failing.map((t) => t.verdict))].sort()).toEqual([...(s.verdicts ?? [])].sort());
    if (s.expect === 'COMPILE_ERROR') expect(report.compile.messages.some((m) => m.severity === 'error')).toBe(true);
  });
});
