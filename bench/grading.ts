/**
 * npm run bench: how fast the grading engine is, on the bundled fixture submissions.
 *   - per submission: compile, run and total milliseconds (median, p95)
 *   - throughput: submissions per second with 1 and 2 gradings in parallel
 *   - the sandbox's cost: one test run bare vs sandboxed (amortised over a lane, and alone)
 * BENCH_AGAINST=<another checkout> instead compares the whole-submission time with that tree's
 * grading engine, A and B interleaved (alternating which goes first) in this one process, so
 * both see the same machine load.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Assignment } from '../src/assignments/assignment.js';
import { loadAssignment } from '../src/assignments/load-assignment.js';
import { resolveAssignment } from '../src/assignments/resolve-assignment.js';
import { gradeSubmission } from '../src/grading/grade-submission.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { loadSubmissionManifest } from '../src/fixtures/submission-manifest.js';
import { fmt, median, percentile, printTable } from './table.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const sandbox = new Sandbox();

const manifest = await loadSubmissionManifest();
const assignments = new Map<string, Assignment>();
for (const name of new Set(manifest.map((s) => s.assignment)))
  assignments.set(name, await loadAssignment(resolveAssignment(name)));
// what a real class submits: programs that compile and run (compile errors are cheap and would flatter the numbers)
const subs = manifest.filter((s) => s.expect !== 'COMPILE_ERROR' && !(s.verdicts ?? []).includes('TIMEOUT'));
const sources = subs.map((s) => ({ s, a: assignments.get(s.assignment)!, src: fs.readFileSync(s.path) }));

console.log(
  `fixsense grading bench: ${sources.length} fixture submissions (compile errors and time-outs left out), ${ROUNDS} rounds, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? ''}`,
);

// warm-up: builds the runner and fills the page cache
await gradeSubmission(sources[0]!.src, sources[0]!.a, sandbox, { reruns: 0 });

const against = process.env.BENCH_AGAINST;
if (against) {
  const theirs = {
    grade: (await import(path.resolve(against, 'src/grading/grade-submission.ts')))
      .gradeSubmission as typeof gradeSubmission,
    sandbox: new (await import(path.resolve(against, 'src/sandbox/sandbox.ts'))).Sandbox() as Sandbox,
  };
  await theirs.grade(sources[0]!.src, sources[0]!.a, theirs.sandbox, { reruns: 0 });
  type Timing = Awaited<ReturnType<typeof gradeSubmission>>['timing'];
  const a: Timing[] = [];
  const b: Timing[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, { src, a: assignment }] of sources.entries()) {
      const runA = async () => a.push((await theirs.grade(src, assignment, theirs.sandbox)).timing);
      const runB = async () => b.push((await gradeSubmission(src, assignment, sandbox)).timing);
      if ((r + k) % 2 === 0) await runA().then(runB);
      else await runB().then(runA);
    }
  }
  const stage = (name: string, pick: (t: Timing) => number) => {
    const [ma, mb] = [median(a.map(pick)), median(b.map(pick))];
    return [name, fmt(ma), fmt(mb), fmt(mb / ma, 3)];
  };
  // throughput with 2 gradings in parallel: one pass over the fixtures per block, A and B
  // blocks alternating, so a change in the machine's load hits both alike
  const rateA: number[] = [];
  const rateB: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const runA = async () => rateA.push(await throughput(2, 1, theirs.grade, theirs.sandbox));
    const runB = async () => rateB.push(await throughput(2, 1));
    if (r % 2 === 0) await runA().then(runB);
    else await runB().then(runA);
  }
  const [ra, rb] = [median(rateA), median(rateB)];
  printTable(
    `A = ${against}, B = this tree, interleaved (${a.length} gradings each), median ms`,
    ['stage', 'A', 'B', 'B / A'],
    [
      stage('compile', (t) => t.compileMs),
      stage('run all tests', (t) => t.runMs),
      stage('whole submission', (t) => t.totalMs),
      ['submissions/s, 2 in parallel (median of blocks)', fmt(ra), fmt(rb), fmt(rb / ra, 3)],
    ],
  );
  process.exit(0);
}

const compileMs: number[] = [];
const runMs: number[] = [];
const totalMs: number[] = [];
const testsPer: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const { src, a } of sources) {
    const report = await gradeSubmission(src, a, sandbox);
    compileMs.push(report.timing.compileMs);
    runMs.push(report.timing.runMs);
    totalMs.push(report.timing.totalMs);
    testsPer.push(report.tests.length);
  }
}
printTable(
  `Per submission (sequential, ${totalMs.length} gradings, median ${median(testsPer)} tests each)`,
  ['stage', 'median ms', 'p95 ms'],
  [
    ['compile (sandboxed gcc)', fmt(median(compileMs)), fmt(percentile(compileMs, 95))],
    ['run all tests', fmt(median(runMs)), fmt(percentile(runMs, 95))],
    ['whole submission', fmt(median(totalMs)), fmt(percentile(totalMs, 95))],
  ],
);

/** Submissions per second over `passes` passes of the fixtures, `parallel` gradings at a time. */
async function throughput(
  parallel: number,
  passes = ROUNDS,
  grade: typeof gradeSubmission = gradeSubmission,
  sb: Sandbox = sandbox,
): Promise<number> {
  const queue = Array.from({ length: passes }, () => sources).flat();
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < queue.length) {
        const { src, a } = queue[next++]!;
        await grade(src, a, sb);
      }
    }),
  );
  return queue.length / ((performance.now() - start) / 1000);
}
const t1 = await throughput(1);
const t2 = await throughput(2);
printTable(
  'Throughput',
  ['parallel gradings', 'submissions/s'],
  [
    ['1', fmt(t1)],
    ['2', fmt(t2)],
  ],
);

