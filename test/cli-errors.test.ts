import { QueueUnavailableError } from '../src/queue/queues.js';
import { UnsafeLockDirError } from '../src/sandbox/uid-pool.js';
import { StoreConfigError, StoreUnavailableError } from '../src/store/errors.js';
/**
 * One mapping from error class to exit status: user errors are one line without a stack and
 * exit 2, an unusable sandbox exits 3, anything else is a fault of fixsense (stack, exit 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { AssignmentError } from '../src/assignments/assignment.js';
import { CliError } from '../src/commands/cli-error.js';
import { EXIT, exitFor } from '../src/commands/exit-codes.js';
import { ConfigError } from '../src/core/config-error.js';
import { fixturesDir } from '../src/core/paths.js';
import { TemplateError } from '../src/feedback/templates.js';
import { loadSubmissionManifest, ManifestError } from '../src/fixtures/submission-manifest.js';
import { ModelError } from '../src/model/predictor.js';
import { loadTaxonomy, TaxonomyError } from '../src/model/taxonomy.js';
import { SandboxUnavailableError } from '../src/sandbox/errors.js';
import { DatasetError } from '../src/training/dataset-error.js';
import { loadDataset } from '../src/training/load-dataset.js';
import { buildData } from '../src/training/retrain.js';
import { runCli } from './helpers/run-cli.js';

const STACK = /^\s+at /m;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-cli-errors-'));

describe('the loaders throw their named error', () => {
  const taxonomy = loadTaxonomy();

  it('taxonomy: unreadable, or not a taxonomy', () => {
    expect(() => loadTaxonomy(path.join(tmp, 'none.json'))).toThrow(TaxonomyError);
    const bad = path.join(tmp, 'bad-taxonomy.json');
    fs.writeFileSync(bad, JSON.stringify({ version: 1, fix_types: [{ name: 'A', when: 'x' }], tags: [] }));
    expect(() => loadTaxonomy(bad)).toThrow(TaxonomyError);
  });

  it('dataset: no folder, neither format, no labels file, no examples in the split', async () => {
    await expect(loadDataset({ data: path.join(tmp, 'none') }, taxonomy)).rejects.toThrow(DatasetError);
    await expect(loadDataset({ data: tmp }, taxonomy)).rejects.toThrow(DatasetError);
    await expect(loadDataset({ data: tmp, labels: path.join(tmp, 'none.jsonl') }, taxonomy)).rejects.toThrow(
      DatasetError,
    );
    const empty = fs.mkdtempSync(path.join(tmp, 'introclass-'));
    fs.writeFileSync(path.join(empty, 'defects.jsonl'), '');
    const spec = { data: empty, mutants: 0, seed: 1, taxonomy, evalSplit: 'validation', withFixtures: false };
    await expect(buildData({ ...spec, trainSplit: 'train' })).rejects.toThrow(/no examples in the "train" split/);
    await expect(buildData({ ...spec, trainSplit: 'train' })).rejects.toThrow(DatasetError);
  });

  it('submission manifest: unreadable, not YAML, or not the schema', async () => {
    await expect(loadSubmissionManifest(path.join(tmp, 'none'))).rejects.toThrow(ManifestError);
    const dir = fs.mkdtempSync(path.join(tmp, 'manifest-'));
    fs.writeFileSync(path.join(dir, 'manifest.yml'), '- file: [unclosed\n');
    await expect(loadSubmissionManifest(dir)).rejects.toThrow(ManifestError);
    fs.writeFileSync(path.join(dir, 'manifest.yml'), '- file: nope\n');
    await expect(loadSubmissionManifest(dir)).rejects.toThrow(
      /manifest\.yml: 0\.file: must be <assignment>\/<name>\.c/,
    );
  });
});

describe('exitFor', () => {
  it.each([
    ['CliError', new CliError('bad option'), 'bad option'],
    ['ConfigError', new ConfigError('web configuration: PORT: too big'), 'web configuration: PORT: too big'],
    ['AssignmentError', new AssignmentError('a.yml', 'limits.cpu_ms: expected number'), 'broken assignment: a.yml:'],
    ['TemplateError', new TemplateError('comment.md.hbs: parse error'), 'broken templates: comment.md.hbs'],
    ['ModelError', new ModelError('manifest.json: missing'), 'manifest.json: missing'],
    ['TaxonomyError', new TaxonomyError('taxonomy.json: fix_types: too small'), 'taxonomy.json: fix_types'],
    ['DatasetError', new DatasetError('data: no such folder'), 'data: no such folder'],
    ['ManifestError', new ManifestError('manifest.yml: 0.file: required'), 'manifest.yml: 0.file'],
  ])('%s is a user error: exit 2, one line, no stack', (_, err, text) => {
    const e = exitFor(err);
    expect(e.code).toBe(EXIT.userError);
    expect(e.code).toBe(2);
    expect(e.text.startsWith(`fixsense: ${text}`)).toBe(true);
    expect(e.text).not.toMatch(STACK);
    expect(e.text.trimEnd().split('\n')).toHaveLength(1);
  });

  it('a CliError keeps its own status (a reference that fails its tests is 1)', () => {
    expect(exitFor(new CliError('reference.c fails 1 test(s)', 1))).toEqual({
      code: 1,
      text: 'fixsense: reference.c fails 1 test(s)\n',
    });
  });

  it('an unusable sandbox exits 3 without a stack', () => {
    const e = exitFor(new SandboxUnavailableError('bubblewrap (bwrap) is not installed'));
    expect(e).toEqual({ code: EXIT.unavailable, text: 'fixsense: bubblewrap (bwrap) is not installed\n' });
    expect(e.code).toBe(3);
  });

  it('a database or queue that does not answer exits 3; a wrong database setting or an unsafe lock folder exits 2', () => {
    expect(exitFor(new StoreUnavailableError('PostgreSQL x is unavailable')).code).toBe(3);
    expect(exitFor(new QueueUnavailableError('Redis is reconnecting')).code).toBe(3);
    expect(exitFor(new StoreConfigError('no such database')).code).toBe(2);
    expect(exitFor(new UnsafeLockDirError('lock folder /x has mode 777')).text).toBe(
      'fixsense: lock folder /x has mode 777\n',
    );
  });

  it('anything else is a fault of fixsense: exit 1 with the stack', () => {
    const e = exitFor(new TypeError('x is undefined'));
    expect(e.code).toBe(EXIT.failed);
    expect(e.code).toBe(1);
    expect(e.text).toMatch(/^fixsense: TypeError: x is undefined\n\s+at /);
    expect(exitFor('a string')).toEqual({ code: 1, text: 'fixsense: a string\n' });
  });

  it("commander's own errors: it printed them already; help is 0, a usage error 2", () => {
    expect(exitFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ code: 0, text: '' });
    expect(exitFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toEqual({
      code: 2,
      text: '',
    });
  });
});

describe('the CLI ends each family of error by the one mapping', () => {
  it('a broken taxonomy file: exit 2, the file and the problem, no stack', () => {
    const bad = path.join(tmp, 'taxonomy.json');
    fs.writeFileSync(bad, JSON.stringify({ version: 1, fix_types: [], tags: [] }));
    const r = runCli(['retrain', '--data', fixturesDir, '--labels', 'nope.jsonl', '--taxonomy', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr.startsWith(`fixsense: ${bad}: fix_types: `)).toBe(true);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a taxonomy file that is not JSON: exit 2, no stack', () => {
    const bad = path.join(tmp, 'not-json.json');
    fs.writeFileSync(bad, '{ nope');
    const r = runCli(['evaluate', '--data', fixturesDir, '--split', 'validation', '--taxonomy', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`fixsense: ${bad}: `);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a labels file that does not exist is a dataset error: exit 2, no stack', () => {
    const labels = path.join(tmp, 'missing.jsonl');
    const r = runCli(['retrain', '--data', fixturesDir, '--labels', labels, '--out', path.join(tmp, 'out')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`fixsense: ${labels}: cannot read the labels:`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('no bubblewrap: exit 3 with how to install it', () => {
    const c = path.join(tmp, 'ok.c');
    fs.writeFileSync(c, 'int main(void) { return 0; }\n');
    const r = runCli(['grade', c, '--assignment', 'median'], { FIXSENSE_BWRAP: '/nonexistent/bwrap' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^fixsense: bubblewrap \(\/nonexistent\/bwrap\) is not installed/);
    expect(r.stderr).not.toMatch(STACK);
  });
});
