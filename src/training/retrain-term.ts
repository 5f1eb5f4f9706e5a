/**
 * `retrain --term`: a new model version from everything the course has taught this term —
 * the teachers' supervision (TA reviews, label files, the LLM teacher), IntroClass, mutants of
 * every course assignment's reference — written as a new, immutable version in the model
 * registry (never over the serving one), and compared with the serving version on the same
 * held-out programs: the course's TA-confirmed labels of held-out students, and IntroClass's
 * validation split.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { assignmentIdentity } from '../model/assignment-identity.js';
import type { Manifest } from '../model/manifest.js';
import { loadPredictor, type Predictor } from '../model/predictor.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { barChartSvg } from './chart-svg.js';
import {
  compareModels,
  promotionVerdict,
  type ComparisonReport,
  type HeldOutProgram,
  type PromotionVerdict,
} from './compare-models.js';
import { comparisonMarkdown } from './comparison-report.js';
import { confusionSvg } from './confusion-svg.js';
import { DatasetError } from './dataset-error.js';
import type { EvaluationReport } from './evaluate.js';
import type { Example } from './example.js';
import { loadIntroclass } from './load-introclass.js';
import { DEFAULT_OWN_MUTANT_WEIGHT } from './new-assignment-curve.js';
import { addVersion, nextVersionName } from './registry-write.js';
import { reportHtml } from './report-html.js';
import { reportMarkdown } from './report-markdown.js';
import { buildFromExamples, trainShipped, writeModel } from './retrain.js';
import { agreementReport, type PairAgreement } from './teachers/agreement.js';
import { programHash, summariseDiscards, type TeacherName, type TeacherRun } from './teachers/teacher.js';
import { DEFAULT_MUTANT_WEIGHT } from './train-student.js';
import { countBy } from '../core/count-by.js';

export interface TermRetrainOptions {
  term: string;
  registry: string;
  /** The folder of the model serving now, which the new one is compared with (null: none). */
  serving: string | null;
  /** Supervision from the course's teachers: TA reviews, label files, the LLM teacher. */
  teachers: TeacherRun[];
  /** IntroClass, when its folder is there. */
  introclass?: string;
  /** The course's assignment folders: the mutation teacher mutates each one's reference. */
  assignmentDirs: string[];
  /** Loss weight of a course label (TA or label file) against IntroClass's 1. */
  courseWeight: number;
  mutants: number;
  seed: number;
  members?: number;
  calibrationSeeds: number;
  taxonomy: Taxonomy;
  withFixtures: boolean;
  /** How much worse than the serving model, on the course's held-out labels, promotion accepts. */
  margin: number;
  command: string;
  quiet?: boolean;
  log?: (line: string) => void;
}

export interface TermRetrainResult {
  version: string;
  dir: string;
  manifest: Manifest;
  comparison: ComparisonReport;
  /** Whether `models promote` would take it now (against the serving version); null with nothing serving. */
  verdict: PromotionVerdict | null;
  agreement: PairAgreement[];
  teachers: TermTeacherSummary[];
}

export interface TermTeacherSummary {
  teacher: TeacherName;
  used: number;
  discarded: number;
  reasons: string;
  stats: Record<string, number>;
}

/** When two teachers label one program, training takes one label: a TA's first, then a label file's, the LLM's, IntroClass's. */
const PRIORITY: TeacherName[] = ['ta', 'labels', 'llm', 'introclass', 'mutation'];
const COURSE_TEACHERS = new Set<TeacherName>(['ta', 'labels']);
export const HELD_OUT_FILE = 'heldout.json';

function trainingExamples(runs: TeacherRun[], courseWeight: number): { examples: Example[]; duplicates: number } {
  const seen = new Set<string>();
  const examples: Example[] = [];
  let duplicates = 0;
  for (const r of [...runs].sort((a, b) => PRIORITY.indexOf(a.teacher) - PRIORITY.indexOf(b.teacher)))
    for (const e of r.examples) {
      const h = `${e.assignment}:${programHash(e.source)}`;
      if (seen.has(h)) {
        duplicates++;
        continue;
      }
      seen.add(h);
      examples.push(COURSE_TEACHERS.has(r.teacher) && e.weight === undefined ? { ...e, weight: courseWeight } : e);
    }
  return { examples, duplicates };
}

