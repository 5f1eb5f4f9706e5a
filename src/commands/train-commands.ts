import type { Command } from 'commander';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCourse, type Course } from '../course/course.js';
import { cacheDir } from '../core/cache-dir.js';
import { modelsDir } from '../core/paths.js';
import { isRegistry, SERVING_ALIAS, versionDir } from '../model/registry.js';
import { defaultTaxonomyPath, loadTaxonomy, type Taxonomy } from '../model/taxonomy.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { openStore, type Store } from '../store/store.js';
import { evaluateModel, type EvaluateModelOptions } from '../training/evaluate-model.js';
import { introclassDir } from '../training/introclass-paths.js';
import { splitOfStudent } from '../training/load-labelled-folder.js';
import { DEFAULT_COURSE_WEIGHT } from '../training/new-assignment-curve.js';
import { ensureRegistry, writeServingMirror } from '../training/registry-write.js';
import { ReportCache } from '../training/report-cache.js';
import { retrain } from '../training/retrain.js';
import { retrainTerm } from '../training/retrain-term.js';
import { llmConfigFromEnv, llmTeacher, type LlmProgram } from '../training/teachers/llm-teacher.js';
import { labelsFileTeacher, taTeacher, type ReviewedSubmission } from '../training/teachers/ta-teacher.js';
import type { TeacherRun } from '../training/teachers/teacher.js';
import { CliError } from './cli-error.js';

