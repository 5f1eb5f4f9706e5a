/**
 * The model registry: immutable versions added whole or not at all, the model that served
 * before as its first version, the mirror of the serving alias, and a worker's ModelSource
 * that follows the alias without ever serving a half-loaded or broken version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelSource, type ModelSourceEvent } from '../../src/model/model-source.js';
import { loadPredictor } from '../../src/model/predictor.js';
import { listRegistryVersions, registryModelDir, RegistryError, versionDir } from '../../src/model/registry.js';
import { addVersion, ensureRegistry, nextVersionName, writeServingMirror } from '../../src/training/registry-write.js';
import { modelManifest, randomOnnx, writeModelFolder } from './model-folder.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-registry-'));

/** A registry with its base (the model that served before) and versions v1..vn. */
async function registry(n: number): Promise<{ dir: string; base: string }> {
  const dir = path.join(tmp(), 'models');
  const { registry: r } = await ensureRegistry(dir, writeModelFolder(1));
  for (let i = 1; i <= n; i++) await addVersionOf(dir, `t.${i}`, 10 + i);
  return { dir, base: r.base };
}

function addVersionOf(dir: string, version: string, seed: number) {
  return addVersion(dir, version, async (d) => {
    const onnx = randomOnnx(seed);
    fs.writeFileSync(path.join(d, 'student.onnx'), onnx);
    fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(modelManifest(onnx, { version })));
  });
}

describe('the model registry', () => {
  it('starts with the model that served before, under the name its gradings gave it', async () => {
    const before = writeModelFolder(1);
    const old = await loadPredictor(before);
    const dir = path.join(tmp(), 'models');
    const { created, registry: r } = await ensureRegistry(dir, before);
    expect(created).toBe(true);
    expect(r.base).toBe(old.version);
    expect(r.base).toMatch(/^sha256-[0-9a-f]{12}$/);
    const base = await loadPredictor(versionDir(dir, r.base));
    expect(base.version).toBe(r.base);
    expect(base.manifest.model.sha256).toBe(old.manifest.model.sha256);
    // again: nothing changes
    expect((await ensureRegistry(dir, writeModelFolder(2))).created).toBe(false);
    // a folder that holds something else is not taken over
    const other = tmp();
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    await expect(ensureRegistry(other, before)).rejects.toThrow(/not empty and not a model registry/);
  });

  it('adds versions whole, read-only, never over an existing one, and names them term.n', async () => {
    const { dir } = await registry(2);
    expect(await nextVersionName(dir, 't')).toBe('t.3');
    expect(await nextVersionName(dir, '2027-spring')).toBe('2027-spring.1');
    await expect(addVersionOf(dir, 't.2', 99)).rejects.toThrow(RegistryError);
    await expect(addVersionOf(dir, 't.2', 99)).rejects.toThrow(/never replaced/);
    // the existing version is untouched
    expect((await loadPredictor(versionDir(dir, 't.2'))).manifest.model.sha256).toBe(
      (await loadPredictor(writeModelFolderFrom(12, 't.2'))).manifest.model.sha256,
    );
    expect(fs.statSync(path.join(versionDir(dir, 't.1'), 'student.onnx')).mode & 0o222).toBe(0);
    // a write that fails leaves nothing behind
    await expect(
      addVersion(dir, 't.3', async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readdirSync(path.join(dir, 'versions')).sort()).toEqual(
      (await listRegistryVersions(dir)).map((v) => v.version).sort(),
    );
    expect(fs.existsSync(versionDir(dir, 't.3'))).toBe(false);
    expect(() => versionDir(dir, '../etc')).toThrow(RegistryError);
  });

  it('as a model folder, serves its mirrored version, else its first', async () => {
    const { dir, base } = await registry(2);
    expect(await registryModelDir(dir)).toBe(versionDir(dir, base));
    await writeServingMirror(dir, { version: 't.2', movedAt: Date.now(), movedBy: 'ta' });
    expect((await loadPredictor(dir)).version).toBe('t.2');
  });
});

function writeModelFolderFrom(seed: number, version: string): string {
  const d = tmp();
  const onnx = randomOnnx(seed);
  fs.writeFileSync(path.join(d, 'student.onnx'), onnx);
  fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify(modelManifest(onnx, { version })));
  return d;
}

describe('ModelSource', () => {
  it('follows the serving alias: loads the new version completely, then answers with it', async () => {
    const { dir, base } = await registry(2);
    let alias: string | null = base;
    const events: ModelSourceEvent[] = [];
    const source = new ModelSource(
      { registry: dir, readServing: async () => alias, onEvent: (e) => events.push(e) },
      await loadPredictor(versionDir(dir, base)),
    );
    expect(await source.refresh()).toBe(false);
    alias = 't.1';
    const held = source.current();
    expect(await source.refresh()).toBe(true);
    expect(source.current()!.version).toBe('t.1');
    // a job that took the old predictor keeps it, whole
    expect(held!.version).toBe(base);
    expect(events).toEqual([{ kind: 'loaded', version: 't.1', previous: base }]);
  });

  it('keeps serving when the new version cannot be loaded or is refused, and says so once', async () => {
    const { dir } = await registry(2);
    const events: ModelSourceEvent[] = [];
    let alias = 't.1';
    const source = new ModelSource(
      {
        registry: dir,
        readServing: async () => alias,
        accept: (p) => {
          if (p.version === 't.2') throw new Error('another taxonomy');
        },
        onEvent: (e) => events.push(e),
      },
      null,
    );
    await source.refresh();
    expect(source.current()!.version).toBe('t.1');
    alias = 'missing.1';
    expect(await source.refresh()).toBe(false);
    expect(await source.refresh()).toBe(false);
    alias = 't.2';
    expect(await source.refresh()).toBe(false);
    expect(source.current()!.version).toBe('t.1');
    expect(events.map((e) => `${e.kind} ${e.version}`)).toEqual(['loaded t.1', 'failed missing.1', 'failed t.2']);
    // the database does not answer: the model stays
    const down = new ModelSource(
      { registry: dir, readServing: () => Promise.reject(new Error('down')) },
      source.current(),
    );
    expect(await down.refresh()).toBe(false);
    expect(down.current()!.version).toBe('t.1');
  });
});
