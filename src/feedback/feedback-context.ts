import { z } from 'zod';
import type { TestReport, TestResult } from '../grading/report.js';
import type { Prediction } from '../model/predictor.js';
import type { Taxonomy } from '../model/taxonomy.js';
import { FIX_TYPE_WORDS, nextStep, VERDICT_WORDS } from './describe.js';
import { fence, inlineCode, neutralise, trimBlock } from './safe-markdown.js';

export const feedbackConfigSchema = z
  .object({
    /** Below this fix-type confidence the category is not shown and a TA reviews the submission. */
    confidence_threshold: z.number().min(0).max(1).default(0.6),
    /** Fix types a TA always reviews, whatever the confidence. */
    review_fix_types: z.array(z.string()).default([]),
    /** Visible failing tests shown in full. */
    failing_tests_shown: z.number().int().min(0).max(20).default(2),
    /** Compiler messages shown for a compile error. */
    diagnostics_shown: z.number().int().min(1).max(50).default(5),
  })
  .strict();

export type FeedbackConfig = z.infer<typeof feedbackConfigSchema>;
export const DEFAULT_FEEDBACK_CONFIG: FeedbackConfig = feedbackConfigSchema.parse({});

/** What the templates see. Everything from the student's program is already made safe. */
export interface FeedbackContext {
  assignment: { name: string; title: string };
  file: string;
  verdict: TestReport['verdict'];
  passed: boolean;
  compileError: boolean;
  counts: {
    total: number;
    passed: number;
    visibleTotal: number;
    visiblePassed: number;
    hiddenTotal: number;
    hiddenPassed: number;
  };
  points: { earned: number; possible: number } | null;
  compile: {
    limit: string | null;
    messages: { line: number; column: number; text: string }[];
    moreMessages: number;
    log: string;
  };
  failing: {
    id: string;
    verdict: string;
    words: string;
    detail: string | null;
    input: string;
    expected: string;
    actual: string;
    expectedAnswer: string | null;
    printedAnswer: string | null;
    stderr: string | null;
    nondeterministic: boolean;
  }[];
  moreFailingVisible: number;
  failingHidden: number;
  category: {
    shown: boolean;
    fixType: string;
    words: string;
    confidence: number;
    tags: { name: string; p: number }[];
  } | null;
  withheldReason: string | null;
  /** A teaching assistant's label, once one has reviewed the submission: it takes the model's place. */
  teacher: {
    fixType: string;
    words: string;
    tags: { name: string }[];
    /** The TA chose the fix type the model predicted (withheld or not). */
    confirmsModel: boolean;
  } | null;
  nextStep: string;
  warnings: { line: number; text: string }[];
  notes: string[];
  review: { flagged: boolean; reasons: string[] };
}

export interface ContextInput {
  report: TestReport;
  prediction: Prediction | null;
  taxonomy: Taxonomy;
  config: FeedbackConfig;
  /** Stages that failed: each degrades the feedback with a note instead of losing it. */
  notes: string[];
  /** A teaching assistant's label (the dashboard's review), when the feedback is rendered again after one. */
  teacher?: { fixType: string; tags: string[] } | null;
  /**
   * The assignment is in shadow mode (new to the model): the prediction is for TAs only, the
   * student sees no category, and every prediction goes to a TA so the model is measured there.
   */
  shadow?: boolean;
}

const HINT_WARNINGS = new Set([
  '-Wmaybe-uninitialized',
  '-Wuninitialized',
  '-Wformat',
  '-Wparentheses',
  '-Waggressive-loop-optimizations',
  '-Warray-bounds',
  '-Wimplicit-function-declaration',
  '-Wreturn-type',
  '-Wfloat-conversion',
  '-Wempty-body',
  '-Wmisleading-indentation',
  '-Wsequence-point',
  '-Wlogical-not-parentheses',
]);

function describeTest(t: TestResult) {
  const cut = (s: string) => trimBlock(s, 10, 120).text;
  const answers = t.answers;
  return {
    id: t.id,
    verdict: t.verdict,
    words: VERDICT_WORDS[t.verdict],
    detail: t.detail ? neutralise(t.detail) : null,
    input: fence(cut(t.input)),
    expected: fence(cut(t.expected)),
    actual: fence(cut(t.actual) + (t.truncated ? '\n[…output cut]' : '')),
    expectedAnswer: answers?.expected.length ? answers.expected.map((a) => inlineCode(a)).join(', ') : null,
    printedAnswer: answers
      ? answers.actual.length
        ? answers.actual.map((a) => inlineCode(a)).join(', ')
        : 'none'
      : null,
    stderr: t.stderr.trim() ? fence(trimBlock(t.stderr, 5, 120).text) : null,
    nondeterministic: t.nondeterministic,
  };
}