export interface RetrainFlags {
  data?: string;
  labels?: string;
  mutants: number;
  out: string;
  seed: number;
  members: number;
  taxonomy?: string;
  trainSplit: string;
  evalSplit: string;
  fixtures: boolean;
  calibrationSeeds: number;
  /** retrain --term: a new version in the registry from the course's store. */
  term?: string;
  course?: string;
  db?: string;
  registry?: string;
  introclass?: string;
  courseWeight: number;
  margin: number;
  by?: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const out = (s: string) => process.stdout.write(s);

export async function retrainCommand(flags: RetrainFlags): Promise<void> {
  const taxonomy = loadTaxonomy(flags.taxonomy ?? defaultTaxonomyPath);
  const command = ['fixsense retrain', ...process.argv.slice(3)].join(' ');
  if (flags.term) return retrainTermCommand(flags, taxonomy, command);
  if (!flags.data)
    throw new CliError("required option '--data <path>' not specified (or give --term to retrain from the store)");
  const { report } = await retrain({
    data: flags.data,
    ...(flags.labels ? { labels: flags.labels } : {}),
    out: flags.out,
    mutants: flags.mutants,
    seed: flags.seed,
    members: flags.members,
    calibrationSeeds: flags.calibrationSeeds,
    taxonomy,
    trainSplit: flags.trainSplit,
    evalSplit: flags.evalSplit,
    withFixtures: flags.fixtures,
    command,
    log,
  });
  const v = report.variants;
  out(
    `${flags.evalSplit}: distilled accuracy ${v.distilled.accuracy.toFixed(3)}, macro-F1 ${v.distilled.macro_f1.toFixed(3)}, tag exact match ${report.reasoning.exact_match.toFixed(3)}; ` +
      `label-only accuracy ${v.label_only.accuracy.toFixed(3)}, macro-F1 ${v.label_only.macro_f1.toFixed(3)}\n` +
      `model, manifest and report in ${flags.out}\n`,
  );
}

/** Who moved an alias, for its log: --by, else the login running the command. */
export function actor(by: string | undefined): string {
  if (by) return by;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The registry a command works on: --registry, else the course's `model:` folder when it is one, else data/models. */
export async function registryOf(flags: { registry?: string }, course: Course | null): Promise<string> {
  if (flags.registry) return path.resolve(flags.registry);
  if (course?.model && (await isRegistry(course.model))) return course.model;
  return path.resolve('data', 'models');
}

/** The store for one command, closed after; its errors are the store's (exit 3: try again, 2: a wrong setting). */
export async function withStore<T>(db: string | undefined, f: (s: Store) => Promise<T>, create = false): Promise<T> {
  const store = await openStore({ ...(db ? { db } : {}), create });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** The term's TA-reviewed submissions, with their sources, as the TA teacher takes them. */
async function termReviews(store: Store, term: string): Promise<ReviewedSubmission[]> {
  const rows: ReviewedSubmission[] = [];
  for await (const r of store.exportTerm({ term, reviewedOnly: true, withSources: true }))
    if (r.review)
      rows.push({
        submissionId: r.id,
        term: r.term,
        assignment: r.assignment,
        student: r.student.login,
        source: r.sourceContent?.toString('utf8') ?? null,
        fixType: r.review.fixType,
        tags: r.review.tags,
        reviewer: r.review.reviewer,
      });
  return rows;
}

/** The LLM teacher on the term's failing submissions (reviewed ones too: the agreement report compares them). */
async function llmRun(store: Store, term: string, course: Course, taxonomy: Taxonomy): Promise<TeacherRun | null> {
  const config = llmConfigFromEnv();
  if (!config) return null;
  const cache = new ReportCache(cacheDir(), new Sandbox());
  const programs: LlmProgram[] = [];
  for await (const r of store.exportTerm({ term, withSources: true })) {
    const a = course.byName(r.assignment);
    if (!a || !r.sourceContent || r.verdict !== 'FAIL') continue;
    const source = r.sourceContent.toString('utf8');
    programs.push({
      id: `store:${r.term}:${r.id}`,
      assignment: a.assignment,
      student: r.student.login,
      split: splitOfStudent(r.student.login),
      source,
      report: await cache.grade(source, a.assignment),
    });
  }
  log(`LLM teacher (${config.model} at ${config.baseUrl}): ${programs.length} failing programs`);
  return llmTeacher(programs, {
    config,
    taxonomy,
    grade: (s, a) => cache.grade(s, a),
    cacheDir: path.join(cacheDir(), 'llm'),
  });
}

async function retrainTermCommand(flags: RetrainFlags, taxonomy: Taxonomy, command: string): Promise<void> {
  const term = flags.term!;
  const courseFile = flags.course ?? process.env.COURSE_FILE ?? 'course.yml';
  if (!fs.existsSync(courseFile))
    throw new CliError(
      `--term needs the course (its assignment folders): ${courseFile} not found, give --course course.yml`,
    );
  const course = await loadCourse(courseFile);
  const registry = await registryOf(flags, course);
  // the model that served before the registry: the course's model folder, unless that is the registry (to be)
  const fallback =
    course.model && path.resolve(course.model) !== registry && fs.existsSync(path.join(course.model, 'manifest.json'))
      ? course.model
      : modelsDir;
  const by = actor(flags.by);
  await withStore(
    flags.db,
    async (store) => {
      const { created, registry: reg } = await ensureRegistry(registry, fallback);
      if (created) {
        // the model that served before the registry is its first version, and serves until a promotion
        const base = versionDir(registry, reg.base);
        const manifest = JSON.parse(fs.readFileSync(path.join(base, 'manifest.json'), 'utf8')) as {
          model: { sha256: string };
        };
        await store.registerModelVersion({
          version: reg.base,
          by,
          sha256: manifest.model.sha256,
          manifest,
          notes: `imported from ${fallback}`,
        });
        log(`model registry created in ${registry}; its first version ${reg.base} is the model in ${fallback}`);
      }
      if (!(await store.getAlias(SERVING_ALIAS))) {
        const move = await store.moveAlias({
          alias: SERVING_ALIAS,
          version: reg.base,
          by,
          reason: 'the registry’s first version',
        });
        await writeServingMirror(registry, { version: move.to, movedAt: move.movedAt, movedBy: move.movedBy });
      }
      const serving = (await store.getAlias(SERVING_ALIAS))!.version;
      const dirs = new Map(course.assignments.map((a) => [a.name, a.assignment.dir]));
      const teachers: TeacherRun[] = [taTeacher(await termReviews(store, term), dirs, taxonomy, `store: term ${term}`)];
      if (flags.labels) {
        if (!flags.data) throw new CliError('--labels needs --data, the folder its files are in');
        teachers.push(await labelsFileTeacher(flags.data, flags.labels, taxonomy));
      }
      const llm = await llmRun(store, term, course, taxonomy);
      if (llm) teachers.push(llm);
      const ic = flags.introclass === 'none' ? undefined : path.resolve(flags.introclass ?? introclassDir());
      const introclass = ic && fs.existsSync(path.join(ic, 'defects.jsonl')) ? ic : undefined;
      if (!introclass) log(`no IntroClass data${ic ? ` in ${ic}` : ''}: training on the course's data alone`);
      const r = await retrainTerm({
        term,
        registry,
        serving: versionDir(registry, serving),
        teachers,
        ...(introclass ? { introclass } : {}),
        assignmentDirs: course.assignments.map((a) => a.assignment.dir),
        courseWeight: flags.courseWeight,
        mutants: flags.mutants,
        seed: flags.seed,
        members: flags.members,
        calibrationSeeds: flags.calibrationSeeds,
        taxonomy,
        withFixtures: flags.fixtures,
        margin: flags.margin,
        command,
        log,
      });
      await store.registerModelVersion({
        version: r.version,
        by,
        sha256: r.manifest.model.sha256,
        manifest: r.manifest,
        notes: `retrain --term ${term}`,
      });
      const lines = r.comparison.sets.map(
        (s) =>
          `${s.name} (${s.programs} held out): ${s.models.map((m) => `${m.version} ${m.accuracy.toFixed(3)}`).join(', ')}`,
      );
      out(
        `new model version ${r.version} in ${r.dir} (serving: ${serving})\n` +
          lines.map((l) => `  ${l}\n`).join('') +
          (r.verdict
            ? `promotion: ${r.verdict.ok ? 'allowed' : 'refused'} (${r.verdict.reason})\n` +
              (r.verdict.ok ? `serve it with: fixsense models promote ${r.version}\n` : '')
            : '') +
          `report: ${path.join(r.dir, 'report.html')}\n`,
      );
    },
    true,
  );
}

/** The evaluate command's options as commander gives them: a taxonomy file, --no-fixtures. */
export type EvaluateFlags = Omit<EvaluateModelOptions, 'taxonomy' | 'withFixtures' | 'log' | 'curveSeeds'> & {
  taxonomy?: string;
  fixtures: boolean;
  newAssignmentCurve?: boolean;
  curveSeeds: number;
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
    curveSeeds: flags.newAssignmentCurve ? flags.curveSeeds : 0,
    courseWeight: flags.courseWeight ?? DEFAULT_COURSE_WEIGHT,
    withFixtures: flags.fixtures,
    log,
  });
  const s = report.shipped!;
  const shown = (c: { shown: { threshold: number; coverage: number; accuracy: number | null }[] }) => {
    const r = c.shown.find((x) => x.threshold === 0.6);
    return r ? `${r.accuracy?.toFixed(3) ?? '–'} right at ${Math.round(100 * r.coverage)}% coverage` : '–';
  };
  out(
    `${flags.split} (${report.data.examples} programs): shipped model accuracy ${s.accuracy.toFixed(3)}, macro-F1 ${s.macro_f1.toFixed(3)}, tag exact match ${report.reasoning.exact_match.toFixed(3)}\n` +
      `${flags.seeds} seeds: distilled ${report.variants.distilled.accuracy.toFixed(3)} ± ${report.variants.distilled.accuracy_sd.toFixed(3)}, label-only ${report.variants.label_only.accuracy.toFixed(3)} ± ${report.variants.label_only.accuracy_sd.toFixed(3)}\n` +
      (report.loao
        ? `leave-one-assignment-out mean accuracy (${report.loao.seeds.length} seeds): distilled ${report.loao.mean.distilled.accuracy.toFixed(3)} ± ${report.loao.mean.distilled.accuracy_sd.toFixed(3)}, label-only ${report.loao.mean.label_only.accuracy.toFixed(3)} ± ${report.loao.mean.label_only.accuracy_sd.toFixed(3)}\n`
        : '') +
      (report.confidence?.seen ? `shown at 0.6, ${flags.split}: ${shown(report.confidence.seen)}\n` : '') +
      (report.confidence?.loao
        ? `shown at 0.6, held-out assignments: ${shown(report.confidence.loao.before)} as the network says, ${shown(report.confidence.loao.after)} calibrated (T = ${report.confidence.loao.temperature})\n`
        : '') +
      (report.new_assignment
        ? `new assignment, distilled accuracy by k: ${report.new_assignment.curve.map((c) => `k=${c.k} ${c.distilled.accuracy.toFixed(3)}`).join(', ')}\n`
        : '') +
      `report: ${path.join(flags.out, 'report.md')}\n`,
  );
}

/** An integer option from `min` to `max`, refused by name otherwise. */
export const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
};

