import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { contextTags, generateMutants } from '../../src/training/mutation/generate-mutants.js';
import { applyMutation, mutationsOf, type Mutation } from '../../src/training/mutation/operators.js';

const PROGRAM = `#include <stdio.h>
int main(void) {
  int a, b, c, m, i, n = 0;
  float avg;
  char line[40];
  scanf("%d %d %d", &a, &b, &c);
  fgets(line, 40, stdin);
  if ((a <= b && b <= c) || (c <= b && b <= a))
    m = b;
  else if (a > c)
    m = c;
  else
    m = a;
  for (i = 0; i < 3; i++)
    n += i;
  avg = (a + b + c) / 3.0;
  printf("%d is the median\\n", m);
  return n % 2;
}
`;

const all = mutationsOf(PROGRAM);
function find(
  operator: string,
  pred: (m: Mutation, mutated: string) => boolean = () => true,
): { m: Mutation; mutated: string } {
  const hit = all
    .map((m) => ({ m, mutated: applyMutation(PROGRAM, m) }))
    .find((x) => x.m.operator === operator && pred(x.m, x.mutated));
  expect(hit, `no ${operator} mutation`).toBeDefined();
  return hit!;
}
const line = (src: string, n: number) => src.split('\n')[n - 1]!;

describe('mutation operators: each injects the bug it labels', () => {
  it('comparison-strictness: WRONG_CONDITION [COMPARISON, BOUNDARY], <= becomes <', () => {
    const { m, mutated } = find('comparison-strictness');
    expect(m).toMatchObject({ fixType: 'WRONG_CONDITION', tags: ['COMPARISON', 'BOUNDARY'] });
    expect(line(mutated, 8)).toBe('  if ((a < b && b <= c) || (c <= b && b <= a))');
  });

  it('comparison-direction and comparison-operand: WRONG_CONDITION [COMPARISON]', () => {
    const d = find('comparison-direction', (x) => x.line === 10);
    expect(d.m).toMatchObject({ fixType: 'WRONG_CONDITION', tags: ['COMPARISON'] });
    expect(line(d.mutated, 10)).toBe('  else if (a < c)');
    const o = find('comparison-operand', (x) => x.line === 10);
    expect(o.m.fixType).toBe('WRONG_CONDITION');
    expect(line(o.mutated, 10)).toMatch(/^ {2}else if \((\w) > c\)$/);
    expect(line(o.mutated, 10)).not.toBe(line(PROGRAM, 10));
  });

  it('logical-connective: WRONG_CONDITION [COMPARISON, BOOLEAN_LOGIC], || becomes &&', () => {
    const { m, mutated } = find(
      'logical-connective',
      (x) => x.replacement === '&&' && x.line === 8 && PROGRAM.slice(x.start, x.end) === '||',
    );
    expect(m.tags).toEqual(['COMPARISON', 'BOOLEAN_LOGIC']);
    expect(line(mutated, 8)).toBe('  if ((a <= b && b <= c) && (c <= b && b <= a))');
  });

  it('drop-alternative, drop-else-if and drop-else: MISSING_CASE [MISSING_BRANCH]', () => {
    const alt = find('drop-alternative');
    expect(alt.m).toMatchObject({ fixType: 'MISSING_CASE', tags: ['MISSING_BRANCH'] });
    expect(line(alt.mutated, 8)).toBe('  if ((a <= b && b <= c))');
    const elseIf = find('drop-else-if');
    expect(elseIf.m.fixType).toBe('MISSING_CASE');
    expect(elseIf.mutated).not.toContain('a > c');
    expect(elseIf.mutated).toContain('m = a;');
    const final = find('drop-else', (x) => x.line === 12);
    expect(final.mutated).not.toContain('m = a;');
  });

  it('loop-bound-strictness and loop-bound-constant: LOOP_BOUND [LOOP, OFF_BY_ONE]', () => {
    const s = find('loop-bound-strictness');
    expect(s.m).toMatchObject({ fixType: 'LOOP_BOUND', tags: ['LOOP', 'OFF_BY_ONE'] });
    expect(line(s.mutated, 14)).toBe('  for (i = 0; i <= 3; i++)');
    const c = find('loop-bound-constant', (x) => x.replacement === '4');
    expect(line(c.mutated, 14)).toBe('  for (i = 0; i < 4; i++)');
  });

  it('init-value and init-removed: INIT_ERROR, the removed one also UNDEFINED_BEHAVIOR', () => {
    const v = find('init-value');
    expect(v.m).toMatchObject({ fixType: 'INIT_ERROR', tags: ['INITIALIZATION'] });
    expect(line(v.mutated, 3)).toBe('  int a, b, c, m, i, n = 1;');
    const r = find('init-removed');
    expect(r.m.tags).toEqual(['INITIALIZATION', 'UNDEFINED_BEHAVIOR']);
    expect(line(r.mutated, 3)).toBe('  int a, b, c, m, i, n;');
  });

  it('arithmetic-operator and assignment-operator: WRONG_OPERATOR [ARITHMETIC]', () => {
    const a = find('arithmetic-operator', (x) => x.line === 16 && x.replacement === '-');
    expect(a.m).toMatchObject({ fixType: 'WRONG_OPERATOR', tags: ['ARITHMETIC'] });
    expect(line(a.mutated, 16)).toBe('  avg = (a + b - c) / 3.0;');
    const s = find('assignment-operator', (x) => x.replacement === '=');
    expect(line(s.mutated, 15)).toBe('    n = i;');
  });

  it('printed-variable and expression-constant: WRONG_EXPRESSION', () => {
    const p = find('printed-variable');
    expect(p.m).toMatchObject({ fixType: 'WRONG_EXPRESSION', tags: ['OUTPUT'] });
    expect(line(p.mutated, 17)).toMatch(/^ {2}printf\("%d is the median\\n", (?!m\))\w\);$/);
    const c = find('expression-constant', (x) => x.replacement === '3');
    expect(c.m).toMatchObject({ fixType: 'WRONG_EXPRESSION', tags: ['ARITHMETIC'] });
    expect(line(c.mutated, 18)).toBe('  return n % 3;');
  });

  it('printf-text, printf-specifier, printf-extra-text: OUTPUT_FORMAT [OUTPUT]', () => {
    const t = find('printf-text', (x) => x.description.includes('misspelt'));
    expect(t.m).toMatchObject({ fixType: 'OUTPUT_FORMAT', tags: ['OUTPUT'] });
    expect(line(t.mutated, 17)).toMatch(/printf\("%d (?!is the median)[^"]*\\n", m\);/);
    const s = find('printf-specifier');
    expect(line(s.mutated, 17)).toBe('  printf("%c is the median\\n", m);');
    const e = find('printf-extra-text');
    // the arguments are repeated with the format: never more conversions than arguments
    expect(line(e.mutated, 17)).toBe('  printf("%d is the median\\n%d is the median\\n", m, m);');
  });

  it('printf-extra-text repeats only arguments that are safe to evaluate twice', () => {
    const src =
      'int main(void) {\n  int i = 0;\n  printf("%d\\n", i++);\n  printf("%d %c\\n", i, (char) i);\n  return 0;\n}\n';
    const twice = mutationsOf(src)
      .filter((m) => m.operator === 'printf-extra-text')
      .map((m) => applyMutation(src, m));
    expect(twice).toHaveLength(1);
    expect(line(twice[0]!, 4)).toBe('  printf("%d %c\\n%d %c\\n", i, (char) i, i, (char) i);');
  });

  it('scanf-format, scanf-target and fgets-to-scanf: INPUT_HANDLING', () => {
    const f = find('scanf-format', (x) => x.replacement.includes('%f'));
    expect(f.m).toMatchObject({ fixType: 'INPUT_HANDLING', tags: ['INPUT', 'TYPE'] });
    expect(line(f.mutated, 6)).toBe('  scanf("%f %d %d", &a, &b, &c);');
    const t = find('scanf-target');
    expect(t.m.tags).toEqual(['INPUT']);
    expect(line(t.mutated, 6)).not.toBe(line(PROGRAM, 6));
    const g = find('fgets-to-scanf');
    expect(g.m.tags).toEqual(['INPUT', 'STRING']);
    expect(line(g.mutated, 7)).toBe('  scanf("%s", line);');
  });

  it('declared-type: TYPE_ERROR [ARITHMETIC, TYPE], float becomes int', () => {
    const { m, mutated } = find('declared-type');
    expect(m).toMatchObject({ fixType: 'TYPE_ERROR', tags: ['ARITHMETIC', 'TYPE'] });
    expect(line(mutated, 4)).toBe('  int avg;');
  });

  it('every mutant of the program still parses as C and differs from it', () => {
    expect(all.length).toBeGreaterThan(40);
    for (const m of all) expect(applyMutation(PROGRAM, m)).not.toBe(PROGRAM);
  });
});

