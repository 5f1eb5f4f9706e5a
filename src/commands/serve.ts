import fs from 'node:fs';
import { fixsenseEnv } from '../app/config.js';
import { startApp } from '../app/start-app.js';
import { log } from '../core/log.js';
import { CliError } from './cli-error.js';

/**
 * Reads `file` (KEY=value lines) into process.env, keeping any variable already set: the real
 * environment (a service manager, a container) always wins over the file.
 */
export function loadEnvFile(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const before = { ...process.env };
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  // process.loadEnvFile already keeps set variables; restore them anyway in case a Node version does not
  Object.assign(process.env, before);
  return true;
}

export async function serveCommand(flags: { web: boolean; worker: boolean; envFile: string }): Promise<void> {
  if (!flags.web && !flags.worker) throw new CliError('nothing to run: --no-web and --no-worker together');
  const loaded = loadEnvFile(flags.envFile);
  if (loaded) log('env-file', { file: flags.envFile });
  // the file may set FIXSENSE_* variables too: check them as cli.ts checked the environment's
  if (loaded) fixsenseEnv();
  const app = await startApp({ web: flags.web, worker: flags.worker });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { signal });
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
