import { createHash } from 'node:crypto';
import type { Assignment, TestCase } from '../assignments/assignment.js';
import { check } from '../assignments/checkers.js';
import type { RawRun } from '../sandbox/protocol.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { parseDiagnostics, renameSource } from './diagnostics.js';
import { displayText } from './display-text.js';
import type { TestReport, TestResult, TestVerdict } from './report.js';
import { signalName, verdictOf, type Judgement } from './verdict.js';

const SANDBOX_SOURCE = '/tmp/main.c';
const SANDBOX_BINARY = '/tmp/prog';
/** Below this many tests a second lane costs more (a sandbox start) than it saves. */
const MIN_TESTS_PER_LANE = 4;
const RERUN_VERDICTS: ReadonlySet<TestVerdict> = new Set(['WRONG_ANSWER', 'NO_ANSWER', 'RUNTIME_ERROR']);

export interface GradeOptions {
  /** Override the assignment's re-run count (0 disables nondeterminism checks). */
  reruns?: number;
  /** Display name of the student's file in diagnostics (default: the assignment's). */
  fileName?: string;
}

type CompileSection = TestReport['compile'];

export async function compileSubmission(
  source: Buffer,
  a: Assignment,
  sandbox: Sandbox,
  fileName: string,
): Promise<{ section: CompileSection; binary?: Buffer }> {
  const start = performance.now();
  if (source.length > a.compiler.maxSourceBytes) {
    const kb = (n: number) => `${Math.round(n / 1024)} KB`;
    return {
      section: {
        ok: false,
        exitCode: null,
        limit: 'SOURCE_TOO_LARGE',
        diagnostics: `${fileName} is ${kb(source.length)}, larger than the ${kb(a.compiler.maxSourceBytes)} this assignment accepts.`,
        messages: [],
        lint: [],
        ms: 0,
      },
    };
  }
  const c = a.compiler;
  const commands = [[c.command, ...c.flags, '-o', SANDBOX_BINARY, SANDBOX_SOURCE, ...c.libs]];
  if (c.lintFlags.length) {
    const base = c.flags.filter((f) => !/^-O/.test(f));
    commands.push([c.command, ...base, ...c.lintFlags, '-c', '-o', '/dev/null', SANDBOX_SOURCE]);
  }
  const { runs, binary } = await sandbox.compile(source, commands, c.limits);
  const run = runs[0]!;
  const lintRun = runs[1];
  const text = renameSource(displayText(run.stderr, 16_384).text, SANDBOX_SOURCE, fileName);
  let limit: CompileSection['limit'] = null;
  let note = '';
  // the driver's own clock misses its compiler proper (cc1): when RLIMIT_CPU stops cc1, only the
  // driver says so ("CPU time limit exceeded signal terminated program cc1")
  const cpuKilled = run.exitCode !== 0 && /CPU time limit exceeded/i.test(text);
  if (run.cpuLimit || run.wallLimit || cpuKilled) {
    limit = 'TIMEOUT';
    note = `The compiler was stopped after ${run.cpuLimit || cpuKilled ? `${c.limits.cpuMs} ms of CPU time` : `${c.limits.wallMs} ms`}.`;
  } else if (run.outputLimit) {
    limit = 'OUTPUT_LIMIT';
    note = 'The compiler printed too many messages and was stopped.';
  } else if (
    run.signal !== null ||
    (run.exitCode !== 0 &&
      /out of memory|cannot allocate|virtual memory exhausted|Killed signal terminated program/i.test(text))
  ) {
    limit = 'MEMORY_LIMIT';
    note = `The compiler ran out of its ${Math.round(c.limits.memoryBytes / 1048576)} MiB of memory.`;
  } else if (run.spawnFailed) {
    note = `The compiler ${c.command} could not start: ${run.stderr.toString()}`;
  }
  const ok = limit === null && run.exitCode === 0 && binary.length > 0;
  return {
    section: {
      ok,
      exitCode: run.exitCode,
      limit,
      diagnostics: [text, note].filter(Boolean).join('\n'),
      messages: parseDiagnostics(text, fileName, source.toString('utf8')),
      lint:
        lintRun && !lintRun.skipped
          ? parseDiagnostics(
              renameSource(displayText(lintRun.stderr, 16_384).text, SANDBOX_SOURCE, fileName),
              fileName,
            ).filter((d) => d.severity === 'warning')
          : [],
      ms: performance.now() - start,
    },
    ...(ok ? { binary } : {}),
  };
}

/** Runs each input once, spread over parallel lanes (one sandbox each). */
export async function runLanes(sandbox: Sandbox, binary: Buffer, inputs: Buffer[], a: Assignment): Promise<RawRun[]> {
  const laneCount = Math.max(1, Math.min(sandbox.slots, Math.ceil(inputs.length / MIN_TESTS_PER_LANE)));
  const lanes: number[][] = Array.from({ length: laneCount }, () => []);
  inputs.forEach((_, i) => lanes[i % laneCount]!.push(i));
  const results: RawRun[] = new Array(inputs.length);
  await Promise.all(
    lanes.map(async (lane) => {
      const runs = await sandbox.run(
        binary,
        lane.map((i) => inputs[i]!),
        a.limits,
      );
      runs.forEach((r, k) => (results[lane[k]!] = r));
    }),
  );
  return results;
}