/** Builds what the templates render: pure, from the report, the prediction and the course's settings. */
export function feedbackContext({
  report,
  prediction,
  taxonomy,
  config,
  notes,
  teacher: label = null,
  shadow = false,
}: ContextInput): FeedbackContext {
  const tests = report.tests;
  const visible = tests.filter((t) => !t.hidden);
  const visibleFailing = visible.filter((t) => t.verdict !== 'PASS');
  const hiddenFailing = tests.filter((t) => t.hidden && t.verdict !== 'PASS');
  const compileError = !report.compiled;
  const reasons: string[] = [];

  let category: FeedbackContext['category'] = null;
  let withheldReason: string | null = null;
  if (!compileError && report.verdict === 'FAIL') {
    if (prediction && shadow) {
      // recorded, shown to TAs on the dashboard; to the student, nothing about a kind of fix
      reasons.push('new assignment: predictions are checked by TAs before students see them (shadow mode)');
    } else if (prediction) {
      const confident = prediction.confidence >= config.confidence_threshold;
      category = {
        shown: confident,
        fixType: prediction.fixType,
        words: FIX_TYPE_WORDS[prediction.fixType] ?? taxonomy.fixTypeWhen[prediction.fixType] ?? prediction.fixType,
        confidence: Math.round(prediction.confidence * 100),
        tags: prediction.tags.map((t) => ({ name: t.tag, p: Math.round(t.p * 100) })),
      };
      if (!confident) {
        withheldReason = 'The assistant is not sure enough about this one, so a teaching assistant will look at it.';
        reasons.push(
          `low confidence (${Math.round(prediction.confidence * 100)}% < ${Math.round(config.confidence_threshold * 100)}%)`,
        );
      }
      if (config.review_fix_types.includes(prediction.fixType))
        reasons.push(`fix type ${prediction.fixType} is reviewed by a TA`);
    } else reasons.push('no prediction (model unavailable)');
  }

  const teacher: FeedbackContext['teacher'] = label
    ? {
        fixType: label.fixType,
        words: FIX_TYPE_WORDS[label.fixType] ?? taxonomy.fixTypeWhen[label.fixType] ?? label.fixType,
        tags: label.tags.map((name) => ({ name })),
        confirmsModel: prediction?.fixType === label.fixType,
      }
    : null;

  const c = report.compile;
  const messages = c.messages
    .filter((m) => m.severity === 'error')
    .concat(c.messages.filter((m) => m.severity !== 'error'));
  const warnings = compileError
    ? []
    : c.lint
        .filter((d) => d.option && HINT_WARNINGS.has(d.option))
        .slice(0, 3)
        .map((d) => ({ line: d.line, text: inlineCode(d.message.replace(/\s*\[-W[\w=-]+\]$/, ''), 120) }));

  return {
    assignment: report.assignment,
    file: report.source.file,
    verdict: report.verdict,
    passed: report.verdict === 'PASS',
    compileError,
    counts: {
      total: report.summary.total,
      passed: report.summary.passed,
      visibleTotal: compileError ? report.summary.total - report.summary.hiddenTotal : visible.length,
      visiblePassed: visible.filter((t) => t.verdict === 'PASS').length,
      hiddenTotal: report.summary.hiddenTotal,
      hiddenPassed: report.summary.hiddenPassed,
    },
    points: report.summary.points,
    compile: {
      limit: c.limit,
      messages: messages
        .slice(0, config.diagnostics_shown)
        .map((m) => ({ line: m.line, column: m.column, text: inlineCode(`${m.severity}: ${m.message}`, 160) })),
      moreMessages: Math.max(0, messages.length - config.diagnostics_shown),
      log: fence(trimBlock(c.diagnostics, 25, 160).text),
    },
    failing: visibleFailing.slice(0, config.failing_tests_shown).map(describeTest),
    moreFailingVisible: Math.max(0, visibleFailing.length - config.failing_tests_shown),
    failingHidden: hiddenFailing.length,
    category,
    withheldReason,
    teacher,
    nextStep: compileError
      ? 'Fix the first error the compiler reports, then compile again: later errors are often caused by the first.'
      : nextStep(visibleFailing, teacher?.fixType ?? (category?.shown ? category.fixType : undefined)),
    warnings,
    notes,
    review: { flagged: reasons.length > 0, reasons },
  };
}
