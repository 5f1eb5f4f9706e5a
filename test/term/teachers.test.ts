/**
 * The teachers behind one interface, into one term retrain: TA reviews (checked, held out by
 * student), a label file, and the LLM teacher on a local endpoint; the manifest counts each
 * teacher's labels, and the agreement report gives Cohen's kappa on the programs two share.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { fixturesDir, modelsDir } from '../../src/core/paths.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { versionDir } from '../../src/model/registry.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { ensureRegistry } from '../../src/training/registry-write.js';
import { retrainTerm } from '../../src/training/retrain-term.js';
import { llmTeacher, type LlmProgram } from '../../src/training/teachers/llm-teacher.js';
import { labelsFileTeacher, taTeacher, type ReviewedSubmission } from '../../src/training/teachers/ta-teacher.js';
import { completion, FakeLlm } from '../helpers/fake-llm.js';

const taxonomy = loadTaxonomy();
const sandbox = new Sandbox();
const labels = fs
  .readFileSync(path.join(fixturesDir, 'labels.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { file: string; assignment: string; student: string; fix_type: string; tags: string[] });
const source = (f: string) => fs.readFileSync(path.join(fixturesDir, f), 'utf8');

let llm: FakeLlm | undefined;
afterAll(async () => {
  await llm?.stop();
});

describe('the TA teacher', () => {
  it('takes reviews with their sources, held out by student, and discards what it cannot use, saying why', () => {
    const dirs = new Map([['median', path.join(fixturesDir, 'assignments/median')]]);
    const row = (o: Partial<ReviewedSubmission>): ReviewedSubmission => ({
      submissionId: 1,
      term: 't',
      assignment: 'median',
      student: 'alice',
      source: 'int main(void) { return 1; }',
      fixType: 'MISSING_CASE',
      tags: ['BOUNDARY'],
      reviewer: 'ta',
      ...o,
    });
    const run = taTeacher(
      [
        row({}),
        row({ submissionId: 2, source: null }),
        row({ submissionId: 3, assignment: 'gone' }),
        row({ submissionId: 4, fixType: 'TYPO' }),
        row({ submissionId: 5, tags: [] }),
      ],
      dirs,
      taxonomy,
      'store',
    );
    expect(run.examples.map((e) => [e.id, e.label.teacher, e.assignmentDir])).toEqual([
      ['store:t:1', 'ta', dirs.get('median')],
    ]);
    expect(run.discarded.map((d) => d.reason)).toEqual([
      'its source is not kept (too large or purged)',
      'assignment gone is not in the course',
      'unknown fix type TYPO',
      '0 tags (1 to 4 allowed)',
    ]);
  });
});

describe('a term retrain from three teachers', () => {
  it('counts each teacher’s labels in the manifest and reports their agreement', { timeout: 300_000 }, async () => {
    const median = await loadAssignment(path.join(fixturesDir, 'assignments/median'));
    const ours = labels.filter((l) => l.assignment === 'median');
    // the LLM teacher agrees with the TAs on all but one program
    const wrongOn = ours[0]!.file;
    llm = await new FakeLlm((req) => {
      const program = FakeLlm.program(req);
      const l = ours.find((x) => source(x.file) === program)!;
      return completion({
        fix_type: l.file === wrongOn ? 'ALGORITHM' : l.fix_type,
        tags: l.tags,
        summary: 'the fix',
        fixed_program: source('assignments/median/reference.c'),
      });
    }).start();
    const grade = (s: string, a: Assignment) => gradeSubmission(Buffer.from(s), a, sandbox);
    const programs: LlmProgram[] = await Promise.all(
      ours.map(async (l) => ({
        id: `llm:${l.file}`,
        assignment: median,
        student: l.student,
        split: 'train',
        source: source(l.file),
        report: await grade(source(l.file), median),
      })),
    );
    const llmRun = await llmTeacher(programs, {
      config: {
        baseUrl: llm.url,
        model: 'fake',
        maxRequests: 20,
        maxSpend: 1,
        priceInput: 0,
        priceOutput: 0,
        unverifiedWeight: 0.3,
        timeoutMs: 5000,
        retryBaseMs: 1,
        maxAttempts: 2,
      },
      taxonomy,
      grade,
    });
    const ta = taTeacher(
      ours.map((l, i) => ({
        submissionId: i + 1,
        term: 't',
        assignment: 'median',
        student: l.student,
        source: source(l.file),
        fixType: l.fix_type,
        tags: l.tags,
        reviewer: 'ta',
      })),
      new Map([['median', median.dir]]),
      taxonomy,
      'store',
    );
    const file = await labelsFileTeacher(fixturesDir, path.join(fixturesDir, 'labels.jsonl'), taxonomy);

    const registry = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-teachers-')), 'models');
    const { registry: reg } = await ensureRegistry(registry, modelsDir);
    const r = await retrainTerm({
      term: 't',
      registry,
      serving: versionDir(registry, reg.base),
      teachers: [ta, file, llmRun],
      assignmentDirs: [median.dir],
      courseWeight: 3,
      mutants: 20,
      seed: 1,
      members: 1,
      calibrationSeeds: 0,
      taxonomy,
      withFixtures: false,
      margin: 0,
      command: 'test',
      quiet: true,
    });
    const teachers = r.manifest.metrics.teachers as Record<string, { used: number }>;
    expect(teachers.ta!.used).toBe(ours.length);
    expect(teachers.labels!.used).toBe(labels.length);
    expect(teachers.llm).toMatchObject({ used: ours.length, verified: ours.length });
    // trained once per program: the TA's label wins over the file's and the LLM's copy of it
    const pair = (a: string, b: string) => r.agreement.find((x) => x.teachers.join() === `${a},${b}`)!;
    expect(pair('ta', 'llm')).toMatchObject({
      shared: ours.length,
      agreement: Number(((ours.length - 1) / ours.length).toFixed(3)),
    });
    expect(pair('ta', 'llm').kappa!).toBeLessThan(1);
    expect(pair('ta', 'labels')).toMatchObject({ shared: ours.length, agreement: 1, kappa: 1 });
    expect(r.manifest.calibration!.unseen.fitted_on.assignments).toBe(0);
    const report = fs.readFileSync(path.join(r.dir, 'report.md'), 'utf8');
    expect(report).toContain('## Agreement between teachers');
    expect(report).toMatch(/\| ta – llm \| 4 \| 0\.750 \|/);
  });
});
