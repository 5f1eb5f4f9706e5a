import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FEATURE_NAMES, FEATURE_SPEC_VERSION, featurize } from '../analysis/featurize.js';
import { assignmentReference } from '../analysis/assignment-reference.js';
import { cacheDir } from '../core/cache-dir.js';
import { exportOnnx, FIX_OUTPUT, INPUT_NAME, TAG_OUTPUT } from './export-onnx.js';
import type { Manifest } from '../model/manifest.js';
import type { Taxonomy } from '../model/taxonomy.js';
import type { Calibration, TrainedAssignment } from '../model/calibration.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { confusionSvg } from './confusion-svg.js';
import { DatasetError } from './dataset-error.js';
import { evaluate, type EvaluationReport } from './evaluate.js';
import type { Example } from './example.js';
import { loadDataset } from './load-dataset.js';
import { mutationBases } from './mutant-bases.js';
import { generateMutants, type MutantStats } from './mutation/generate-mutants.js';
import { referenceMutants } from './teachers/reference-mutants.js';
import { fitModelCalibration, OWN_MUTANT_SOURCE, trainedAssignments } from './calibrate-model.js';
import { AssignmentBook, prepare, type Prepared } from './prepare.js';
import { progress } from './progress.js';
import { ReportCache } from './report-cache.js';
import { reportMarkdown } from './report-markdown.js';
import { reportHtml } from './report-html.js';
import { lineChartSvg } from './chart-svg.js';
import { DEFAULT_MEMBERS, DEFAULT_MUTANT_WEIGHT, type StudentModel } from './train-student.js';
import { countBy } from '../core/count-by.js';

export interface RetrainOptions extends Omit<BuildOptions, 'data' | 'ownMutants'> {
  data: string;
  labels?: string;
  out: string;
  mutantWeight?: number;
  members?: number;
  /** Seeds of the leave-one-assignment-out run that fits the unseen calibration (0: the default temperature). */
  calibrationSeeds?: number;
  command: string;
}

export interface BuiltData {
  train: Prepared[];
  evaluation: Prepared[];
  all: Prepared[];
  skipped: { id: string; reason: string }[];
  dropped: { id: string; reason: string }[];
  format: string;
  splits: Record<string, number>;
  mutantStats: MutantStats;
  mutantsFile: string;
  /** The assignments loaded on the way, for whoever grades or featurizes more of them. */
  book: AssignmentBook;
}

/** Loads the labelled data, makes and grades mutants, grades and featurizes everything. */
export async function buildData(o: Omit<RetrainOptions, 'out' | 'command'>): Promise<BuiltData> {
  const ds = await loadDataset({ data: o.data, ...(o.labels ? { labels: o.labels } : {}) }, o.taxonomy);
  return buildFromExamples(ds.examples, ds.dropped, ds.format, o);
}

export interface BuildOptions {
  mutants: number;
  seed: number;
  taxonomy: Taxonomy;
  trainSplit: string;
  evalSplit: string;
  withFixtures: boolean;
  /** Also mutate each of these assignments' reference alone (the mutation teacher for a course's assignments). */
  ownMutants?: { dirs: string[]; weight: number };
  quiet?: boolean;
  log?: (line: string) => void;
  /** Where the data came from, for the error when the training split is empty. */
  data?: string;
}

