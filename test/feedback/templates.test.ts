import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplates, TemplateError } from '../../src/feedback/templates.js';
import { loadTaxonomy, parseTaxonomy } from '../../src/model/taxonomy.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Predictor } from '../../src/model/predictor.js';
import { createPipelineDeps } from '../../src/pipeline/create-deps.js';
import { fixturesDir } from '../../src/core/paths.js';

const taxonomy = loadTaxonomy();
function courseDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-templates-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('templates', () => {
  it('a course overrides any template by name and keeps the other defaults', () => {
    const t = loadTemplates(
      taxonomy,
      courseDir({ 'partials/fix-types/WRONG_CONDITION.md.hbs': 'COURSE WORDING for conditions' }),
    );
    expect(t.sources['partials/fix-types/WRONG_CONDITION']).toContain(os.tmpdir());
    expect(t.sources.comment).toContain(path.join('templates', 'comment.md.hbs'));
  });

  it('a template with a syntax error stops start-up, naming the file', () => {
    expect(() => loadTemplates(taxonomy, courseDir({ 'comment.md.hbs': '{{#if passed}} never closed' }))).toThrow(
      TemplateError,
    );
    expect(() => loadTemplates(taxonomy, courseDir({ 'comment.md.hbs': '{{#if passed}} never closed' }))).toThrow(
      /comment\.md\.hbs: .*Parse error|comment\.md\.hbs: .*Expecting/,
    );
  });

  it('a template that fails on a sample submission stops start-up', () => {
    expect(() => loadTemplates(taxonomy, courseDir({ 'comment.md.hbs': '{{> no-such-partial}}' }))).toThrow(
      /comment\.md\.hbs: fails to render a sample submission/,
    );
  });

  it('a taxonomy with a fix type that has no partial is reported at start-up', () => {
    const t = parseTaxonomy({
      version: 2,
      fix_types: [
        { name: 'NEW_KIND', when: 'x' },
        { name: 'LOOP_BOUND', when: 'y' },
      ],
      tags: [{ name: 'LOOP', when: 'z' }],
    });
    expect(() => loadTemplates(t)).toThrow(/missing partial for the taxonomy: partials\/fix-types\/NEW_KIND\.md\.hbs/);
  });

  it('a course templates folder that does not exist is an error', () => {
    expect(() => loadTemplates(taxonomy, '/nonexistent/templates')).toThrow(/does not exist/);
  });
});

describe('a program that passes', () => {
  it('still gets the compiler’s hint: an uninitialised variable that happened to start at zero', async () => {
    const a = await loadAssignment(resolveAssignment('median'));
    const source = Buffer.from(
      '#include <stdio.h>\nint main(void){int a,b,c,shift; scanf("%d%d%d",&a,&b,&c);\nint m = (a>b) ? ((b>c) ? b : (a>c) ? c : a) : ((a>c) ? a : (b>c) ? c : b);\nprintf("%d is the median\\n", m + shift); return 0;}\n',
    );
    const f = await runPipeline(
      { sandbox: new Sandbox(), predictor: null, templates: loadTemplates(taxonomy), taxonomy },
      { source, fileName: 'median.c', assignment: a },
    );
    expect(f.report.verdict).toBe('PASS');
    expect(f.comment).toContain('Every test passes');
    expect(f.comment).toMatch(
      /#### The compiler still has a hint[\s\S]*- line 4: `.*shift.* (is|may be) used uninitialized`/,
    );
  });
});

describe('degraded pipeline', () => {
  const source = Buffer.from(
    '#include <stdio.h>\nint main(void){int a,b,c; scanf("%d%d%d",&a,&b,&c); printf("%d is the median\\n", a); return 0;}\n',
  );

  it('without a model: the test results stay complete, a note explains the missing hint, a TA is asked', async () => {
    const a = await loadAssignment(resolveAssignment('median'));
    const f = await runPipeline(
      {
        sandbox: new Sandbox(),
        predictor: null,
        predictorProblem: 'the model is not available',
        templates: loadTemplates(taxonomy),
        taxonomy,
      },
      { source, fileName: 'median.c', assignment: a },
    );
    expect(f.report.tests.length).toBe(a.tests.length);
    expect(f.comment).toMatch(/of 18 tests pass/);
    expect(f.comment).toContain('No hint about the kind of fix this time: the model is not available');
    expect(f.review).toEqual({ flagged: true, reasons: ['no prediction (model unavailable)'] });
  });

  it('a model that fails at prediction time degrades the same way', async () => {
    const a = await loadAssignment(resolveAssignment('median'));
    const broken = { predictFeatures: () => Promise.reject(new Error('session lost')) } as unknown as Predictor;
    const f = await runPipeline(
      { sandbox: new Sandbox(), predictor: broken, templates: loadTemplates(taxonomy), taxonomy },
      { source, fileName: 'median.c', assignment: a },
    );
    expect(f.comment).toContain('the model failed (session lost)');
    expect(f.check.conclusion).toBe('failure');
  });
});

describe('an assignment in shadow mode', () => {
  it('the prediction is kept for TAs, the student sees no kind of fix, and a TA is asked', async () => {
    const a = await loadAssignment(resolveAssignment('digits'));
    const deps = await createPipelineDeps({ sandbox: new Sandbox() });
    const source = fs.readFileSync(path.join(fixturesDir, 'submissions/digits/stops-at-ten.c'));
    const live = await runPipeline(deps, { source, fileName: 'digits.c', assignment: a });
    const shadow = await runPipeline(deps, { source, fileName: 'digits.c', assignment: a }, { shadow: true });
    // the same confident prediction
    expect(shadow.prediction).toEqual(live.prediction);
    expect(live.comment).toContain('What kind of fix does it need?');
    expect(live.review.flagged).toBe(false);
    expect(shadow.comment).not.toContain('What kind of fix does it need?');
    expect(shadow.comment).not.toContain(live.prediction!.fixType);
    expect(shadow.comment).toContain('15 of 21 tests pass');
    expect(shadow.review).toEqual({ flagged: true, reasons: [expect.stringMatching(/shadow mode/)] });
  });
});
