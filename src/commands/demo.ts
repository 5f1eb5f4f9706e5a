import fs from 'node:fs/promises';
import path from 'node:path';
import type { Assignment } from '../assignments/assignment.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../fixtures/submission-manifest.js';
import { createPipelineDeps } from '../pipeline/create-deps.js';
import { runPipeline, type Feedback } from '../pipeline/pipeline.js';
import { sandboxFromEnv } from '../app/config.js';
import { CliError } from './cli-error.js';
import { DEMO_COURSE, localGradingRecord, openDemoStore } from './local-record.js';

export interface DemoFlags {
  out: string;
  show: string[];
  /** Where to record (default: the embedded store, see openDemoStore). */
  db?: string;
}

function line(file: string, f: Feedback): string {
  const r = f.report;
  const result = r.verdict === 'COMPILE_ERROR' ? 'does not compile' : `${r.summary.passed}/${r.summary.total} pass`;
  const c = f.context.category;
  const hint = c ? `${c.shown ? '' : 'withheld: '}${c.fixType} (${c.confidence}%)` : r.verdict === 'PASS' ? '' : '-';
  return `${file.padEnd(42)} ${result.padEnd(17)} ${hint}${f.review.flagged ? '  → TA review' : ''}`;
}

/**
 * Grades every bundled fixture submission end to end (grade → analyse → predict → render)
 * and writes the feedback each student would get: no GitHub account, Redis or network.
 */
export async function demoCommand(flags: DemoFlags): Promise<void> {
  const deps = await createPipelineDeps({ sandbox: sandboxFromEnv() });
  const manifest = await loadSubmissionManifest();
  const assignments = new Map<string, Promise<Assignment>>();
  const assignment = (name: string) => {
    if (!assignments.has(name)) assignments.set(name, loadAssignment(resolveAssignment(name)));
    return assignments.get(name)!;
  };
  const start = performance.now();
  const sources: Buffer[] = [];
  const results = await Promise.all(
    manifest.map(async (s, i) => {
      const a = await assignment(s.assignment);
      sources[i] = await fs.readFile(s.path);
      return {
        s,
        f: await runPipeline(deps, {
          source: sources[i],
          fileName: path.basename(a.sourceFile),
          assignment: a,
        }),
      };
    }),
  );
  const secs = (performance.now() - start) / 1000;
  // every grading goes into a fresh demo store, so `term summary` and `dashboard` have a term to show
  const demo = await openDemoStore(flags.db);
  const at = Date.now();
  try {
    await demo.store.recordGradings(
      results.map(({ s, f }, i) =>
        localGradingRecord({
          deps,
          feedback: f,
          source: sources[i]!,
          fileName: f.report.source.file,
          assignment: s.assignment,
          course: DEMO_COURSE,
          term: 'demo',
          // one student per fixture program: its file name
          student: path.basename(s.file, '.c'),
          trigger: 'demo',
          at,
        }),
      ),
    );
  } finally {
    await demo.store.close();
  }
  await fs.mkdir(flags.out, { recursive: true });
  for (const { s, f } of results) {
    const file = path.join(flags.out, s.file.replace(/\.c$/, '.md'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, f.comment);
  }
  const out = process.stdout;
  out.write(`${'submission'.padEnd(42)} ${'tests'.padEnd(17)} kind of fix (confidence)\n`);
  for (const { s, f } of results) out.write(line(s.file, f) + '\n');
  for (const name of flags.show) {
    const hit = results.find((r) => r.s.file === name);
    if (!hit) throw new CliError(`--show: no fixture submission ${name}`);
    out.write(`\n──── the comment ${hit.s.file} gets ────\n\n${hit.f.comment}`);
  }
  out.write(
    `\ngraded ${results.length} submissions in ${secs.toFixed(1)} s; each student's feedback is in ${flags.out}/\n`,
  );
  const db = demo.isDefault ? '' : ` --db ${path.relative(process.cwd(), demo.file)}`;
  out.write(`recorded in ${path.relative(process.cwd(), demo.file)}: try \`fixsense term summary${db}\`\n`);
}