/** The labelled examples, whatever teachers gave them, made into training data: mutants, grading, features. */
export async function buildFromExamples(
  examples: Example[],
  dropped: { id: string; reason: string }[],
  format: string,
  o: BuildOptions,
): Promise<BuiltData> {
  const log = o.log ?? (() => {});
  const t = o.taxonomy;
  const splits = countBy(examples, (e) => e.split);
  log(
    `labels: ${examples.length} used, ${dropped.length} dropped${dropped.length ? ` (${summarise(dropped)})` : ''}; splits ${JSON.stringify(splits)}`,
  );
  const trainEx = examples.filter((e) => e.split === o.trainSplit);
  if (!trainEx.length)
    throw new DatasetError(`no examples in the "${o.trainSplit}" split${o.data ? ` of ${o.data}` : ''}`);
  const book = new AssignmentBook();
  const sandbox = new Sandbox();
  const cache = new ReportCache(cacheDir(), sandbox);

  const bases = await mutationBases(trainEx, book, o.withFixtures);
  const bar = progress('grading mutants', Math.round(o.mutants * 1.6), o.quiet);
  const mut = await generateMutants(
    bases,
    o.mutants,
    o.seed,
    t,
    (s, a) => cache.grade(s, a),
    () => bar.tick(),
  );
  bar.stop();
  log(
    `mutants: ${mut.stats.kept} kept of ${mut.stats.graded} graded (${mut.stats.candidates} candidates from ${bases.length} correct programs; ${mut.stats.equivalent} passed every test, ${mut.stats.notCompiling} did not compile, ${mut.stats.nondeterministic} printed differently when re-run)`,
  );
  const mutantExamples = [...mut.examples];
  const reports = new Map(mut.reports);
  if (o.ownMutants) {
    const seen = new Set(mut.examples.map((e) => e.source));
    for (const dir of o.ownMutants.dirs) {
      const own = await referenceMutants(await book.get(dir), {
        seed: o.seed,
        taxonomy: t,
        grade: (s, a) => cache.grade(s, a),
      });
      const fresh = own.examples.filter((e) => !seen.has(e.source));
      for (const e of fresh) {
        mutantExamples.push({
          ...e,
          weight: o.ownMutants.weight,
          provenance: { ...e.provenance, source: OWN_MUTANT_SOURCE },
        });
        reports.set(e.id, own.reports.get(e.id)!);
      }
      log(`mutation teacher: ${fresh.length} mutants of ${path.basename(dir)}'s reference solution`);
    }
  }
  const mutantsFile = await writeMutants(mutantExamples, o.seed);

  const real = await prepare(examples, book, cache, { title: 'grading submissions', quiet: o.quiet ?? false });
  // mutants come graded already, with their own limits
  const mutantsPrepared: Prepared[] = await Promise.all(
    mutantExamples.map(async (e) => {
      const report = reports.get(e.id)!;
      return {
        example: e,
        report,
        features: featurize(e.source, report, assignmentReference(await book.get(e.assignmentDir))),
      };
    }),
  );
  const train = [...real.prepared.filter((p) => p.example.split === o.trainSplit), ...mutantsPrepared];
  const evaluation = real.prepared.filter((p) => p.example.split === o.evalSplit);
  return {
    train,
    evaluation,
    all: [...real.prepared, ...mutantsPrepared],
    skipped: real.skipped,
    dropped,
    format,
    splits,
    mutantStats: mut.stats,
    mutantsFile,
    book,
  };
}

function summarise(items: { reason: string }[]): string {
  return Object.entries(countBy(items, (i) => i.reason))
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
}

async function writeMutants(examples: Example[], seed: number): Promise<string> {
  const dir = path.join(cacheDir(), 'mutants');
  await fs.mkdir(dir, { recursive: true });
  const text =
    examples
      .map((e) =>
        JSON.stringify({
          id: e.id,
          assignment: e.assignment,
          label: e.label,
          provenance: e.provenance,
          source: e.source,
        }),
      )
      .join('\n') + '\n';
  const file = path.join(
    dir,
    `mutants-seed${seed}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}.jsonl`,
  );
  await fs.writeFile(file, text);
  return file;
}

