import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineDiff } from '../../src/dashboard/line-diff.js';
import { BadFilterError, parseQueueQuery, queryString, toFilter } from '../../src/dashboard/queue-filter.js';
import { keyMap } from '../../src/dashboard/review-keys.js';
import { highlightedLines } from '../../src/dashboard/source-lines.js';
import { TarWriter } from '../../src/dashboard/tar-writer.js';
import { agreementOf, reliability, thresholds } from '../../src/dashboard/term-figures.js';
import { feedbackContext, DEFAULT_FEEDBACK_CONFIG } from '../../src/feedback/feedback-context.js';
import { loadTemplates } from '../../src/feedback/templates.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import type { TestReport } from '../../src/grading/report.js';

describe('the dashboard parts', () => {
  it('highlights C line by line, escaping everything, with spans closed on every line', () => {
    const lines = highlightedLines('/* <script>alert(1)</script>\n {{x}} */\nint main(void) { return "<b>"[0]; }\n');
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/<script|<b>/);
    expect(lines[0]).toContain('&lt;script&gt;');
    for (const l of lines) expect(l.match(/<span/g)?.length ?? 0).toBe(l.match(/<\/span>/g)?.length ?? 0);
    // the comment's span is reopened on its second line
    expect(lines[1]).toMatch(/^<span class="hljs-comment">/);
  });

  it('diffs output by line, whitespace counting', () => {
    expect(lineDiff('a\nb\nc\n', 'a\nB\nc\n')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'actual', text: 'B' },
      { kind: 'expected', text: 'b' },
      { kind: 'same', text: 'c' },
    ]);
    expect(lineDiff('x', 'x ').map((d) => d.kind)).toEqual(['actual', 'expected']);
  });

  it('reads the queue filters from a URL and says which one is wrong', () => {
    const q = parseQueueQuery({ assignment: 'median', min: '10', max: '', status: 'all', skip: '3,4,3', junk: 'x' });
    expect(toFilter(q, 't')).toEqual({ term: 't', flagged: true, assignment: 'median', minConfidence: 0.1 });
    expect(q.skip).toEqual([3, 4]);
    expect(queryString(q)).toBe('?assignment=median&min=10&status=all&skip=3%2C4');
    expect(() => parseQueueQuery({ min: '140' })).toThrow(BadFilterError);
    expect(() => parseQueueQuery({ since: '2026-02-31' })).toThrow(/since/);
    expect(() => parseQueueQuery({ order: 'random' })).toThrow(/order/);
  });

  it('gives every fix type a digit and every tag a letter no command uses', () => {
    const k = keyMap(loadTaxonomy());
    expect(k.fixTypes.map((f) => f.key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']);
    const letters = k.tags.map((t) => t.key);
    expect(new Set(letters).size).toBe(letters.length);
    for (const command of ['a', 's', 'j', 'k', 'u', 'n', 'q', 'g']) expect(letters).not.toContain(command);
  });

  it("computes accuracy, Cohen's kappa, the reliability bins and the threshold table", () => {
    const a = agreementOf([
      { predicted: 'A', labelled: 'A', n: 20 },
      { predicted: 'A', labelled: 'B', n: 5 },
      { predicted: 'B', labelled: 'A', n: 10 },
      { predicted: 'B', labelled: 'B', n: 15 },
      { predicted: null, labelled: 'B', n: 7 },
    ]);
    // po = 0.7, pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5
    expect(a.n).toBe(50);
    expect(a.accuracy).toBeCloseTo(0.7);
    expect(a.kappa).toBeCloseTo(0.4);
    const rows = [
      { confidence: 0.35, predicted: 'A', labelled: 'B' },
      { confidence: 0.95, predicted: 'A', labelled: 'A' },
      { confidence: 0.91, predicted: 'B', labelled: 'B' },
    ];
    expect(reliability(rows).map((b) => [b.from, b.n, b.accuracy])).toEqual([
      [0.3, 1, 0],
      [0.9, 2, 1],
    ]);
    const t = thresholds([0.35, 0.95, 0.91, 0.1], rows).find((r) => r.threshold === 0.5)!;
    expect(t).toMatchObject({ flagged: 2, flaggedShare: 0.5, labelledAbove: 2, accuracyAbove: 1 });
  });

  it('writes a tar that tar reads back, long names included', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-tar-'));
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const tar = new TarWriter(out);
    const long = `submissions/${'a'.repeat(90)}/${'b'.repeat(60)}.c`;
    await tar.file('labels.jsonl', '{"x":1}\n');
    await tar.file(long, Buffer.from('int main;'));
    await tar.end();
    fs.writeFileSync(path.join(dir, 'x.tar'), Buffer.concat(chunks));
    execFileSync('tar', ['-xf', path.join(dir, 'x.tar'), '-C', dir]);
    expect(fs.readFileSync(path.join(dir, 'labels.jsonl'), 'utf8')).toBe('{"x":1}\n');
    expect(fs.readFileSync(path.join(dir, long), 'utf8')).toBe('int main;');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("renders a TA's label in the model's place: a teaching assistant looked at this", () => {
    const taxonomy = loadTaxonomy();
    const t = loadTemplates(taxonomy);
    const report = {
      assignment: { name: 'median', title: 'Median' },
      source: { file: 'median.c', bytes: 1, sha256: 'x' },
      compiled: true,
      verdict: 'FAIL',
      compile: { ok: true, exitCode: 0, limit: null, diagnostics: '', messages: [], lint: [], ms: 1 },
      tests: [],
      summary: {
        total: 2,
        passed: 1,
        failed: 1,
        hiddenTotal: 2,
        hiddenPassed: 1,
        byVerdict: {},
        points: null,
        nondeterministic: false,
      },
      timing: { compileMs: 1, runMs: 1, totalMs: 2 },
    } as unknown as TestReport;
    const prediction = {
      fixType: 'LOOP_BOUND',
      fixTypeProbs: { LOOP_BOUND: 0.4 },
      tags: [{ tag: 'LOOP', p: 0.8 }],
      confidence: 0.4,
    };
    const base = { report, prediction, taxonomy, config: DEFAULT_FEEDBACK_CONFIG, notes: [] };
    const before = t.comment(feedbackContext(base));
    expect(before).toContain('a teaching assistant will look at it');
    expect(before).not.toContain('A teaching assistant looked at this');
    const after = t.comment(feedbackContext({ ...base, teacher: { fixType: 'MISSING_CASE', tags: ['BOUNDARY'] } }));
    expect(after).toContain('#### A teaching assistant looked at this');
    expect(after).not.toContain('a teaching assistant will look at it');
    expect(after).toMatch(/Boundary/i);
    const agreed = t.comment(feedbackContext({ ...base, teacher: { fixType: 'LOOP_BOUND', tags: [] } }));
    expect(agreed).toContain('They agree with the assistant');
    expect(t.checkSummary(feedbackContext({ ...base, teacher: { fixType: 'MISSING_CASE', tags: [] } }))).toContain(
      'A teaching assistant looked at this',
    );
  });
});
