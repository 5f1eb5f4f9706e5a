import path from 'node:path';
import { defaultIntroclassDir } from '../core/paths.js';

/** Where the IntroClass data lives: ../shared/introclass beside the project, or $FIXSENSE_INTROCLASS. */
export function introclassDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.FIXSENSE_INTROCLASS ?? defaultIntroclassDir);
}