export async function retrainTerm(o: TermRetrainOptions): Promise<TermRetrainResult> {
  const log = o.log ?? (() => {});
  const runs = [...o.teachers];
  if (o.introclass) {
    const ic = await loadIntroclass(o.introclass, o.taxonomy);
    runs.push({
      teacher: 'introclass',
      examples: ic.examples,
      discarded: ic.dropped,
      stats: { used: ic.examples.length },
    });
  }
  const teachers: TermTeacherSummary[] = runs.map((r) => ({
    teacher: r.teacher,
    used: r.examples.length,
    discarded: r.discarded.length,
    reasons: summariseDiscards(r.discarded),
    stats: r.stats,
  }));
  for (const t of teachers)
    log(`teacher ${t.teacher}: ${t.used} labels${t.discarded ? `, ${t.discarded} discarded (${t.reasons})` : ''}`);
  const { examples, duplicates } = trainingExamples(runs, o.courseWeight);
  if (duplicates)
    log(
      `${duplicates} programs labelled by two teachers: trained on the first teacher's label (TA, file, LLM, IntroClass)`,
    );
  if (!examples.length)
    throw new DatasetError('no labelled programs: no reviews this term, no label files, no IntroClass');
  const introclassIds = new Set(
    runs.filter((r) => r.teacher === 'introclass').flatMap((r) => r.examples.map((e) => e.id)),
  );

  const data = await buildFromExamples(
    examples,
    runs.flatMap((r) => r.discarded),
    'term',
    {
      mutants: o.mutants,
      seed: o.seed,
      taxonomy: o.taxonomy,
      trainSplit: 'train',
      evalSplit: 'validation',
      withFixtures: o.withFixtures,
      ownMutants: { dirs: o.assignmentDirs, weight: DEFAULT_OWN_MUTANT_WEIGHT },
      ...(o.quiet !== undefined ? { quiet: o.quiet } : {}),
      log,
    },
  );
  log(
    `training on ${data.train.length} programs (${data.train.filter((p) => p.example.provenance.kind === 'mutant').length} mutants); held out: ${data.evaluation.length}`,
  );
  const {
    shipped,
    report: evaluation,
    calibration,
    assignments,
  } = await trainShipped(data, {
    taxonomy: o.taxonomy,
    seed: o.seed,
    mutantWeight: DEFAULT_MUTANT_WEIGHT,
    ...(o.members !== undefined ? { members: o.members } : {}),
    evalSplit: 'validation',
    dataPath: `term ${o.term}`,
    calibrationSeeds: o.calibrationSeeds,
    ...(o.quiet !== undefined ? { quiet: o.quiet } : {}),
    log,
  });

  const heldOut: HeldOutProgram[] = [];
  for (const p of data.evaluation)
    heldOut.push({
      id: p.example.id,
      set: introclassIds.has(p.example.id) ? 'introclass' : 'course',
      assignment: assignmentIdentity(await data.book.get(p.example.assignmentDir)),
      fix_type: p.example.label.fixType,
      tags: p.example.label.tags,
      features: Array.from(p.features),
    });

  const version = await nextVersionName(o.registry, o.term);
  const serving: Predictor | null = o.serving ? await loadPredictor(o.serving) : null;
  const agreement = agreementReport(runs);
  let comparison: ComparisonReport | undefined;
  let verdict: PromotionVerdict | null = null;
  let manifest: Manifest | undefined;
  const dir = await addVersion(o.registry, version, async (tmp) => {
    manifest = await writeModel(
      shipped,
      {
        out: tmp,
        taxonomy: o.taxonomy,
        mutantWeight: DEFAULT_MUTANT_WEIGHT,
        command: o.command,
        data: `term ${o.term}`,
      },
      data,
      {
        split: 'validation',
        examples: data.evaluation.length,
        held_out: countBy(heldOut, (h) => h.set),
        distilled: {
          accuracy: evaluation.variants.distilled.accuracy,
          macro_f1: evaluation.variants.distilled.macro_f1,
        },
        label_only: {
          accuracy: evaluation.variants.label_only.accuracy,
          macro_f1: evaluation.variants.label_only.macro_f1,
        },
        teachers: Object.fromEntries(
          teachers.map((t) => [t.teacher, { used: t.used, discarded: t.discarded, reasons: t.reasons, ...t.stats }]),
        ),
        course_weight: o.courseWeight,
        agreement,
      },
      { version, assignments, calibration },
    );
    await fs.writeFile(path.join(tmp, HELD_OUT_FILE), JSON.stringify(heldOut) + '\n');
    const candidate = await loadPredictor(tmp);
    comparison = await compareModels(heldOut, serving ? [serving, candidate] : [candidate], o.taxonomy.fixTypes);
    verdict = serving ? promotionVerdict(comparison, version, serving.version, o.margin) : null;
    await writeTermReport(tmp, {
      version,
      serving: serving?.version ?? null,
      comparison,
      verdict,
      evaluation,
      teachers,
      agreement,
      calibration: manifest.calibration!,
    });
  });
  return { version, dir, manifest: manifest!, comparison: comparison!, verdict, agreement, teachers };
}