function sameBehaviour(a: RawRun, b: RawRun): boolean {
  return a.stdout.equals(b.stdout) && a.exitCode === b.exitCode && a.signal === b.signal;
}

/** Each run is judged once: reading a long output is the costly part of checking. */
const judgements = new WeakMap<RawRun, Promise<Judgement>>();

function judge(test: TestCase, run: RawRun, a: Assignment): Promise<Judgement> {
  let j = judgements.get(run);
  if (!j) {
    j = verdictOf(run, a.limits, a.exitCode, () =>
      check(a.checker, test.expected.toString('latin1'), run.stdout.toString('latin1')),
    );
    judgements.set(run, j);
  }
  return j;
}

async function testResult(test: TestCase, run: RawRun, a: Assignment, reruns: RawRun[]): Promise<TestResult> {
  const { verdict, detail, check: checked } = await judge(test, run, a);
  const actual = displayText(run.stdout, 8192);
  const result: TestResult = {
    id: test.id,
    suite: test.suite,
    n: test.n,
    hidden: test.hidden,
    verdict,
    ...(detail ? { detail } : {}),
    input: displayText(test.input, 4096).text,
    expected: displayText(test.expected, 4096).text,
    actual: actual.text,
    truncated: actual.cut || run.stdoutBytes > run.stdout.length,
    stderr: displayText(run.stderr, 2048).text,
    exitCode: run.exitCode,
    signal: signalName(run.signal),
    cpuMs: round(run.cpuMs),
    wallMs: round(run.wallMs),
    maxRssKb: run.maxRssKb,
    outputBytes: run.stdoutBytes,
    nondeterministic: reruns.some((r) => !sameBehaviour(run, r)),
    points: verdict === 'PASS' ? test.points : 0,
  };
  if (checked?.expectedAnswers && checked.actualAnswers) {
    result.answers = { expected: checked.expectedAnswers, actual: checked.actualAnswers };
  }
  if (reruns.length > 0) {
    result.rerunVerdicts = [];
    for (const r of reruns) result.rerunVerdicts.push((await judge(test, r, a)).verdict);
  }
  return result;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Compile once, run every test in the sandbox, judge each: the whole grading of one submission. */
export async function gradeSubmission(
  source: Buffer,
  a: Assignment,
  sandbox: Sandbox,
  opts: GradeOptions = {},
): Promise<TestReport> {
  const start = performance.now();
  const fileName = opts.fileName ?? a.sourceFile;
  const { section, binary } = await compileSubmission(source, a, sandbox, fileName);
  const runStart = performance.now();
  const tests: TestResult[] = [];
  if (binary) {
    const first = await runLanes(
      sandbox,
      binary,
      a.tests.map((t) => t.input),
      a,
    );
    const rerunCount = opts.reruns ?? a.reruns;
    const flaky: number[] = [];
    for (const [i, t] of a.tests.entries())
      if (RERUN_VERDICTS.has((await judge(t, first[i]!, a)).verdict)) flaky.push(i);
    const rerunIdx = Array.from({ length: rerunCount }, () => flaky).flat();
    const again = rerunIdx.length
      ? await runLanes(
          sandbox,
          binary,
          rerunIdx.map((i) => a.tests[i]!.input),
          a,
        )
      : [];
    const rerunsOf = (i: number) => again.filter((_, k) => rerunIdx[k] === i);
    for (const [i, t] of a.tests.entries()) tests.push(await testResult(t, first[i]!, a, rerunsOf(i)));
  }
  const end = performance.now();
  const passed = tests.filter((t) => t.verdict === 'PASS').length;
  const hidden = tests.filter((t) => t.hidden);
  const byVerdict: Record<string, number> = {};
  for (const t of tests) byVerdict[t.verdict] = (byVerdict[t.verdict] ?? 0) + 1;
  const possible = a.tests.reduce((s, t) => s + t.points, 0);
  return {
    schema: 'fixsense/test-report@1',
    assignment: { name: a.name, title: a.title },
    source: { file: fileName, bytes: source.length, sha256: createHash('sha256').update(source).digest('hex') },
    compiled: section.ok,
    verdict: !section.ok ? 'COMPILE_ERROR' : passed === tests.length ? 'PASS' : 'FAIL',
    compile: { ...section, ms: round(section.ms) },
    tests,
    summary: {
      total: a.tests.length,
      passed,
      failed: section.ok ? tests.length - passed : a.tests.length,
      hiddenTotal: a.tests.filter((t) => t.hidden).length,
      hiddenPassed: hidden.filter((t) => t.verdict === 'PASS').length,
      byVerdict,
      points: possible > 0 ? { earned: tests.reduce((s, t) => s + t.points, 0), possible } : null,
      nondeterministic: tests.some((t) => t.nondeterministic),
    },
    timing: { compileMs: round(runStart - start), runMs: round(end - runStart), totalMs: round(end - start) },
  };
}
