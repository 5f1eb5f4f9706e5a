/**
 * Writing to a model registry (model/registry.ts reads it): versions are added whole or not
 * at all (written in a hidden folder, then renamed into place), never replaced, and their
 * files are made read-only.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadPredictor } from '../model/predictor.js';
import { modelVersionOf, type Manifest } from '../model/manifest.js';
import {
  isRegistry,
  readRegistryFile,
  REGISTRY_FILE,
  RegistryError,
  SERVING_MIRROR,
  versionDir,
  versionName,
  type RegistryFile,
} from '../model/registry.js';

/** Model files a version folder may carry besides the model itself. */
const REPORT_FILES = ['report.md', 'report.html', 'report.json', 'confusion.svg'];

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Adds a version: `write(dir)` fills a fresh hidden folder, which is then renamed to
 * versions/<version>. An existing version is never touched (RegistryError); a failed write
 * leaves nothing behind.
 */
export async function addVersion(
  registry: string,
  version: string,
  write: (dir: string) => Promise<void>,
): Promise<string> {
  const dest = versionDir(registry, version);
  if (await exists(dest))
    throw new RegistryError(`${dest}: version ${version} exists already (versions are never replaced)`);
  const tmp = path.join(registry, 'versions', `.tmp-${version}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(tmp, { recursive: true });
  try {
    await write(tmp);
    for (const f of await fs.readdir(tmp)) await fs.chmod(path.join(tmp, f), 0o444);
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RegistryError(`${dest}: version ${version} was added meanwhile (versions are never replaced)`);
    throw err;
  }
  return dest;
}

/** The manifest of a version, named as the version: what every prediction of it carries. */
export function withVersion(m: Manifest, version: string): Manifest {
  return { ...m, version };
}

/**
 * The registry at `dir`, made if missing: its first version (the base) is the model that
 * served before (`fallback`, e.g. models/), under the name gradings already gave it
 * (sha256-…), so that the store's records and rollback know it.
 */
export async function ensureRegistry(
  dir: string,
  fallback: string,
): Promise<{ created: boolean; registry: RegistryFile }> {
  if (await isRegistry(dir)) return { created: false, registry: await readRegistryFile(dir) };
  if ((await exists(dir)) && (await fs.readdir(dir)).length)
    throw new RegistryError(
      `${dir}: not empty and not a model registry (no ${REGISTRY_FILE}): give another --registry`,
    );
  const base = await loadPredictor(fallback);
  const version = modelVersionOf(base.manifest);
  await fs.mkdir(path.join(dir, 'versions'), { recursive: true });
  await addVersion(dir, version, async (tmp) => {
    await fs.copyFile(path.join(fallback, base.manifest.model.file), path.join(tmp, base.manifest.model.file));
    await fs.writeFile(
      path.join(tmp, 'manifest.json'),
      JSON.stringify(withVersion(base.manifest, version), null, 2) + '\n',
    );
    for (const f of REPORT_FILES)
      if (await exists(path.join(fallback, f))) await fs.copyFile(path.join(fallback, f), path.join(tmp, f));
  });
  const registry: RegistryFile = {
    schema: 'fixsense/model-registry@1',
    created: new Date().toISOString(),
    base: version,
  };
  await fs.writeFile(path.join(dir, REGISTRY_FILE), JSON.stringify(registry, null, 2) + '\n');
  return { created: true, registry };
}

/** `<term>.<n>`: one more than the term's highest version so far. */
export async function nextVersionName(dir: string, term: string): Promise<string> {
  const names = await fs.readdir(path.join(dir, 'versions')).catch(() => [] as string[]);
  const prefix = `${term}.`;
  const used = names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)));
  const name = `${term}.${Math.max(0, ...used) + 1}`;
  if (!versionName.safeParse(name).success) throw new RegistryError(`"${term}" cannot name model versions`);
  return name;
}

/** After the store's alias moved: the mirror tools without a database read (model/registry.ts). */
export async function writeServingMirror(dir: string, m: { version: string; movedAt: number; movedBy: string }) {
  const file = path.join(dir, SERVING_MIRROR);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(
    tmp,
    JSON.stringify({ version: m.version, moved_at: new Date(m.movedAt).toISOString(), moved_by: m.movedBy }, null, 2) +
      '\n',
  );
  await fs.rename(tmp, file);
}