async function writeTermReport(
  dir: string,
  r: {
    version: string;
    serving: string | null;
    comparison: ComparisonReport;
    verdict: PromotionVerdict | null;
    evaluation: EvaluationReport;
    teachers: TermTeacherSummary[];
    agreement: PairAgreement[];
    calibration: NonNullable<Manifest['calibration']>;
  },
): Promise<void> {
  const svgs: Record<string, string> = {};
  const sets = r.comparison.sets;
  const versions = sets[0]?.models.map((m) => m.version) ?? [];
  svgs['comparison.svg'] = barChartSvg(
    'Fix-type accuracy on the held-out programs',
    sets.map((s) => `${s.name} (${s.programs})`),
    versions.map((v) => ({ name: v, values: sets.map((s) => s.models.find((m) => m.version === v)?.accuracy ?? 0) })),
  );
  const course = sets.find((s) => s.name === 'course') ?? sets[0];
  for (const m of course?.models ?? [])
    svgs[`confusion-${m.version}.svg`] = confusionSvg(m.confusion, `${course!.name}: ${m.version}`);
  const u = r.calibration.unseen;
  const md = [
    comparisonMarkdown(r.comparison, {
      title: `Model ${r.version}${r.serving ? ` against ${r.serving}` : ''}`,
      ...(r.verdict ? { verdict: r.verdict } : {}),
      charts: Object.keys(svgs).map((file) => ({ file, alt: file.replace(/\.svg$/, '') })),
      intro: [
        `Both models answer through the production predictor, each program told its assignment (so a model gets its unseen calibration on an assignment it did not learn from). "course": TA-confirmed labels of students held out by a hash of their login; "introclass": the IntroClass validation split.`,
      ],
    }),
    '## Teachers',
    '',
    '| teacher | labels used | discarded | why |',
    '|---|---|---|---|',
    ...r.teachers.map((t) => `| ${t.teacher} | ${t.used} | ${t.discarded} | ${t.reasons || '–'} |`),
    '',
    '## Agreement between teachers (programs both labelled)',
    '',
    '| teachers | programs | agreement | Cohen’s kappa |',
    '|---|---|---|---|',
    ...r.agreement.map(
      (a) =>
        `| ${a.teachers.join(' – ')} | ${a.shared} | ${a.agreement?.toFixed(3) ?? '–'} | ${a.kappa?.toFixed(3) ?? '–'} |`,
    ),
    '',
    '## Confidence on new assignments',
    '',
    u.fitted_on.assignments
      ? `Unseen temperature ${u.temperature}, fitted leave-one-assignment-out on ${u.fitted_on.assignments} assignments (${u.fitted_on.programs} programs, ${u.fitted_on.seeds} seed${u.fitted_on.seeds === 1 ? '' : 's'}); an assignment counts as seen from ${u.seen_from} labelled programs.`
      : `Unseen temperature ${u.temperature}: the default measured on IntroClass (fewer than two assignments here had enough labelled programs to fit one); an assignment counts as seen from ${u.seen_from} labelled programs.`,
    '',
    '---',
    '',
    reportMarkdown(r.evaluation).replace(
      /^# Student model evaluation/,
      '# The new model on all held-out programs together',
    ),
  ].join('\n');
  for (const [file, svg] of Object.entries(svgs)) await fs.writeFile(path.join(dir, file), svg);
  await fs.writeFile(path.join(dir, 'report.md'), md);
  await fs.writeFile(path.join(dir, 'report.html'), reportHtml(md, svgs, `fixsense: model ${r.version}`));
  await fs.writeFile(
    path.join(dir, 'report.json'),
    JSON.stringify(
      {
        comparison: r.comparison,
        verdict: r.verdict,
        teachers: r.teachers,
        agreement: r.agreement,
        evaluation: r.evaluation,
      },
      null,
      2,
    ) + '\n',
  );
}
