import { coverageTable } from './comparison-report.js';
import type { EvaluationReport } from './evaluate.js';

const PAPER = {
  label_only: { accuracy: 0.491, macro_f1: 0.213 },
  distilled: { accuracy: 0.544, macro_f1: 0.249 },
  reasoning: { macro_f1: 0.545, micro_f1: 0.937, exact_match: 0.789 },
};
const f = (x: number) => x.toFixed(3);
const ci = (c: [number, number]) => `[${f(c[0])}, ${f(c[1])}]`;

/** report.md: the paper's tables for this evaluation, in plain Markdown. */
export function reportMarkdown(r: EvaluationReport, confusionFile?: string, curveFile?: string): string {
  const v = r.variants;
  const lines = [
    `# Student model evaluation`,
    '',
    `Data: \`${r.data.path}\`, split **${r.data.split}** (${r.data.examples} failing programs, graded by the real grader). Training: ${r.data.train_examples} teacher-labelled programs + ${r.data.mutants} mutants. Created ${r.created}.`,
    r.data.skipped.length
      ? `Left out of the split: ${r.data.skipped.length} (${[...new Set(r.data.skipped.map((s) => s.reason))].join(', ')}).`
      : '',
    '',
    `## Table 1: fix type (${v.distilled.seeds.length} seeds: mean ± sd, bootstrap 95% interval)`,
    '',
    '| model | accuracy | 95% CI | macro-F1 | 95% CI |',
    '|---|---|---|---|---|',
    `| always the most common fix type | ${f(r.baselines[0]!.accuracy)} | | ${f(r.baselines[0]!.macro_f1)} | |`,
    ...r.baselines.slice(1).map((b) => `| ${b.name} | ${f(b.accuracy)} | | ${f(b.macro_f1)} | |`),
    `| paper: label-only (CodeT5) | ${f(PAPER.label_only.accuracy)} | | ${f(PAPER.label_only.macro_f1)} | |`,
    `| paper: reasoning-distilled (CodeT5) | ${f(PAPER.distilled.accuracy)} | | ${f(PAPER.distilled.macro_f1)} | |`,
    `| **label-only** | ${f(v.label_only.accuracy)} ± ${f(v.label_only.accuracy_sd)} | ${ci(v.label_only.accuracy_ci95)} | ${f(v.label_only.macro_f1)} ± ${f(v.label_only.macro_f1_sd)} | ${ci(v.label_only.macro_f1_ci95)} |`,
    `| **reasoning-distilled** | ${f(v.distilled.accuracy)} ± ${f(v.distilled.accuracy_sd)} | ${ci(v.distilled.accuracy_ci95)} | ${f(v.distilled.macro_f1)} ± ${f(v.distilled.macro_f1_sd)} | ${ci(v.distilled.macro_f1_ci95)} |`,
    ...(r.shipped
      ? [
          `| shipped model (${r.shipped.variant}) | ${f(r.shipped.accuracy)} | ${ci(r.shipped.accuracy_ci95)} | ${f(r.shipped.macro_f1)} | |`,
        ]
      : []),
    '',
    `Per seed (distilled / label-only accuracy): ${v.distilled.seeds.map((s, i) => `seed ${s.seed}: ${f(s.accuracy)} / ${f(v.label_only.seeds[i]!.accuracy)}`).join('; ')}.`,
    '',
    `**Did distillation help?** ${r.distillation.verdict}`,
    '',
    `## Table 2: reasoning tags (${r.shipped ? 'shipped model' : 'distilled student, first seed'})`,
    '',
    '| model | tag macro-F1 | tag micro-F1 (positive tags) | exact match |',
    '|---|---|---|---|',
    `| paper (CodeT5, distilled) | ${f(PAPER.reasoning.macro_f1)} | ${f(PAPER.reasoning.micro_f1)} | ${f(PAPER.reasoning.exact_match)} |`,
    `| **this student** | ${f(r.reasoning.macro_f1)} | ${f(r.reasoning.micro_f1)} | ${f(r.reasoning.exact_match)} |`,
    '',
    `## Table 3: F1 per fix type (mean over seeds)`,
    '',
    '| fix type | support | label-only | distilled |' + (r.shipped ? ' shipped |' : ''),
    '|---|---|---|---|' + (r.shipped ? '---|' : ''),
    ...Object.entries(v.distilled.per_fix_type).map(
      ([k, d]) =>
        `| ${k} | ${d.support} | ${f(v.label_only.per_fix_type[k]?.f1 ?? 0)} | ${f(d.f1)} |${r.shipped ? ` ${f(r.shipped.per_fix_type[k]?.f1 ?? 0)} |` : ''}`,
    ),
    '',
    `## Table 4: fix-type accuracy given the reasoning`,
    '',
    '| predicted tags | programs | fix-type accuracy |',
    '|---|---|---|',
    `| exactly the teacher's | ${r.given_reasoning.exact.n} | ${f(r.given_reasoning.exact.accuracy)} |`,
    `| not exactly the teacher's | ${r.given_reasoning.not_exact.n} | ${f(r.given_reasoning.not_exact.accuracy)} |`,
    '',
    'The paper: 0.61 when the predicted reasoning was exactly right, 0.38 when not.',
  ];
  if (r.loao) {
    lines.push(
      '',
      '## Leave one assignment out',
      '',
      `Train on the other assignments (their training programs and mutants), test on every labelled program of the held-out one; one network per seed, means over ${r.loao.seeds.length} seed${r.loao.seeds.length === 1 ? '' : 's'} (${r.loao.seeds.join(', ')}).`,
      '',
      '| held-out assignment | programs | distilled accuracy | distilled macro-F1 | label-only accuracy | label-only macro-F1 |',
      '|---|---|---|---|---|---|',
      ...r.loao.folds.map(
        (x) =>
          `| ${x.assignment} | ${x.n} | ${f(x.distilled.accuracy)} | ${f(x.distilled.macro_f1)} | ${f(x.label_only.accuracy)} | ${f(x.label_only.macro_f1)} |`,
      ),
      `| **mean** | | ${f(r.loao.mean.distilled.accuracy)} ± ${f(r.loao.mean.distilled.accuracy_sd)} | ${f(r.loao.mean.distilled.macro_f1)} | ${f(r.loao.mean.label_only.accuracy)} ± ${f(r.loao.mean.label_only.accuracy_sd)} | ${f(r.loao.mean.label_only.macro_f1)} |`,
      '',
      `Mean accuracy of each seed: distilled ${r.loao.mean.distilled.per_seed.map(f).join(', ')}; label-only ${r.loao.mean.label_only.per_seed.map(f).join(', ')}.`,
    );
  }
  if (r.ablation?.length) {
    lines.push(
      '',
      '## Ablation (distilled, first seed)',
      '',
      '| variant | accuracy | macro-F1 | tag exact match |',
      '|---|---|---|---|',
      ...r.ablation.map((a) => `| ${a.name} | ${f(a.accuracy)} | ${f(a.macro_f1)} | ${f(a.exact_match)} |`),
    );
  }
  if (r.confidence) {
    const c = r.confidence;
    const rows = [
      ...(c.seen ? [{ name: `shipped model, ${r.data.split} (assignments it learnt from)`, c: c.seen }] : []),
      ...(c.loao
        ? [
            { name: 'held-out assignments, the network’s own confidence', c: c.loao.before },
            { name: 'held-out assignments, unseen calibration (nested)', c: c.loao.after },
          ]
        : []),
    ];
    lines.push(
      '',
      '## Confidence: what a student would be shown',
      '',
      'A kind of fix is shown when its confidence reaches the course’s threshold (0.6 by default). Coverage is the share of failing programs shown one; accuracy is the share of those that are right. ECE: the mean gap between the confidence said and the share right (0 is honest).',
      '',
      ...coverageTable(rows),
    );
    if (c.loao)
      lines.push(
        '',
        `Unseen calibration: temperature ${c.loao.temperature} fitted on all held-out assignments' predictions (what a model ships with); each assignment's row above uses the temperature fitted without it (${Object.entries(
          c.loao.nested,
        )
          .map(([a, t]) => `${a} ${t}`)
          .join(', ')}).`,
      );
  }
  if (r.new_assignment) {
    const n = r.new_assignment;
    lines.push(
      '',
      '## A new assignment: the learning curve',
      '',
      `For each assignment: train without it, add the mutants of its reference solution and k of its labelled programs (whole students; a course label weighs ${n.settings.course_weight}, a mutant of its reference ${n.settings.own_mutant_weight}), test on the rest of its programs. Means over the assignments with at least ${n.settings.min_held_out} programs left to test and over seeds ${n.settings.seeds.join(', ')}.`,
      '',
      ...(curveFile ? [`![learning curve](${curveFile})`, ''] : []),
      '| k | assignments | held-out programs | distilled accuracy | distilled macro-F1 | label-only accuracy | label-only macro-F1 |',
      '|---|---|---|---|---|---|---|',
      ...n.curve.map(
        (c) =>
          `| ${c.k} | ${c.assignments} | ${c.held_out} | ${f(c.distilled.accuracy)} | ${f(c.distilled.macro_f1)} | ${f(c.label_only.accuracy)} | ${f(c.label_only.macro_f1)} |`,
      ),
      '',
      '',
      'The distilled networks’ confidence on the held-out programs, as it is and with a temperature fitted on the other assignments:',
      '',
      ...coverageTable(
        n.confidence.flatMap((c) => [
          { name: `k = ${c.k}, own`, c: c.own },
          { name: `k = ${c.k}, calibrated (T = ${c.temperature})`, c: c.calibrated },
        ]),
      ),
      '',
      '| assignment | k | held out | distilled accuracy | label-only accuracy |',
      '|---|---|---|---|---|',
      ...n.folds.map(
        (x) =>
          `| ${x.assignment} | ${x.k} | ${x.held_out} | ${f(x.distilled.accuracy)} | ${f(x.label_only.accuracy)} |`,
      ),
    );
  }
  if (confusionFile && r.shipped)
    lines.push('', '## Confusion matrix (shipped model)', '', `![confusion matrix](${confusionFile})`);
  return lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n') + '\n';
}
