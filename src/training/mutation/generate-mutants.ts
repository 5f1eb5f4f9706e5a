import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { Assignment } from '../../assignments/assignment.js';
import { inputProperties } from '../../analysis/report-features.js';
import type { TestReport } from '../../grading/report.js';
import type { Taxonomy } from '../../model/taxonomy.js';
import { orderTags } from '../../model/taxonomy.js';
import type { Example } from '../example.js';
import { mulberry32, shuffleInPlace } from '../random.js';
import { applyMutation, mutationsOf, type Mutation } from './operators.js';
import { countBy } from '../../core/count-by.js';

/** A correct program to inject bugs into. */
export interface MutationBase {
  id: string;
  assignment: string;
  assignment_: Assignment;
  student: string;
  source: string;
  origin: string;
}

export interface MutantStats {
  bases: number;
  candidates: number;
  graded: number;
  kept: number;
  /** Compiled but passed every test: the mutation changed nothing observable. */
  equivalent: number;
  notCompiling: number;
  /** Printed differently when re-run: its report, and so its features, would differ from machine to machine. */
  nondeterministic: number;
  byFixType: Record<string, number>;
  byOperator: Record<string, number>;
}

/** The counts of a run that made nothing yet. */
export function noMutants(): MutantStats {
  return {
    bases: 0,
    candidates: 0,
    graded: 0,
    kept: 0,
    equivalent: 0,
    notCompiling: 0,
    nondeterministic: 0,
    byFixType: {},
    byOperator: {},
  };
}

/** Lint warnings that mean the program's behaviour is undefined. */
const UNDEFINED = new Set([
  '-Wmaybe-uninitialized',
  '-Wuninitialized',
  '-Waggressive-loop-optimizations',
  '-Warray-bounds',
  '-Wstringop-overflow',
]);

/**
 * Tags that depend on what the tests and the analysis show, not on the edit alone: a
 * missing branch that only equal values, zero or a one-letter line reach is a BOUNDARY
 * case; a mutant that now reads an uninitialised variable (dropping the branch that set it,
 * say) or indexes out of bounds, as gcc's lint pass sees, is UNDEFINED_BEHAVIOR, as a teacher
 * reading it would say. (Mutants whose output changes from run to run are not kept at all.)
 */
export function contextTags(m: Mutation, report: TestReport): string[] {
  const tags = [...m.tags];
  const failing = report.tests.filter((t) => t.verdict !== 'PASS');
  if (m.fixType === 'MISSING_CASE' && failing.length > 0) {
    const boundary = failing.every((t) => {
      const p = inputProperties(t.input);
      return p.dup || p.zero || p.last_eq_other || p.short_line;
    });
    if (boundary) tags.push('BOUNDARY');
  }
  if (report.compile.lint.some((d) => d.option && UNDEFINED.has(d.option))) tags.push('UNDEFINED_BEHAVIOR');
  return tags;
}

const normalise = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Injects one bug at a time into correct programs, grades each mutant with the real
 * grader, and keeps those that compile and fail at least one test: exactly-labelled
 * examples. Balanced over fix types, reproducible for a seed.
 */
export async function generateMutants(
  bases: MutationBase[],
  target: number,
  seed: number,
  taxonomy: Taxonomy,
  grade: (source: string, a: Assignment) => Promise<TestReport>,
  onGraded?: () => void,
  concurrency = 2,
): Promise<{ examples: Example[]; reports: Map<string, TestReport>; stats: MutantStats }> {
  // each operator's list is shuffled by its own stream: a change in what one operator
  // offers leaves the other operators' picks, and so most of the graded mutants, as they were
  const shuffleFor = (type: string, op: string) =>
    mulberry32((seed ^ createHash('sha256').update(`${type}/${op}`).digest().readUInt32LE(0)) >>> 0);
  const seen = new Set(bases.map((b) => normalise(b.source)));
  type Candidate = { base: MutationBase; m: Mutation; source: string };
  const byType = new Map<string, Candidate[]>();
  let candidates = 0;
  for (const base of bases) {
    for (const m of mutationsOf(base.source)) {
      if (!taxonomy.fixTypes.includes(m.fixType)) continue;
      const source = applyMutation(base.source, m);
      const key = normalise(source);
      if (seen.has(key)) continue;
      seen.add(key);
      candidates++;
      const list = byType.get(m.fixType) ?? [];
      list.push({ base, m, source });
      byType.set(m.fixType, list);
    }
  }
  const types = [...byType.keys()].sort();
  // within a fix type, take operators in turn: a common operator must not crowd out a rare one
  for (const t of types) {
    const byOp = new Map<string, Candidate[]>();
    for (const c of byType.get(t)!) byOp.set(c.m.operator, [...(byOp.get(c.m.operator) ?? []), c]);
    const lists = [...byOp.keys()].sort().map((k) => shuffleInPlace(byOp.get(k)!, shuffleFor(t, k)));
    const interleaved: Candidate[] = [];
    for (let i = 0; lists.some((l) => i < l.length); i++)
      for (const l of lists) if (i < l.length) interleaved.push(l[i]!);
    byType.set(t, interleaved);
  }
  const perType = Math.ceil(target / Math.max(1, types.length));

  const stats: MutantStats = { ...noMutants(), bases: bases.length, candidates };
  const examples: Example[] = [];
  const reports = new Map<string, TestReport>();
  const limit = pLimit(concurrency);
  // Candidates are graded a chunk at a time and kept in their shuffled order, never in the
  // order grading happens to finish: the same seed keeps the same mutants.
  const CHUNK = 8 * concurrency;
  for (const type of types) {
    const list = byType.get(type)!;
    let kept = 0;
    for (let i = 0; i < list.length && kept < perType; i += CHUNK) {
      const chunk = list.slice(i, i + CHUNK);
      const graded = await Promise.all(
        chunk.map((c) =>
          limit(async () => {
            const r = await grade(c.source, c.base.assignment_);
            onGraded?.();
            return r;
          }),
        ),
      );
      stats.graded += chunk.length;
      chunk.forEach((c, k) => {
        const report = graded[k]!;
        if (!report.compiled) return void stats.notCompiling++;
        if (report.verdict === 'PASS') return void stats.equivalent++;
        // output that depends on the stack or the registers is not an exact label, and a
        // `retrain` on another machine would grade it differently and build another model
        if (report.summary.nondeterministic) return void stats.nondeterministic++;
        if (kept >= perType) return;
        kept++;
        const hash = createHash('sha256').update(c.source).digest('hex').slice(0, 8);
        const id = `mutant:${c.base.id}:${c.m.operator}:${c.m.line}:${c.m.column}:${hash}`;
        const tags = orderTags(taxonomy, contextTags(c.m, report)).slice(0, 4);
        examples.push({
          id,
          assignment: c.base.assignment,
          assignmentDir: c.base.assignment_.dir,
          student: c.base.student,
          split: 'train',
          source: c.source,
          label: { fixType: c.m.fixType, tags, teacher: 'mutation', editSummary: c.m.description },
          provenance: {
            kind: 'mutant',
            source: c.base.origin,
            base: c.base.id,
            operator: c.m.operator,
            location: { line: c.m.line, column: c.m.column },
          },
        });
        reports.set(id, report);
      });
    }
  }
  stats.kept = examples.length;
  stats.byFixType = countBy(examples, (e) => e.label.fixType);
  stats.byOperator = countBy(examples, (e) => e.provenance.operator!);
  return { examples, reports, stats };
}