describe('mutants, graded for real', () => {
  it('keeps only mutants that compile and fail a test, labels them with context tags, and is reproducible', async () => {
    const taxonomy = loadTaxonomy();
    const dir = resolveAssignment('median');
    const a = await loadAssignment(dir);
    const reference = fs.readFileSync(`${dir}/reference.c`, 'utf8');
    const sandbox = new Sandbox();
    const grade = (s: string) => gradeSubmission(Buffer.from(s), a, sandbox, { reruns: 0 });
    const base = [
      {
        id: 'ref',
        assignment: 'median',
        assignment_: a,
        student: 'ref',
        source: reference,
        origin: 'reference solution',
      },
    ];
    const run1 = await generateMutants(base, 12, 7, taxonomy, grade);
    expect(run1.examples.length).toBeGreaterThan(4);
    for (const e of run1.examples) {
      const r = run1.reports.get(e.id)!;
      expect(r.compiled).toBe(true);
      expect(r.verdict).toBe('FAIL');
      expect(e.provenance).toMatchObject({ kind: 'mutant', base: 'ref', source: 'reference solution' });
      expect(e.provenance.operator).toBeTruthy();
      expect(taxonomy.fixTypes).toContain(e.label.fixType);
      expect(e.label.teacher).toBe('mutation');
    }
    expect(run1.stats.graded).toBeGreaterThanOrEqual(run1.stats.kept + run1.stats.equivalent + run1.stats.notCompiling);
    const run2 = await generateMutants(base, 12, 7, taxonomy, grade);
    expect(run2.examples.map((e) => e.id)).toEqual(run1.examples.map((e) => e.id));
  });

  it("keeps the other operators' picks when one operator offers different candidates", async () => {
    const taxonomy = loadTaxonomy();
    const a = await loadAssignment(resolveAssignment('median'));
    const reference = fs.readFileSync(`${a.dir}/reference.c`, 'utf8');
    // every candidate "fails": which ones are kept depends only on the shuffles
    const fails = async () =>
      ({
        compiled: true,
        verdict: 'FAIL',
        tests: [],
        summary: { nondeterministic: false },
        compile: { lint: [] },
      }) as never;
    const base = (id: string, source: string) => ({
      id,
      assignment: 'median',
      assignment_: a,
      student: id,
      source,
      origin: 'reference solution',
    });
    const ref = base('ref', reference);
    // a program whose only mutations are scanf ones: it adds INPUT_HANDLING candidates and nothing else
    const reader = base('reader', 'int main(void) {\n  int x;\n  scanf("%d", &x);\n  return 0;\n}\n');
    expect(new Set(mutationsOf(reader.source).map((m) => m.fixType))).toEqual(new Set(['INPUT_HANDLING']));
    const alone = await generateMutants([ref], 20, 3, taxonomy, fails);
    const withReader = await generateMutants([ref, reader], 20, 3, taxonomy, fails);
    const picks = (r: typeof alone) => r.examples.filter((e) => e.label.fixType !== 'INPUT_HANDLING').map((e) => e.id);
    expect(picks(alone).length).toBeGreaterThan(5);
    expect(alone.stats.candidates).toBeGreaterThan(alone.stats.graded); // a real choice was made
    expect(picks(withReader)).toEqual(picks(alone));
  });

  it('drops mutants whose output changes when re-run: their reports would differ from machine to machine', async () => {
    const taxonomy = loadTaxonomy();
    const a = await loadAssignment(resolveAssignment('median'));
    const reference = fs.readFileSync(`${a.dir}/reference.c`, 'utf8');
    // half the candidates, chosen by their text, print differently on a second run
    const flaky = (s: string) => createHash('sha256').update(s).digest()[0]! % 2 === 0;
    const grade = async (s: string) =>
      ({
        compiled: true,
        verdict: 'FAIL',
        tests: [],
        summary: { nondeterministic: flaky(s) },
        compile: { lint: [] },
      }) as never;
    const base = [
      {
        id: 'ref',
        assignment: 'median',
        assignment_: a,
        student: 'ref',
        source: reference,
        origin: 'reference solution',
      },
    ];
    const run = await generateMutants(base, 20, 3, taxonomy, grade);
    expect(run.stats.nondeterministic).toBeGreaterThan(0);
    expect(run.examples.length).toBeGreaterThan(5);
    for (const e of run.examples) expect(flaky(e.source)).toBe(false);
  });

  it('adds BOUNDARY to a missing branch that only equal values reach, and UNDEFINED_BEHAVIOR to an uninitialised read', () => {
    const m: Mutation = {
      operator: 'drop-else',
      fixType: 'MISSING_CASE',
      tags: ['MISSING_BRANCH'],
      start: 0,
      end: 0,
      replacement: '',
      line: 1,
      column: 1,
      description: '',
    };
    const report = (inputs: string[], lint: { option: string }[] = []) =>
      ({
        tests: inputs.map((input) => ({ input, verdict: 'WRONG_ANSWER' })),
        summary: { nondeterministic: false },
        compile: { lint: lint.map((l) => ({ line: 1, column: 1, severity: 'warning', message: '', ...l })) },
      }) as never;
    expect(contextTags(m, report(['4 4 9\n', '1 7 7\n']))).toEqual(['MISSING_BRANCH', 'BOUNDARY']);
    expect(contextTags(m, report(['4 5 9\n']))).toEqual(['MISSING_BRANCH']);
    expect(contextTags(m, report(['4 5 9\n'], [{ option: '-Wmaybe-uninitialized' }]))).toEqual([
      'MISSING_BRANCH',
      'UNDEFINED_BEHAVIOR',
    ]);
  });
});