/** A number option from `min` to `max`. */
export const num = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n < min || n > max)
    throw new CliError(`${name} must be a number from ${min} to ${max}, got "${v}"`);
  return n;
};

/** `retrain` and `evaluate`. */
export function registerTrainCommands(program: Command): void {
  program
    .command('retrain')
    .description(
      "build the dataset (teacher labels + mutants), train both students, evaluate, write the model, manifest and report; with --term, a new version in the model registry from the course's store",
    )
    .option('--data <path>', 'a folder in the IntroClass format, or a folder of submissions with --labels')
    .option('--labels <jsonl>', 'labels of the submissions in --data, one JSON object a line')
    .option('--mutants <n>', 'mutants to add to the training data', int('--mutants', 0, 50_000), 4000)
    .option('--out <folder>', 'where to write student.onnx, manifest.json and the report', modelsDir)
    .option(
      '--seed <n>',
      'random seed (the same command, seed and graded reports in .cache give the same model)',
      int('--seed', 0, 2 ** 31 - 1),
      1,
    )
    .option(
      '--members <n>',
      'seeds trained and merged (logit average) into the shipped network',
      int('--members', 1, 20),
      5,
    )
    .option(
      '--calibration-seeds <n>',
      'seeds of the leave-one-assignment-out run that fits the confidence on new assignments (0: the default)',
      int('--calibration-seeds', 0, 10),
      1,
    )
    .option('--taxonomy <file>', 'label taxonomy (default models/taxonomy.json)')
    .option('--train-split <name>', 'split to train on', 'train')
    .option('--eval-split <name>', 'split to evaluate on', 'validation')
    .option('--no-fixtures', "do not mutate the project's own correct fixture programs")
    .option(
      '--term <name>',
      "retrain from this term's TA reviews in the store (plus --labels, IntroClass, mutants): a new registry version",
    )
    .option('--course <course.yml>', 'with --term: the course (default: $COURSE_FILE, else course.yml)')
    .option('--db <file-or-url>', 'with --term: the store (default: $DATABASE_URL, else data/fixsense.db)')
    .option(
      '--registry <folder>',
      "with --term: the model registry (default: the course's model: folder when it is one, else data/models)",
    )
    .option(
      '--introclass <folder>',
      'with --term: the IntroClass data, or "none" (default: $FIXSENSE_INTROCLASS, else ../shared/introclass when there)',
    )
    .option(
      '--course-weight <w>',
      "with --term: the loss weight of a course label against IntroClass's 1",
      num('--course-weight', 0, 100),
      DEFAULT_COURSE_WEIGHT,
    )
    .option(
      '--margin <x>',
      "with --term: how much lower the new model's accuracy on the course's held-out labels may be and still count as not worse",
      num('--margin', 0, 1),
      0,
    )
    .option('--by <name>', 'with --term: who, for the registry (default: your user name)')
    .action(retrainCommand);

  program
    .command('evaluate')
    .description(
      "measure the model on a split: the paper's tables, baselines, seeds, intervals, leave-one-assignment-out",
    )
    .requiredOption('--data <path>', 'a folder in the IntroClass format, or a folder of submissions with --labels')
    .requiredOption('--split <name>', 'the split to evaluate on, e.g. validation')
    .option('--labels <jsonl>', 'labels of the submissions in --data')
    .option('--model <folder>', 'the model folder (student.onnx + manifest.json), or a model registry', modelsDir)
    .option('--out <folder>', 'where to write report.md, report.html, report.json and the charts', 'evaluation')
    .option('--train-split <name>', 'split the comparison students train on', 'train')
    .option('--seeds <n>', 'seeds per variant', int('--seeds', 1, 20), 5)
    .option('--mutants <n>', 'mutants for the comparison students', int('--mutants', 0, 50_000), 4000)
    .option('--taxonomy <file>', 'label taxonomy (default models/taxonomy.json)')
    .option('--no-loao', 'skip leave-one-assignment-out')
    .option('--loao-seeds <n>', 'seeds per leave-one-assignment-out fold and variant', int('--loao-seeds', 1, 20), 3)
    .option('--ablation', 'also train without each feature group and with fewer mutants')
    .option(
      '--new-assignment-curve',
      "the learning curve on a new assignment: train without it, add k = 0, 5, 10, 20, 40 of its labelled programs and its reference's mutants",
    )
    .option('--curve-seeds <n>', 'seeds of the learning curve', int('--curve-seeds', 1, 20), 3)
    .option(
      '--course-weight <w>',
      "the loss weight of the new assignment's labelled programs in the curve",
      num('--course-weight', 0, 100),
      DEFAULT_COURSE_WEIGHT,
    )
    .option('--no-fixtures', "do not mutate the project's own correct fixture programs")
    .action(evaluateCommand);
}
