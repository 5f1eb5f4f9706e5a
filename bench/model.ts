/**
 * npm run bench (second part): the student model's cost per program in production:
 * featurize (tree-sitter parse + features) and infer (onnxruntime-node), on the fixture
 * submissions that fail. Target: median featurize + infer at most 2 ms.
 */
import fs from 'node:fs';
import { assignmentReference } from '../src/analysis/assignment-reference.js';
import { featurize } from '../src/analysis/featurize.js';
import { loadAssignment } from '../src/assignments/load-assignment.js';
import { resolveAssignment } from '../src/assignments/resolve-assignment.js';
import { loadSubmissionManifest } from '../src/fixtures/submission-manifest.js';
import { gradeSubmission } from '../src/grading/grade-submission.js';
import { loadPredictor } from '../src/model/predictor.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { fmt, median, percentile, printTable } from './table.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 50);
const sandbox = new Sandbox();
const programs = [];
for (const s of (await loadSubmissionManifest()).filter((x) => x.expect === 'FAIL')) {
  const source = fs.readFileSync(s.path, 'utf8');
  const assignment = await loadAssignment(resolveAssignment(s.assignment));
  // the reference's features are computed once per assignment in production too (cached)
  programs.push({
    source,
    reference: assignmentReference(assignment),
    report: await gradeSubmission(Buffer.from(source), assignment, sandbox),
  });
}
let start = performance.now();
const predictor = await loadPredictor();
const loadMs = performance.now() - start;

// warm-up: JIT, tree-sitter, onnxruntime
for (const p of programs) await predictor.predictFeatures(featurize(p.source, p.report, p.reference));

const feat: number[] = [];
const infer: number[] = [];
const both: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  for (const p of programs) {
    start = performance.now();
    const x = featurize(p.source, p.report, p.reference);
    const mid = performance.now();
    await predictor.predictFeatures(x);
    const end = performance.now();
    feat.push(mid - start);
    infer.push(end - mid);
    both.push(end - start);
  }
}
const m = predictor.manifest;
console.log(
  `\nfixsense model bench: ${programs.length} failing fixture programs × ${REPEAT}, model ${m.model.bytes} bytes (${m.features.names.length} features, trunk ${(m.training.config as { hidden?: number }).hidden} × ${(m.training.config as { members?: number }).members ?? 1})`,
);
printTable(
  'Per program (milliseconds)',
  ['stage', 'median', 'p95'],
  [
    ['featurize (parse + features)', fmt(median(feat), 3), fmt(percentile(feat, 95), 3)],
    ['infer (onnxruntime-node)', fmt(median(infer), 3), fmt(percentile(infer, 95), 3)],
    ['featurize + infer', fmt(median(both), 3), fmt(percentile(both, 95), 3)],
  ],
);
console.log(`model load (once per process): ${fmt(loadMs, 1)} ms; target: featurize + infer median <= 2 ms`);
