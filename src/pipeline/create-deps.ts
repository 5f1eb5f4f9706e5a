import { DEFAULT_FEEDBACK_CONFIG, type FeedbackConfig } from '../feedback/feedback-context.js';
import { loadTemplates } from '../feedback/templates.js';
import { ModelSource, type ModelSourceEvent } from '../model/model-source.js';
import { loadPredictor, ModelError, type Predictor } from '../model/predictor.js';
import { isRegistry } from '../model/registry.js';
import { defaultTaxonomyPath, loadTaxonomy, type Taxonomy } from '../model/taxonomy.js';
import { modelsDir } from '../core/paths.js';
import { Sandbox } from '../sandbox/sandbox.js';
import type { PipelineDeps } from './pipeline.js';

export interface DepsOptions {
  /** A model folder, or a model registry (its serving version; see watchServingModel). */
  modelDir?: string;
  templatesDir?: string;
  taxonomyFile?: string;
  config?: FeedbackConfig;
  sandbox?: Sandbox;
}

/** A model that predicts other labels than the course's taxonomy cannot serve it. */
function checkTaxonomy(p: Predictor, taxonomy: Taxonomy, file: string): void {
  const m = p.manifest.taxonomy;
  if (m.fixTypes.join() !== taxonomy.fixTypes.join() || m.tags.join() !== taxonomy.tags.join())
    throw new ModelError(`the model predicts another taxonomy than ${file}: retrain it`);
}

/**
 * Everything the pipeline needs, loaded once at start-up. Broken templates or taxonomy
 * stop start-up with a message; a missing or broken model only removes the fix-type hint.
 */
export async function createPipelineDeps(o: DepsOptions = {}): Promise<PipelineDeps> {
  const taxonomyFile = o.taxonomyFile ?? defaultTaxonomyPath;
  const taxonomy = loadTaxonomy(taxonomyFile);
  const templates = loadTemplates(taxonomy, o.templatesDir);
  let predictor: PipelineDeps['predictor'];
  let predictorProblem: string | undefined;
  try {
    predictor = await loadPredictor(o.modelDir ?? modelsDir);
    checkTaxonomy(predictor, taxonomy, taxonomyFile);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    predictor = null;
    predictorProblem = 'the model is not available';
    process.emitWarning(`fixsense: no student model, feedback goes on without fix types: ${err.message}`);
  }
  return {
    sandbox: o.sandbox ?? new Sandbox(),
    predictor,
    ...(predictorProblem ? { predictorProblem } : {}),
    templates,
    taxonomy,
    config: o.config ?? DEFAULT_FEEDBACK_CONFIG,
  };
}

/** How often a worker asks which version serves: a promotion reaches every worker within this. */
export const MODEL_POLL_MS = 5000;

/**
 * When the model folder is a registry, keeps `deps.predictor` on its serving version: once at
 * start (the store's alias, which wins over the mirror the deps were loaded from) and then
 * every `pollMs`. PipelineDeps is shared by reference with the workers, so the swap is one
 * assignment between two jobs' reads of it: a job that read the old predictor finishes with
 * it, and its prediction names the version that made it. Null for a plain model folder.
 */
export async function watchServingModel(
  deps: PipelineDeps,
  o: {
    modelDir: string | undefined;
    taxonomyFile?: string;
    readServing: () => Promise<string | null>;
    pollMs?: number;
    onEvent?: (e: ModelSourceEvent) => void;
  },
): Promise<ModelSource | null> {
  const registry = o.modelDir ?? modelsDir;
  if (!(await isRegistry(registry))) return null;
  const source = new ModelSource(
    {
      registry,
      readServing: o.readServing,
      accept: (p) => checkTaxonomy(p, deps.taxonomy, o.taxonomyFile ?? defaultTaxonomyPath),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    },
    deps.predictor,
  );
  const use = (p: Predictor) => {
    deps.predictor = p;
    delete deps.predictorProblem;
  };
  if (await source.refresh()) use(source.current()!);
  source.watch(o.pollMs ?? MODEL_POLL_MS, use);
  return source;
}
