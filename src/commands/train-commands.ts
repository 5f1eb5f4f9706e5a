import path from 'node:path';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { evaluateModel, type EvaluateModelOptions } from '../training/evaluate-model.js';
import { retrain } from '../training/retrain.js';

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

/** The evaluate command's options as commander gives them: a taxonomy file, --no-fixtures. */
export type EvaluateFlags = Omit<EvaluateModelOptions, 'taxonomy' | 'withFixtures' | 'log'> & {
  taxonomy?: string;
  fixtures: boolean;
};

export async function evaluateCommand(flags: EvaluateFlags): Promise<void> {
  const report = await evaluateModel({
    data: flags.data,
    ...(flags.labels ? { labels: flags.labels } : {}),
    split: flags.split,
    trainSplit: flags.trainSplit,
    model: flags.model,
    out: flags.out,
    seeds: flags.seeds,
    mutants: flags.mutants,
    taxonomy: loadTaxonomy(flags.taxonomy ?? defaultTaxonomyPath),
    loao: flags.loao,
    loaoSeeds: flags.loaoSeeds,
    ablation: flags.ablation,
    withFixtures: flags.fixtures,
    log,
  });
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
