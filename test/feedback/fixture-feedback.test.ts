/**
 * The feedback each fixture student gets, end to end through the one pipeline with the
 * shipped model. Snapshot files (test/feedback/__snapshots__/) are for a human eye and
 * change when the model is retrained (review, then `npx vitest -u`); the assertions below
 * hold whatever the model says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { neutralise } from '../../src/feedback/safe-markdown.js';
import { loadSubmissionManifest } from '../../src/fixtures/submission-manifest.js';
import { createPipelineDeps } from '../../src/pipeline/create-deps.js';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/pipeline.js';
import { projectRoot } from '../../src/core/paths.js';
import { outsideFences } from '../helpers/markdown-fences.js';

const manifest = await loadSubmissionManifest();
let deps: PipelineDeps;
const assignments = new Map<string, Assignment>();

beforeAll(async () => {
  deps = await createPipelineDeps();
  for (const name of new Set(manifest.map((s) => s.assignment)))
    assignments.set(name, await loadAssignment(resolveAssignment(name)));
});

describe.each(manifest.map((s) => [s.file, s] as const))('%s', (file, s) => {
  it('gets safe, truthful feedback', async () => {
    const a = assignments.get(s.assignment)!;
    const f = await runPipeline(deps, {
      source: fs.readFileSync(s.path),
      fileName: path.basename(a.sourceFile),
      assignment: a,
    });
    const md = f.comment;
    await expect(md).toMatchFileSnapshot(
      path.join(projectRoot, 'test/feedback/__snapshots__', file.replace(/\.c$/, '.md')),
    );
    expect(f.report.verdict).toBe(s.expect);
    const outside = outsideFences(md).join('\n');

    if (s.expect === 'COMPILE_ERROR') {
      expect(md).toContain('does not compile');
      expect(md).toMatch(/- line \d+, column \d+: `error: /);
      expect(md).not.toContain('What kind of fix');
      expect(f.prediction).toBeNull();
      expect(f.check.conclusion).toBe('failure');
      return;
    }
    const { passed, total } = f.report.summary;
    expect(md).toContain(`**${passed} of ${total} tests pass**`);
    if (s.expect === 'PASS') {
      expect(md).toContain('Every test passes');
      expect(f.check.conclusion).toBe('success');
      expect(f.review.flagged).toBe(false);
      return;
    }
    // hidden tests: a count, never their ids, inputs or outputs
    const hidden = f.report.tests.filter((t) => t.hidden && t.verdict !== 'PASS');
    for (const t of hidden) {
      expect(md).not.toContain(`${t.id}</b>`);
      for (const l of t.input.split('\n').filter((x) => x.trim().length > 6)) expect(outside).not.toContain(l);
    }
    if (hidden.length) expect(md).toMatch(new RegExp(`${hidden.length} hidden tests? fails? too`));
    // every visible failing output is shown only inside a code fence
    for (const t of f.report.tests.filter((x) => !x.hidden && x.verdict !== 'PASS').slice(0, 2)) {
      expect(md).toContain(`<b>${t.id}</b>`);
      for (const l of neutralise(t.actual)
        .split('\n')
        .filter((x) => x.trim().length > 12))
        expect(outside).not.toContain(l.slice(0, 100));
    }
    // the category is shown exactly when the model is confident enough, else a TA reviews it
    const threshold = deps.config!.confidence_threshold;
    expect(f.prediction).not.toBeNull();
    const confident = f.prediction!.confidence >= threshold;
    expect(md.includes('What kind of fix does it need?')).toBe(confident);
    expect(f.review.flagged).toBe(!confident);
    if (!confident) expect(md).toContain('a teaching assistant will look at it');
    expect(md).toContain('#### Next step');
  });
});

describe('hostile output through the renderer', () => {
  it('fences, HTML, mentions, NUL, invalid UTF-8, bidi and a 5,000-character line stay inert', async () => {
    const a = assignments.get('median')!;
    const source = fs.readFileSync(path.join(projectRoot, 'fixtures/hostile/markdown-injection.c'));
    const f = await runPipeline(deps, { source, fileName: 'median.c', assignment: a });
    for (const md of [f.comment, f.check.summary]) {
      const outside = outsideFences(md).join('\n');
      expect(outside).not.toContain('<script>');
      expect(outside).not.toContain('@octocat');
      expect(outside).not.toContain('# Heading injected');
      expect(outside).not.toContain('onerror');
      expect(md).not.toContain('\u0000');
      expect(md).not.toContain('\u202e');
      expect(Math.max(...md.split('\n').map((l) => l.length))).toBeLessThan(400);
    }
    expect(f.comment).toContain('nul:\\0:byte');
    expect(f.comment).toContain('<U+202E>dlrow olleh');
  });

  it('a flood of output still gives a comment far below GitHub’s limit', async () => {
    const a = assignments.get('median')!;
    const f = await runPipeline(deps, {
      source: fs.readFileSync(path.join(projectRoot, 'fixtures/hostile/output-flood.c')),
      fileName: 'median.c',
      assignment: a,
    });
    expect(f.comment.length).toBeLessThan(20_000);
    expect(f.check.summary.length).toBeLessThan(20_000);
    expect(f.comment).toContain('printed far too much');
    outsideFences(f.comment);
  });
});
