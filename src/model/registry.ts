import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatZodIssues } from '../core/zod-issues.js';
import { manifestSchema, type Manifest } from './manifest.js';

/**
 * A model registry: a folder of immutable model versions, one folder each, never written
 * over. Which version serves is the store's `serving` alias (the source of truth: moved in a
 * transaction, logged with who and when, and read by every worker of the course whatever
 * machine it runs on); `serving.json` here mirrors it after each move, for the tools that run
 * without a database (`grade --model <registry>`, a web-only process's readiness) and for a
 * worker that starts while the database does not answer.
 *
 *   registry.json          { schema, created, base }: base is the version first imported
 *   versions/<version>/    student.onnx, manifest.json (with its version), report.md|html|json,
 *                          heldout.json (the programs it was compared on)
 *   serving.json           { version, moved_at, moved_by }: the mirror
 */
export const REGISTRY_FILE = 'registry.json';
export const SERVING_MIRROR = 'serving.json';
export const SERVING_ALIAS = 'serving';

/** letters, digits, . - _; what `retrain --term 2027-spring` makes is 2027-spring.1, .2, … */
export const versionName = z
  .string()
  .regex(/^[\w][\w.-]{0,79}$/, 'letters, digits, ., - and _ (starting with a letter or digit)');

export const registryFileSchema = z.object({
  schema: z.literal('fixsense/model-registry@1'),
  created: z.string(),
  base: versionName,
});
export type RegistryFile = z.infer<typeof registryFileSchema>;

export const servingMirrorSchema = z.object({
  version: versionName,
  moved_at: z.string(),
  moved_by: z.string(),
});

/** A registry that cannot be read, or a version it does not have. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

export async function isRegistry(dir: string): Promise<boolean> {
  return fs.stat(path.join(dir, REGISTRY_FILE)).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function readJson<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new RegistryError(`${file}: ${(err as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new RegistryError(`${file}: ${formatZodIssues(r.error)}`);
  return r.data;
}

export function readRegistryFile(dir: string): Promise<RegistryFile> {
  return readJson(path.join(dir, REGISTRY_FILE), registryFileSchema);
}

/** The folder of one version (the name is checked, so it cannot point outside the registry). */
export function versionDir(registry: string, version: string): string {
  const v = versionName.safeParse(version);
  if (!v.success) throw new RegistryError(`"${version}" is not a model version name: ${formatZodIssues(v.error)}`);
  return path.join(registry, 'versions', version);
}

/** The mirrored serving version, or null when none was written. */
export async function servingMirror(dir: string): Promise<string | null> {
  const file = path.join(dir, SERVING_MIRROR);
  const exists = await fs.stat(file).then(
    () => true,
    () => false,
  );
  return exists ? (await readJson(file, servingMirrorSchema)).version : null;
}

/**
 * The model folder `dir` stands for: itself when it is a model folder; for a registry, the
 * folder of its mirrored serving version (the base version before any move).
 */
export async function registryModelDir(dir: string): Promise<string> {
  if (!(await isRegistry(dir))) return dir;
  const version = (await servingMirror(dir)) ?? (await readRegistryFile(dir)).base;
  return versionDir(dir, version);
}

export interface RegistryVersion {
  version: string;
  dir: string;
  manifest: Manifest;
}

/** Every version in the registry, oldest first (by the manifest's creation time). */
export async function listRegistryVersions(dir: string): Promise<RegistryVersion[]> {
  const root = path.join(dir, 'versions');
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const out: RegistryVersion[] = [];
  for (const name of names) {
    if (!versionName.safeParse(name).success) continue; // a half-written .tmp folder
    const vdir = path.join(root, name);
    out.push({ version: name, dir: vdir, manifest: await readJson(path.join(vdir, 'manifest.json'), manifestSchema) });
  }
  return out.sort((a, b) => a.manifest.created.localeCompare(b.manifest.created) || a.version.localeCompare(b.version));
}
