import { VERDICT_WORDS } from '../feedback/describe.js';
import type { Taxonomy } from '../model/taxonomy.js';
import type { SubmissionDetail, ListedSubmission } from '../store/list-submissions.js';
import type { Review } from '../store/reviews.js';
import { lineDiff, visibleWhitespace } from './line-diff.js';
import type { KeyMap } from './review-keys.js';
import { highlightedLines } from './source-lines.js';

/** Source lines above this are not shown in full (a TA reads programs of a few hundred lines). */
const MAX_LINES_SHOWN = 2000;

/** What the submission page shows, from the store's record: pure, so it is tested without a server. */
export function submissionView(
  s: SubmissionDetail,
  o: { taxonomy: Taxonomy; keys: KeyMap; earlier: ListedSubmission[]; reviews: Review[] },
) {
  const report = s.report;
  const notes = new Map<number, { severity: string; text: string }[]>();
  for (const m of [...report.compile.messages, ...report.compile.lint]) {
    if (m.severity === 'note') continue;
    const list = notes.get(m.line) ?? [];
    if (!list.some((x) => x.text === m.message)) list.push({ severity: m.severity, text: m.message });
    notes.set(m.line, list);
  }
  const text = s.sourceContent?.toString('utf8') ?? null;
  const all = text === null ? [] : highlightedLines(text);
  const lines = all.slice(0, MAX_LINES_SHOWN).map((html, i) => ({ n: i + 1, html, notes: notes.get(i + 1) ?? [] }));

  const failing = report.tests
    .filter((t) => t.verdict !== 'PASS')
    .map((t) => ({
      id: t.id,
      hidden: t.hidden,
      words: VERDICT_WORDS[t.verdict],
      detail: t.detail ?? null,
      input: t.input,
      expected: t.expected,
      actual: t.actual,
      truncated: t.truncated,
      stderr: t.stderr.trim() || null,
      diff: lineDiff(t.expected, t.actual).map((d) => ({ ...d, text: visibleWhitespace(d.text) })),
      nondeterministic: t.nondeterministic,
    }));

  const latest = o.reviews.at(-1) ?? null;
  // the form starts from the latest label when there is one (undo, a second look), else the model's
  const chosenFix = latest?.fixType ?? s.fixType;
  const predictedTags = new Map(s.tags.map((t) => [t.tag, t.p]));
  const chosenTags = new Set(latest ? latest.tags : s.tags.map((t) => t.tag));
  const probs = s.prediction?.fixTypeProbs ?? {};
  return {
    lines,
    moreLines: Math.max(0, all.length - MAX_LINES_SHOWN),
    sourceMissing: text === null ? s.source.state : null,
    compileLog: report.compiled ? null : report.compile.diagnostics,
    failing,
    passedCount: report.tests.length - failing.length,
    fixTypes: o.keys.fixTypes.map((f) => ({
      ...f,
      p: probs[f.name] ?? null,
      predicted: f.name === s.fixType,
      chosen: f.name === chosenFix,
      explain: o.taxonomy.fixTypeWhen[f.name] ?? '',
    })),
    tags: o.keys.tags.map((t) => ({
      ...t,
      p: predictedTags.get(t.name) ?? null,
      predicted: predictedTags.has(t.name),
      checked: chosenTags.has(t.name),
      explain: o.taxonomy.tagWhen[t.name] ?? '',
    })),
    modelTags: s.tags.map((t) => ({ name: t.tag, p: t.p, explain: o.taxonomy.tagWhen[t.tag] ?? '' })),
    earlier: o.earlier.filter((e) => e.id !== s.id),
    reviews: o.reviews,
    latest,
  };
}
