import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project's root folder, whether running from src/core/ (tsx, vitest) or dist/core/ (built). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const fixturesDir = path.join(projectRoot, 'fixtures');
export const templatesDir = path.join(projectRoot, 'templates');
export const modelsDir = path.join(projectRoot, 'models');
/** The IntroClass data beside the project (read-only, never copied in), unless FIXSENSE_INTROCLASS says otherwise. */
export const defaultIntroclassDir = path.join(projectRoot, '..', 'shared', 'introclass');
