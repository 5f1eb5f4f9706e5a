import path from 'node:path';
import { featureGroup, FEATURE_NAMES, type FeatureGroup } from '../analysis/featurize.js';
import { loadPredictor } from '../model/predictor.js';
import { predict } from '../pipeline/pipeline.js';
import { assignmentReference } from '../analysis/assignment-reference.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { evaluate } from '../training/evaluate.js';
import type { Prepared } from '../training/prepare.js';
import { buildData, retrain, writeReport } from '../training/retrain.js';
import type { Prediction } from '../model/prediction.js';
import { DEFAULT_MUTANT_WEIGHT } from '../training/train-student.js';
import { CliError } from './cli-error.js';

export interface RetrainFlags {
  data: string;
  labels?: string;
  mutants: number;
  out: string;
  seed: number;
  members: number;
  taxonomy?: string;
  trainSplit: string;
  evalSplit: string;
  fixtures: boolean;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function retrainCommand(flags: RetrainFlags): Promise<void> {
  const taxonomy = loadTaxonomy(flags.taxonomy ?? defaultTaxonomyPath);
  const command = ['fixsense retrain', ...process.argv.slice(3)].join(' ');
  const { report } = await retrain({
    data: flags.data,
    ...(flags.labels ? { labels: flags.labels } : {}),
    out: flags.out,
    mutants: flags.mutants,
    seed: flags.seed,
    members: flags.members,
    taxonomy,
    trainSplit: flags.trainSplit,
    evalSplit: flags.evalSplit,
    withFixtures: flags.fixtures,
    command,
    log,
  });
  const v = report.variants;
  process.stdout.write(
    `${flags.evalSplit}: distilled accuracy ${v.distilled.accuracy.toFixed(3)}, macro-F1 ${v.distilled.macro_f1.toFixed(3)}, tag exact match ${report.reasoning.exact_match.toFixed(3)}; ` +
      `label-only accuracy ${v.label_only.accuracy.toFixed(3)}, macro-F1 ${v.label_only.macro_f1.toFixed(3)}\n` +
      `model, manifest and report in ${flags.out}\n`,
  );
}

export interface EvaluateFlags {
  data: string;
  labels?: string;
  split: string;
  trainSplit: string;
  model: string;
  out: string;
  seeds: number;
  mutants: number;
  taxonomy?: string;
  loao: boolean;
  loaoSeeds: number;
  ablation: boolean;
  fixtures: boolean;
}

/** Zeroes a feature group: with the training set's standardisation the network cannot use it. */
function without(items: Prepared[], group: FeatureGroup): Prepared[] {
  const idx = FEATURE_NAMES.map((n, i) => (featureGroup(n) === group ? i : -1)).filter((i) => i >= 0);
  return items.map((p) => {
    const f = Float32Array.from(p.features);
    for (const i of idx) f[i] = 0;
    return { ...p, features: f };
  });
}

export async function evaluateCommand(flags: EvaluateFlags): Promise<void> {
  const taxonomy = loadTaxonomy(flags.taxonomy ?? defaultTaxonomyPath);
  const seed = 1;
  const data = await buildData({
    data: flags.data,
    ...(flags.labels ? { labels: flags.labels } : {}),
    mutants: flags.mutants,
    seed,
    taxonomy,
    trainSplit: flags.trainSplit,
    evalSplit: flags.split,
    withFixtures: flags.fixtures,
    log,
  });
  if (!data.evaluation.length) throw new CliError(`no failing programs in the "${flags.split}" split of ${flags.data}`);
  const predictor = await loadPredictor(flags.model);
  const shippedPreds = new Map<string, Prediction>();
  // the shipped model answers through the pipeline's own analyse + predict stage, as in production
  for (const p of data.evaluation) {
    const notes: string[] = [];
    const prediction = await predict(
      { predictor },
      p.example.source,
      p.report,
      assignmentReference(await data.book.get(p.example.assignmentDir)),
      notes,
    );
    if (!prediction)
      throw new CliError(`${p.example.id}: no prediction (${notes.join(' ') || 'not a failing program'})`);
    shippedPreds.set(p.example.id, prediction);
  }
  const realTrain = data.train.filter((p) => p.example.provenance.kind === 'submission');
  const mutants = data.train.filter((p) => p.example.provenance.kind === 'mutant');
  const ablation = flags.ablation
    ? [
        ...(['code', 'lint', 'literal', 'verdicts', 'outputs', 'answers', 'inputs'] as FeatureGroup[]).map((g) => ({
          name: `without ${g} features`,
          train: without(data.train, g),
          test: without(data.evaluation, g),
        })),
        ...[0, 0.25, 0.5].map((share) => ({
          name:
            share === 0
              ? 'no mutants'
              : `${Math.round(share * 100)}% of the mutants (${Math.round(mutants.length * share)})`,
          train: [...realTrain, ...mutants.filter((_, i) => i % 4 < share * 4)],
          test: data.evaluation,
        })),
        { name: `all features, all ${mutants.length} mutants`, train: data.train, test: data.evaluation },
      ]
    : undefined;
  log(
    `training ${flags.seeds} seeds of both variants${flags.loao ? ', leave-one-assignment-out' : ''}${flags.ablation ? ', ablation' : ''}`,
  );
  const report = evaluate(
    { train: data.train, test: data.evaluation },
    {
      taxonomy,
      seeds: Array.from({ length: flags.seeds }, (_, i) => i + 1),
      mutantWeight: DEFAULT_MUTANT_WEIGHT,
      dataPath: flags.data,
      splitName: flags.split,
      mutants: mutants.length,
      skipped: data.skipped,
      shipped: { model: (p) => shippedPreds.get(p.example.id)!, variant: predictor.manifest.variant },
      ...(flags.loao
        ? { loao: { all: data.all, seeds: Array.from({ length: flags.loaoSeeds }, (_, i) => i + 1) } }
        : {}),
      ...(ablation ? { ablation } : {}),
      quiet: true,
    },
  );
  await writeReport(report, flags.out);
  const s = report.shipped!;
  process.stdout.write(
    `${flags.split} (${report.data.examples} programs): shipped model accuracy ${s.accuracy.toFixed(3)}, macro-F1 ${s.macro_f1.toFixed(3)}, tag exact match ${report.reasoning.exact_match.toFixed(3)}\n` +
      `${flags.seeds} seeds: distilled ${report.variants.distilled.accuracy.toFixed(3)} ± ${report.variants.distilled.accuracy_sd.toFixed(3)}, label-only ${report.variants.label_only.accuracy.toFixed(3)} ± ${report.variants.label_only.accuracy_sd.toFixed(3)}\n` +
      (report.loao
        ? `leave-one-assignment-out mean accuracy (${report.loao.seeds.length} seeds): distilled ${report.loao.mean.distilled.accuracy.toFixed(3)} ± ${report.loao.mean.distilled.accuracy_sd.toFixed(3)}, label-only ${report.loao.mean.label_only.accuracy.toFixed(3)} ± ${report.loao.mean.label_only.accuracy_sd.toFixed(3)}\n`
        : '') +
      `report: ${path.join(flags.out, 'report.md')}\n`,
  );
}