export async function writeModel(
  model: StudentModel,
  o: Pick<RetrainOptions, 'out' | 'taxonomy' | 'mutantWeight' | 'command' | 'data'>,
  data: BuiltData,
  metrics: Record<string, unknown>,
  extra: Pick<Manifest, 'version' | 'assignments' | 'calibration'> = {},
): Promise<Manifest> {
  await fs.mkdir(o.out, { recursive: true });
  const onnx = exportOnnx(model.weights, { feature_spec: FEATURE_SPEC_VERSION, variant: model.variant });
  const file = 'student.onnx';
  await fs.writeFile(path.join(o.out, file), onnx);
  const teachers = countBy(data.train, (p) => p.example.label.teacher);
  const droppedReasons = countBy(data.dropped, (d) => d.reason);
  const manifest: Manifest = {
    schema: 'fixsense/model-manifest@1',
    model: {
      file,
      sha256: createHash('sha256').update(onnx).digest('hex'),
      bytes: onnx.length,
      input: INPUT_NAME,
      outputs: { fixType: FIX_OUTPUT, tags: TAG_OUTPUT },
    },
    created: new Date().toISOString(),
    variant: model.variant,
    taxonomy: { version: o.taxonomy.version, fixTypes: o.taxonomy.fixTypes, tags: o.taxonomy.tags },
    features: { version: FEATURE_SPEC_VERSION, names: [...FEATURE_NAMES] },
    decoding: { tagSets: model.prior.sets, tagSetCounts: model.prior.counts },
    training: {
      seed: model.seed,
      config: { ...model.config, temperature: model.temperature },
      mutantWeight: o.mutantWeight ?? DEFAULT_MUTANT_WEIGHT,
      bestEpoch: model.bestEpoch,
      epochs: model.epochs,
      ms: Math.round(model.ms),
      command: o.command,
    },
    data: {
      source: o.data,
      format: data.format,
      splits: data.splits,
      labels: {
        used: Object.values(data.splits).reduce((a, b) => a + b, 0),
        dropped: data.dropped.length,
        droppedReasons,
      },
      teachers,
      trainedOn: model.trainedOn,
      mutants: { ...data.mutantStats, file: path.relative(process.cwd(), data.mutantsFile) },
    },
    metrics,
    ...extra,
  };
  await fs.writeFile(path.join(o.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** report.json, report.md and report.html (its charts inlined), with the charts as SVG files beside them. */
export async function writeReport(report: EvaluationReport, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  const svgs: Record<string, string> = {};
  if (report.shipped)
    svgs['confusion.svg'] = confusionSvg(report.shipped.confusion, `Fix types on ${report.data.split}: shipped model`);
  if (report.new_assignment) {
    const c = report.new_assignment.curve;
    svgs['new-assignment.svg'] = lineChartSvg(
      'A new assignment: accuracy on its held-out programs',
      'labelled programs of the new assignment (k)',
      c.map((p) => p.k),
      [
        { name: 'distilled', values: c.map((p) => p.distilled.accuracy) },
        { name: 'label-only', values: c.map((p) => p.label_only.accuracy) },
      ],
    );
  }
  for (const [file, svg] of Object.entries(svgs)) await fs.writeFile(path.join(dir, file), svg);
  const md = reportMarkdown(
    report,
    svgs['confusion.svg'] ? 'confusion.svg' : undefined,
    svgs['new-assignment.svg'] ? 'new-assignment.svg' : undefined,
  );
  await fs.writeFile(path.join(dir, 'report.md'), md);
  await fs.writeFile(path.join(dir, 'report.html'), reportHtml(md, svgs, 'fixsense: student model evaluation'));
}

/**
 * The model to ship and its evaluation: both students on the same data and seed (the first
 * distilled one is shipped), the unseen calibration fitted leave-one-assignment-out, and the
 * assignments it learnt from.
 */
export async function trainShipped(
  data: BuiltData,
  o: {
    taxonomy: Taxonomy;
    seed: number;
    mutantWeight: number;
    members?: number;
    evalSplit: string;
    dataPath: string;
    calibrationSeeds: number;
    quiet?: boolean;
    log?: (line: string) => void;
  },
): Promise<{
  shipped: StudentModel;
  report: EvaluationReport;
  calibration: Calibration;
  assignments: TrainedAssignment[];
}> {
  let shippedModel: StudentModel | undefined;
  const report = evaluate(
    { train: data.train, test: data.evaluation },
    {
      taxonomy: o.taxonomy,
      seeds: [o.seed],
      mutantWeight: o.mutantWeight,
      dataPath: o.dataPath,
      splitName: o.evalSplit,
      mutants: data.mutantStats.kept,
      skipped: data.skipped,
      quiet: o.quiet ?? false,
      shipFirstDistilled: true,
      members: o.members ?? DEFAULT_MEMBERS,
      onModel: (m) => {
        if (m.variant === 'distilled' && !shippedModel) shippedModel = m;
      },
    },
  );
  o.log?.('fitting the confidence for new assignments (leave-one-assignment-out)');
  const calibration = fitModelCalibration(data.all, {
    taxonomy: o.taxonomy,
    seeds: Array.from({ length: o.calibrationSeeds }, (_, i) => o.seed + i),
    testSplit: o.evalSplit,
    mutantWeight: o.mutantWeight,
    quiet: o.quiet ?? false,
  });
  return { shipped: shippedModel!, report, calibration, assignments: await trainedAssignments(data.train, data.book) };
}

/**
 * retrain: data → mutants → both students (same data, features, architecture, seed) →
 * evaluation on the evaluation split → ONNX + manifest + report in `out`.
 */
export async function retrain(o: RetrainOptions): Promise<{ manifest: Manifest; report: EvaluationReport }> {
  const log = o.log ?? (() => {});
  const start = performance.now();
  const data = await buildData(o);
  log(
    `training on ${data.train.length} programs (${data.train.filter((p) => p.example.provenance.kind === 'mutant').length} mutants), evaluating on ${data.evaluation.length} (${o.evalSplit})`,
  );
  const mutantWeight = o.mutantWeight ?? DEFAULT_MUTANT_WEIGHT;
  const { shipped, report, calibration, assignments } = await trainShipped(data, {
    ...o,
    mutantWeight,
    dataPath: o.data,
    calibrationSeeds: o.calibrationSeeds ?? 1,
    log,
  });
  const manifest = await writeModel(
    shipped,
    { ...o, mutantWeight },
    data,
    {
      split: o.evalSplit,
      examples: data.evaluation.length,
      distilled: { accuracy: report.variants.distilled.accuracy, macro_f1: report.variants.distilled.macro_f1 },
      label_only: { accuracy: report.variants.label_only.accuracy, macro_f1: report.variants.label_only.macro_f1 },
      reasoning: report.reasoning,
      baselines: report.baselines,
    },
    { assignments, calibration },
  );
  await writeReport(report, o.out);
  log(
    `wrote ${path.join(o.out, 'student.onnx')} (${manifest.model.bytes} bytes), manifest.json and report.md in ${((performance.now() - start) / 1000).toFixed(0)} s`,
  );
  return { manifest, report };
}