// The sandbox's cost on one test: bare exec vs inside the sandbox.
const probe = sources.find((x) => x.a.tests.length >= 16) ?? sources[0]!;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-bench-'));
const bareBin = path.join(tmp, 'prog');
const a = probe.a;
fs.writeFileSync(path.join(tmp, 'main.c'), probe.src);
execFileSync(a.compiler.command, [...a.compiler.flags, '-o', bareBin, path.join(tmp, 'main.c'), ...a.compiler.libs]);
const binary = fs.readFileSync(bareBin);
const input = a.tests[0]!.input;
const N = 200;

function bareRun(): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(bareBin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - start));
    child.stdin.end(input);
  });
}
const bare: number[] = [];
for (let i = 0; i < N; i++) bare.push(await bareRun());

const lane = a.tests.length;
const inputs = Array.from({ length: lane }, () => input);
const amortised: number[] = [];
for (let i = 0; i < N / lane + 5; i++) {
  const start = performance.now();
  await sandbox.run(binary, inputs, a.limits);
  amortised.push((performance.now() - start) / lane);
}
const alone: number[] = [];
for (let i = 0; i < 50; i++) {
  const start = performance.now();
  await sandbox.run(binary, [input], a.limits);
  alone.push(performance.now() - start);
}
fs.rmSync(tmp, { recursive: true, force: true });
const b = median(bare);
printTable(
  `Sandbox cost per test (${a.name}, median)`,
  ['how the test runs', 'ms/test', 'overhead ms', 'ratio'],
  [
    ['bare: Node spawns the program', fmt(b, 2), '-', '1.00'],
    [
      `sandboxed, amortised over a lane of ${lane}`,
      fmt(median(amortised), 2),
      fmt(median(amortised) - b, 2),
      fmt(median(amortised) / b, 2),
    ],
    [
      'sandboxed, one sandbox for one test',
      fmt(median(alone), 2),
      fmt(median(alone) - b, 2),
      fmt(median(alone) / b, 2),
    ],
  ],
);
console.log(
  `\ntargets (2 cores): whole submission median <= 150 ms, overhead <= 5 ms/test, >= 10 submissions/s with 2 in parallel`,
);
