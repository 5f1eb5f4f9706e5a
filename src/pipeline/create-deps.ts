import { DEFAULT_FEEDBACK_CONFIG, type FeedbackConfig } from '../feedback/feedback-context.js';
import { loadTemplates } from '../feedback/templates.js';
import { loadPredictor, ModelError } from '../model/predictor.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { modelsDir } from '../core/paths.js';
import { Sandbox } from '../sandbox/sandbox.js';
import type { PipelineDeps } from './pipeline.js';

export interface DepsOptions {
  modelDir?: string;
  templatesDir?: string;
  taxonomyFile?: string;
  config?: FeedbackConfig;
  sandbox?: Sandbox;
}

/**
 * Everything the pipeline needs, loaded once at start-up. Broken templates or taxonomy
 * stop start-up with a message; a missing or broken model only removes the fix-type hint.
 */
export async function createPipelineDeps(o: DepsOptions = {}): Promise<PipelineDeps> {
  const taxonomy = loadTaxonomy(o.taxonomyFile ?? defaultTaxonomyPath);
  const templates = loadTemplates(taxonomy, o.templatesDir);
  let predictor: PipelineDeps['predictor'];
  let predictorProblem: string | undefined;
  try {
    predictor = await loadPredictor(o.modelDir ?? modelsDir);
    const m = predictor.manifest.taxonomy;
    if (m.fixTypes.join() !== taxonomy.fixTypes.join() || m.tags.join() !== taxonomy.tags.join()) {
      throw new ModelError(
        `the model predicts another taxonomy than ${o.taxonomyFile ?? defaultTaxonomyPath}: retrain it`,
      );
    }
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
