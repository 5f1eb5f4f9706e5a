import path from 'node:path';
import { projectRoot } from './paths.js';

/** Rebuilt-on-demand files (the sandbox runner, graded reports, mutants): never in git. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FIXSENSE_CACHE_DIR ?? path.join(projectRoot, '.cache'));
}
