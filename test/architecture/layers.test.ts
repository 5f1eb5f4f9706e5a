import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layer order, written down once (docs/architecture.md points here). A module may import
 * from its own layer and from layers before it, never from a later one. `training` sits beside
 * the pipeline: it may use every layer before it, and only the commands may import it, so the
 * production worker never loads the trainer.
 */
export const LAYERS: string[][] = [
  ['core'],
  ['sandbox'],
  ['assignments'],
  ['grading'],
  ['analysis'],
  ['model'],
  ['feedback'],
  ['pipeline', 'fixtures'],
  ['training'],
  ['course'],
  ['store'],
  ['github'],
  ['queue'],
  ['dashboard'],
  ['web'],
  ['app'],
  ['commands', 'cli.ts'],
];
const ONLY_FROM: Record<string, string[]> = { training: ['training', 'commands'] };

const srcDir = path.resolve(import.meta.dirname, '../../src');

function unitOf(file: string): string {
  return path.relative(srcDir, file).split(path.sep)[0]!;
}

function layerOf(unit: string): number {
  const i = LAYERS.findIndex((l) => l.includes(unit));
  if (i < 0) throw new Error(`src/${unit} is in no layer: add it to LAYERS in test/architecture/layers.test.ts`);
  return i;
}

/** Every relative import of every module under src, resolved to the file it names. */
function importsOf(dir: string): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
      edges.push({ from: file, to: path.resolve(path.dirname(file), m[1]!) });
    }
  }
  return edges;
}

export function violations(edges: { from: string; to: string }[]): string[] {
  const found: string[] = [];
  for (const { from, to } of edges) {
    const a = unitOf(from);
    const b = unitOf(to);
    if (a === b) continue;
    const rel = (f: string) => path.relative(srcDir, f);
    if (layerOf(b) > layerOf(a)) found.push(`${rel(from)} imports ${rel(to)}: ${a} is below ${b}`);
    const allowed = ONLY_FROM[b];
    if (allowed && !allowed.includes(a)) found.push(`${rel(from)} imports ${rel(to)}: only ${allowed.join(', ')} may`);
  }
  return found;
}

describe('layers', () => {
  it('no module imports from a later layer, and only the commands import training', () => {
    expect(violations(importsOf(srcDir))).toEqual([]);
  });

  it('the check itself catches an upward import and a production import of training', () => {
    const f = (p: string) => path.join(srcDir, p);
    expect(violations([{ from: f('model/predictor.ts'), to: f('training/train-student.js') }])).toHaveLength(2);
    expect(violations([{ from: f('sandbox/sandbox.ts'), to: f('app/config.js') }])).toHaveLength(1);
    expect(violations([{ from: f('queue/workers.ts'), to: f('grading/report.js') }])).toHaveLength(0);
  });

  it('every folder of src is in a layer', () => {
    for (const e of fs.readdirSync(srcDir, { withFileTypes: true })) {
      if (e.isDirectory() || e.name.endsWith('.ts')) expect(() => layerOf(e.name)).not.toThrow();
    }
  });
});
