import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_TEST_LIMITS } from '../sandbox/limits.js';
import { AssignmentError, type Assignment, type TestCase } from './assignment.js';
import { assignmentFileSchema, type AssignmentFile } from './assignment-schema.js';
import { compileAnswerPattern } from './answer-pattern.js';
import type { CheckerConfig } from './checker-schema.js';
import { extractAnswers } from './extract-answers.js';
import { INTROCLASS_CHECKERS } from './introclass-checkers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Uninitialised locals start at zero instead of whatever the stack held: a program that reads
 * one prints the same on every run and every machine (leftovers depend on the libc, on what ran
 * before and on address randomisation), so a student's verdict, and the reports the student
 * model is trained on, do not depend on where they were graded. Zero, not a pattern: a fresh
 * stack mostly held zeros, and IntroClass's recorded failing tests assume them (a pattern makes
 * 20 of its defects fail tests the benchmark says they pass). -Wuninitialized still warns.
 * gcc 12+ and clang 8+ accept the option.
 */
export const DEFAULT_COMPILER_FLAGS = [
  '-std=gnu11',
  '-O0',
  '-ftrivial-auto-var-init=zero',
  '-fdiagnostics-color=never',
];
/** -Og lets gcc see uninitialised reads and undefined loops that -O0 hides. */
export const DEFAULT_LINT_FLAGS = ['-Og', '-Wall', '-Wextra', '-Wfloat-conversion'];

function describeZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; ');
}

async function readAssignmentFile(dir: string): Promise<AssignmentFile> {
  const file = path.join(dir, 'assignment.yml');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AssignmentError(file, (err as Error).message);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw new AssignmentError(file, `invalid YAML${where}: ${e.message.split('\n')[0]}`);
  }
  const parsed = assignmentFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) throw new AssignmentError(file, describeZodIssues(parsed.error));
  return parsed.data;
}

