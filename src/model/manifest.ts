import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { calibrationSchema, trainedAssignmentSchema } from './calibration.js';

/**
 * models/manifest.json: everything needed to trust and use models/student.onnx — which
 * labels it predicts, which features it expects, where its data and teachers came from,
 * how it was trained and how good it is.
 */
export const manifestSchema = z.object({
  schema: z.literal('fixsense/model-manifest@1'),
  /** The model registry's name for this model (e.g. 2027-spring.1); absent before the registry. */
  version: z.string().min(1).optional(),
  model: z.object({
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int(),
    input: z.string(),
    outputs: z.object({ fixType: z.string(), tags: z.string() }),
  }),
  created: z.string(),
  variant: z.enum(['distilled', 'label_only']),
  taxonomy: z.object({
    version: z.number().int(),
    fixTypes: z.array(z.string()).min(2),
    tags: z.array(z.string()).min(1),
  }),
  features: z.object({ version: z.string(), names: z.array(z.string()).min(1) }),
  decoding: z.object({
    tagSets: z.array(z.array(z.string())),
    tagSetCounts: z.record(z.string(), z.array(z.number())),
  }),
  training: z.object({
    seed: z.number().int(),
    config: z.record(z.string(), z.unknown()),
    mutantWeight: z.number(),
    bestEpoch: z.number().int(),
    epochs: z.number().int(),
    ms: z.number(),
    command: z.string(),
  }),
  data: z.object({
    source: z.string(),
    format: z.string(),
    splits: z.record(z.string(), z.number().int()),
    labels: z.object({
      used: z.number().int(),
      dropped: z.number().int(),
      droppedReasons: z.record(z.string(), z.number().int()),
    }),
    teachers: z.record(z.string(), z.number().int()),
    trainedOn: z.object({ real: z.number().int(), mutants: z.number().int(), earlyStopping: z.number().int() }),
    mutants: z.record(z.string(), z.unknown()),
  }),
  metrics: z.record(z.string(), z.unknown()),
  /** The assignments it learnt from (name, reference hash, labelled programs): absent before calibration. */
  assignments: z.array(trainedAssignmentSchema).optional(),
  /** The confidence on assignments it has not learnt from (see calibration.ts). */
  calibration: calibrationSchema.optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;

/**
 * The name every check run, comment and stored grading gives the model that made a
 * prediction: the registry's version when the model has one, else its file's hash.
 */
export function modelVersionOf(m: Manifest): string {
  return m.version ?? `sha256-${m.model.sha256.slice(0, 12)}`;
}

/**
 * The manifest of the model a folder serves (a model folder, or a registry's serving version),
 * read at most every `ttlMs`: for pages that show what the serving model learnt from.
 */
export function servingManifest(dir: string, ttlMs = 60_000): () => Promise<Manifest | null> {
  let cached: { at: number; manifest: Promise<Manifest | null> } | undefined;
  return () => {
    if (cached && Date.now() - cached.at < ttlMs) return cached.manifest;
    const manifest = (async () => {
      const { registryModelDir } = await import('./registry.js');
      const folder = await registryModelDir(dir);
      const r = manifestSchema.safeParse(JSON.parse(await fs.readFile(path.join(folder, 'manifest.json'), 'utf8')));
      return r.success ? r.data : null;
    })().catch(() => null);
    cached = { at: Date.now(), manifest };
    return manifest;
  };
}
