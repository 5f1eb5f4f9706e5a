import { servingManifest } from '../model/manifest.js';
import { modelsDir } from '../core/paths.js';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import express from 'express';
import { ConfigError } from '../core/config-error.js';
import { loadCourse, type Course } from '../course/course.js';
import { createDashboard } from '../dashboard/dashboard.js';
import { gradeFixtures, recordFixtures } from '../dashboard/seed-fixtures.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { StoreError, StoreUnavailableError } from '../store/errors.js';
import { openStore, type Store } from '../store/store.js';
import { CliError } from './cli-error.js';

interface DashboardFlags {
  port: string;
  host: string;
  db?: string;
  course?: string;
  reviewer: string;
  seed?: boolean;
}

/** Loopback only: this mode signs in whoever holds the printed link, so nothing but this machine may reach it. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

async function serveLocal(flags: DashboardFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`--port must be a port number (0 to 65535), got "${flags.port}"`);
  if (!isLoopback(flags.host))
    throw new CliError(
      `--host ${flags.host}: the local dashboard listens on this machine only (127.0.0.1, ::1 or localhost), as its sign-in link lets anyone in; ` +
        'serve TAs elsewhere through the App (fixsense serve) with GitHub sign-in',
    );
  if (!/^[A-Za-z0-9-]{1,39}$/.test(flags.reviewer)) throw new CliError('--reviewer must look like a GitHub login');
  let course: Course | null;
  let store: Store;
  try {
    course = flags.course ? await loadCourse(flags.course) : null;
    store = await openStore({ ...(flags.db ? { db: flags.db } : {}), create: !!flags.seed });
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, 3);
    if (err instanceof StoreError || err instanceof ConfigError)
      throw new CliError(
        `${err.message}${flags.seed ? '' : ' (give --seed to grade the bundled fixtures into a new store)'}`,
      );
    throw err;
  }
  if (flags.seed) {
    const n = await recordFixtures(store, await gradeFixtures(), {
      course: course?.name ?? 'demo',
      term: course?.term ?? String(new Date().getFullYear()),
      now: Date.now(),
    });
    process.stderr.write(`recorded ${n} graded fixture submissions in ${store.description}\n`);
  }
  const dashboard = createDashboard({
    store: { use: (f) => f(store) },
    taxonomy: loadTaxonomy(course?.taxonomy ?? defaultTaxonomyPath),
    course,
    signIn: { kind: 'local', reviewer: flags.reviewer },
    tellStudent: null,
    manifest: servingManifest(course?.model ?? modelsDir),
  });
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => res.redirect(302, '/dashboard'));
  app.use('/dashboard', dashboard.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CliError(`cannot listen on ${flags.host}:${port}: ${err.message}`)));
    server.listen(port, flags.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostInUrl = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  process.stderr.write(`the TA dashboard on ${store.description}, for ${flags.reviewer}; Ctrl-C stops it\n`);
  process.stdout.write(`login: http://${hostInUrl}:${addr.port}/dashboard/login/${dashboard.oneTimeLogin()}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await dashboard.close();
  await store.close();
}

/** `fixsense dashboard`: the TA dashboard on the embedded store, for one TA on this machine, without GitHub. */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'the TA dashboard on this machine only, without GitHub: prints a one-time sign-in link (reviews are recorded; no student is told)',
    )
    .option('--port <n>', 'the port (0: any free one)', '4000')
    .option('--host <address>', 'a loopback address: 127.0.0.1, ::1 or localhost', '127.0.0.1')
    .option('--db <file-or-url>', 'an SQLite file or a postgres:// URL (default: $DATABASE_URL, else data/fixsense.db)')
    .option('--course <course.yml>', "the course: its term, assignments (for the export's folders) and taxonomy")
    .option('--reviewer <login>', 'whom the reviews are recorded as', 'local-ta')
    .option('--seed', 'first grade the bundled fixture submissions into the store (creating it), as a demo')
    .action(serveLocal);
}
