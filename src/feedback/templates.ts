import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Taxonomy } from '../model/taxonomy.js';
import { templatesDir } from '../core/paths.js';
import type { FeedbackContext } from './feedback-context.js';
import { capLength, inlineCode } from './safe-markdown.js';

/** A template is missing, does not compile, or fails on a sample submission. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface Templates {
  comment(ctx: FeedbackContext): string;
  checkSummary(ctx: FeedbackContext): string;
  /** Where each template came from (the course's folder or the defaults). */
  sources: Record<string, string>;
}

const MAIN = ['comment', 'check-summary'] as const;

function listTemplates(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, listTemplates(path.join(dir, entry.name), rel));
    else if (entry.name.endsWith('.md.hbs')) out[rel.slice(0, -'.md.hbs'.length)] = path.join(dir, entry.name);
  }
  return out;
}

function sampleContexts(t: Taxonomy): FeedbackContext[] {
  const base: FeedbackContext = {
    assignment: { name: 'sample', title: 'Sample assignment' },
    file: 'sample.c',
    verdict: 'FAIL',
    passed: false,
    compileError: false,
    counts: { total: 4, passed: 2, visibleTotal: 2, visiblePassed: 1, hiddenTotal: 2, hiddenPassed: 1 },
    points: { earned: 2, possible: 4 },
    compile: { limit: null, messages: [], moreMessages: 0, log: '```\n```' },
    failing: [
      {
        id: 'blackbox/2',
        verdict: 'WRONG_ANSWER',
        words: 'printed a different answer',
        detail: 'killed by SIGSEGV',
        input: '```\n1\n```',
        expected: '```\n2\n```',
        actual: '```\n3\n```',
        expectedAnswer: '`2`',
        printedAnswer: '`3`',
        stderr: '```\nx\n```',
        nondeterministic: true,
      },
    ],
    moreFailingVisible: 1,
    failingHidden: 1,
    category: null,
    withheldReason: null,
    teacher: null,
    nextStep: 'Check equal values.',
    warnings: [{ line: 3, text: '`x may be used uninitialized`' }],
    notes: ['A sample note.'],
    review: { flagged: false, reasons: [] },
  };
  const samples: FeedbackContext[] = [
    { ...base, verdict: 'PASS', passed: true, failing: [], failingHidden: 0, moreFailingVisible: 0 },
    { ...base, withheldReason: 'Not sure.' },
    {
      ...base,
      compileError: true,
      verdict: 'COMPILE_ERROR',
      compile: {
        limit: null,
        messages: [{ line: 1, column: 2, text: '`error: x`' }],
        moreMessages: 2,
        log: '```\nlog\n```',
      },
    },
    {
      ...base,
      compileError: true,
      verdict: 'COMPILE_ERROR',
      compile: { limit: 'TIMEOUT', messages: [], moreMessages: 0, log: '```\n```' },
    },
  ];
  // every fix type and every tag of the taxonomy must render, as the model's and as a TA's label
  for (const f of t.fixTypes)
    samples.push(
      {
        ...base,
        category: { shown: true, fixType: f, words: f, confidence: 90, tags: t.tags.map((name) => ({ name, p: 80 })) },
      },
      {
        ...base,
        withheldReason: 'Not sure.',
        teacher: { fixType: f, words: f, tags: t.tags.map((name) => ({ name })), confirmsModel: false },
      },
    );
  return samples;
}

/** Template logic leaves runs of blank lines; fold them, but never inside a code fence (student output). */
export function collapseBlankLines(md: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^(`{3,})/.exec(line);
    if (m) fence = fence === null ? m[1]! : line.trim() === fence ? null : fence;
    if (fence === null && line.trim() === '' && out.length > 0 && out.at(-1)!.trim() === '') continue;
    out.push(line);
  }
  return out.join('\n');
}

/**
 * The default templates (templates/), with any file of the course's folder taking the
 * place of the default of the same name. Everything is compiled and rendered against
 * sample submissions here, so a broken template stops start-up instead of a student's push.
 */
export function loadTemplates(taxonomy: Taxonomy, courseDir?: string): Templates {
  const files = { ...listTemplates(templatesDir), ...(courseDir ? listTemplates(courseDir) : {}) };
  if (courseDir && !fs.existsSync(courseDir))
    throw new TemplateError(`${courseDir}: the course's templates folder does not exist`);
  const hb = Handlebars.create();
  hb.registerHelper('plural', (n: number) => (n === 1 ? '' : 's'));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('code', (s: unknown) => new hb.SafeString(inlineCode(String(s ?? ''))));
  hb.registerHelper('fixTypePartial', (name: string) => `fix-types/${name}`);
  hb.registerHelper('tagPartial', (name: string) => `tags/${name}`);
  const compiled: Record<string, Handlebars.TemplateDelegate> = {};
  for (const [name, file] of Object.entries(files)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
      // a partial is used inside a line or a list item: its file's final newline is not content
      if (name.startsWith('partials/')) text = text.replace(/\n$/, '');
      // Markdown, not HTML: our helpers make untrusted text safe, Handlebars must not re-escape it
      compiled[name] = hb.compile(text, { noEscape: true });
      compiled[name]!({}); // forces parsing now, so syntax errors surface at start-up
    } catch (err) {
      if (err instanceof Error && /Parse error|Expecting|lexical error/i.test(err.message))
        throw new TemplateError(`${file}: ${err.message.split('\n').slice(0, 3).join(' ')}`);
      if (!compiled[name]) throw new TemplateError(`${file}: ${(err as Error).message}`);
    }
    if (name.startsWith('partials/')) hb.registerPartial(name.slice('partials/'.length), compiled[name]!);
  }
  for (const m of MAIN)
    if (!compiled[m])
      throw new TemplateError(
        `${m}.md.hbs: missing (looked in ${[courseDir, templatesDir].filter(Boolean).join(' and ')})`,
      );
  const missing = [
    ...taxonomy.fixTypes.map((f) => `partials/fix-types/${f}`),
    ...taxonomy.tags.map((x) => `partials/tags/${x}`),
  ].filter((p) => !compiled[p]);
  if (missing.length)
    throw new TemplateError(
      `missing partial${missing.length > 1 ? 's' : ''} for the taxonomy: ${missing.map((m) => `${m}.md.hbs`).join(', ')}`,
    );
  for (const m of MAIN) {
    for (const sample of sampleContexts(taxonomy)) {
      try {
        compiled[m]!(sample);
      } catch (err) {
        throw new TemplateError(`${files[m]}: fails to render a sample submission: ${(err as Error).message}`);
      }
    }
  }
  const tidy = (s: string) => capLength(collapseBlankLines(s).trim() + '\n');
  return {
    comment: (ctx) => tidy(compiled.comment!(ctx)),
    checkSummary: (ctx) => tidy(compiled['check-summary']!(ctx)),
    sources: files,
  };
}
