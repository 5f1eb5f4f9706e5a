/** The comparison of model versions as Markdown (the paper's Tables 1–4 per held-out set, side by side). */
import type { ComparisonReport, PromotionVerdict } from './compare-models.js';
import type { CoverageReport } from './coverage.js';

const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
const pct = (x: number) => `${Math.round(100 * x)}%`;

/** "accuracy of shown at 0.6: 0.812 (coverage 31%)": the line that says what a student sees. */
export function shownLine(c: CoverageReport, threshold: number): string {
  const row = c.shown.find((s) => Math.abs(s.threshold - threshold) < 1e-9);
  return row ? `${f(row.accuracy)} of the ${pct(row.coverage)} shown` : '–';
}

export function coverageTable(rows: { name: string; c: CoverageReport }[]): string[] {
  const thresholds = rows[0]?.c.shown.map((s) => s.threshold) ?? [];
  return [
    `| | programs | accuracy | mean confidence | ECE | NLL | ${thresholds.map((t) => `shown at ${t}: coverage / accuracy`).join(' | ')} |`,
    `|---|---|---|---|---|---|${thresholds.map(() => '---|').join('')}`,
    ...rows.map(
      ({ name, c }) =>
        `| ${name} | ${c.programs} | ${f(c.accuracy)} | ${f(c.mean_confidence)} | ${f(c.ece)} | ${f(c.nll)} | ${c.shown.map((s) => `${pct(s.coverage)} / ${f(s.accuracy)}`).join(' | ')} |`,
    ),
  ];
}

export function comparisonMarkdown(
  cmp: ComparisonReport,
  o: { title: string; verdict?: PromotionVerdict; charts?: { file: string; alt: string }[]; intro?: string[] },
): string {
  const lines = [`# ${o.title}`, '', ...(o.intro ?? []), ''];
  if (o.verdict) lines.push(`**Promotion:** ${o.verdict.ok ? 'allowed' : 'refused'}: ${o.verdict.reason}.`, '');
  for (const c of o.charts ?? []) lines.push(`![${c.alt}](${c.file})`, '');
  for (const s of cmp.sets) {
    const ms = s.models;
    const head = `| | ${ms.map((m) => m.version).join(' | ')} |`;
    const rule = `|---|${ms.map(() => '---|').join('')}`;
    lines.push(
      `## Held out: ${s.name} (${s.programs} programs)`,
      '',
      '### Table 1: fix type',
      '',
      head,
      rule,
      `| accuracy | ${ms.map((m) => f(m.accuracy)).join(' | ')} |`,
      `| 95% CI | ${ms.map((m) => `[${f(m.accuracy_ci95[0])}, ${f(m.accuracy_ci95[1])}]`).join(' | ')} |`,
      `| macro-F1 | ${ms.map((m) => f(m.macro_f1)).join(' | ')} |`,
      '',
      '### Table 2: reasoning tags',
      '',
      head,
      rule,
      `| tag macro-F1 | ${ms.map((m) => f(m.reasoning.macro_f1)).join(' | ')} |`,
      `| tag micro-F1 | ${ms.map((m) => f(m.reasoning.micro_f1)).join(' | ')} |`,
      `| exact match | ${ms.map((m) => f(m.reasoning.exact_match)).join(' | ')} |`,
      '',
      '### Table 3: F1 per fix type',
      '',
      `| fix type | support | ${ms.map((m) => m.version).join(' | ')} |`,
      `|---|---|${ms.map(() => '---|').join('')}`,
      ...[...new Set(ms.flatMap((m) => Object.keys(m.per_fix_type)))].map(
        (k) =>
          `| ${k} | ${ms[0]!.per_fix_type[k]?.support ?? 0} | ${ms.map((m) => f(m.per_fix_type[k]?.f1 ?? 0)).join(' | ')} |`,
      ),
      '',
      '### Table 4: fix-type accuracy given the reasoning',
      '',
      head,
      rule,
      `| tags exactly the label's: programs / accuracy | ${ms.map((m) => `${m.given_reasoning.exact.n} / ${f(m.given_reasoning.exact.accuracy)}`).join(' | ')} |`,
      `| otherwise: programs / accuracy | ${ms.map((m) => `${m.given_reasoning.not_exact.n} / ${f(m.given_reasoning.not_exact.accuracy)}`).join(' | ')} |`,
      '',
      '### What a student would be shown',
      '',
      ...coverageTable(ms.map((m) => ({ name: m.version, c: m.coverage }))),
      '',
    );
  }
  return lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n') + '\n';
}