async function readTests(dir: string, cfg: AssignmentFile): Promise<TestCase[]> {
  const testsDir = path.join(dir, 'tests');
  let suites: string[];
  try {
    suites = (await fs.readdir(testsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    throw new AssignmentError(testsDir, 'missing: an assignment needs tests/<suite>/<N>.in and <N>.out files');
  }
  const hidden = new Set(cfg.hidden ?? []);
  for (const s of hidden) {
    if (!suites.includes(s))
      throw new AssignmentError(
        path.join(dir, 'assignment.yml'),
        `hidden: no test suite named "${s}" (found ${suites.join(', ') || 'none'})`,
      );
  }
  for (const s of Object.keys(cfg.points ?? {})) {
    if (!suites.includes(s))
      throw new AssignmentError(
        path.join(dir, 'assignment.yml'),
        `points: no test suite named "${s}" (found ${suites.join(', ') || 'none'})`,
      );
  }
  const tests: TestCase[] = [];
  for (const suite of suites) {
    const suiteDir = path.join(testsDir, suite);
    const files = (await fs.readdir(suiteDir)).filter((f) => !f.startsWith('.'));
    const numbers = new Set<number>();
    for (const f of files) {
      const m = /^(\d+)\.(in|out)$/.exec(f);
      if (!m)
        throw new AssignmentError(path.join(suiteDir, f), 'unexpected file: test files are named <N>.in and <N>.out');
      numbers.add(Number(m[1]));
    }
    for (const n of [...numbers].sort((a, b) => a - b)) {
      const inFile = path.join(suiteDir, `${n}.in`);
      const outFile = path.join(suiteDir, `${n}.out`);
      if (!files.includes(`${n}.in`)) throw new AssignmentError(outFile, `has no matching ${n}.in`);
      if (!files.includes(`${n}.out`)) throw new AssignmentError(inFile, `has no matching ${n}.out`);
      tests.push({
        id: `${suite}/${n}`,
        suite,
        n,
        input: await fs.readFile(inFile),
        expected: await fs.readFile(outFile),
        hidden: hidden.has(suite),
        points: cfg.points?.[suite] ?? 0,
      });
    }
  }
  if (tests.length === 0) throw new AssignmentError(testsDir, 'contains no tests (<suite>/<N>.in with <N>.out)');
  return tests;
}

/** A plain IntroClass folder is recognised by its name; anything else compares normalized text. */
function inferChecker(name: string): CheckerConfig {
  return INTROCLASS_CHECKERS[name] ?? { type: 'normalized' };
}

/**
 * An expected output the answer checker cannot read whole (too long, too many answers, an
 * answer longer than it reads) would fail every submission: say so when the course loads.
 */
async function refuseUnreadableExpected(dir: string, checker: CheckerConfig, tests: TestCase[]): Promise<void> {
  if (checker.type !== 'answer') return;
  const pattern = compileAnswerPattern(checker.pattern, checker.flags);
  for (const t of tests) {
    const { limit } = await extractAnswers(pattern, t.expected.toString('latin1'), false);
    if (limit)
      throw new AssignmentError(
        path.join(dir, 'tests', t.suite, `${t.n}.out`),
        `the answer checker cannot read this expected output: ${limit.detail}`,
      );
  }
}

/** Loads and validates an assignment folder (IntroClass layout, optional assignment.yml). */
export async function loadAssignment(dir: string): Promise<Assignment> {
  const abs = path.resolve(dir);
  const st = await fs.stat(abs).catch(() => undefined);
  if (!st?.isDirectory()) throw new AssignmentError(abs, 'is not an assignment folder');
  const name = path.basename(abs);
  const cfg = await readAssignmentFile(abs);
  const tests = await readTests(abs, cfg);
  const checker = cfg.checker ?? inferChecker(name);
  await refuseUnreadableExpected(abs, checker, tests);
  const reference = path.join(abs, 'reference.c');
  const hasReference = await fs.access(reference).then(
    () => true,
    () => false,
  );
  const l = cfg.limits ?? {};
  const c = cfg.compile ?? {};
  const cpuMs = l.cpu_ms ?? DEFAULT_TEST_LIMITS.cpuMs;
  const processes = l.processes ?? 0;
  return {
    name,
    dir: abs,
    title: cfg.title ?? name,
    sourceFile: cfg.source ?? `${name}.c`,
    checker,
    limits: {
      ...DEFAULT_TEST_LIMITS,
      cpuMs,
      wallMs: l.wall_ms ?? Math.max(DEFAULT_TEST_LIMITS.wallMs, cpuMs * 2),
      memoryBytes: (l.memory_mb ?? DEFAULT_TEST_LIMITS.memoryBytes / MiB) * MiB,
      stackBytes: (l.stack_mb ?? DEFAULT_TEST_LIMITS.stackBytes / MiB) * MiB,
      outputBytes: (l.output_kb ?? DEFAULT_TEST_LIMITS.outputBytes / KiB) * KiB,
      fileSizeBytes: (l.file_kb ?? DEFAULT_TEST_LIMITS.fileSizeBytes / KiB) * KiB,
      allowFork: processes > 0,
      // the runner and the program itself count too
      processes: processes > 0 ? processes + 2 : DEFAULT_TEST_LIMITS.processes,
    },
    compiler: {
      command: c.compiler ?? process.env.FIXSENSE_CC ?? 'gcc',
      flags: c.flags ?? DEFAULT_COMPILER_FLAGS,
      libs: c.libs ?? ['-lm'],
      lintFlags: c.lint_flags ?? DEFAULT_LINT_FLAGS,
      maxSourceBytes: (c.max_source_kb ?? 512) * KiB,
      limits: {
        ...DEFAULT_COMPILE_LIMITS,
        cpuMs: c.cpu_ms ?? DEFAULT_COMPILE_LIMITS.cpuMs,
        wallMs: c.wall_ms ?? DEFAULT_COMPILE_LIMITS.wallMs,
        memoryBytes: (c.memory_mb ?? DEFAULT_COMPILE_LIMITS.memoryBytes / MiB) * MiB,
      },
    },
    tests,
    reruns: cfg.reruns ?? 1,
    exitCode: cfg.exit_code ?? 'ignore',
    ...(hasReference ? { reference } : {}),
  };
}
