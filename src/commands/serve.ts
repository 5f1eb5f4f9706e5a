import { ConfigError } from '../app/config.js';
import { startApp } from '../app/start-app.js';
import { log } from '../app/log.js';
import { TemplateError } from '../feedback/templates.js';
import { CliError } from './cli-error.js';

export async function serveCommand(flags: { web: boolean; worker: boolean }): Promise<void> {
  if (!flags.web && !flags.worker) throw new CliError('nothing to run: --no-web and --no-worker together');
  let app;
  try {
    app = await startApp({ web: flags.web, worker: flags.worker });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TemplateError) throw new CliError(err.message);
    throw err;
  }
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
