import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../core/config-error.js';
import { writeLimitsSchema } from '../github/write-limits.js';

export { ConfigError };

const common = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  COURSE_FILE: z.string().default('course.yml'),
  /** The course's database: a postgres:// URL, or an SQLite file; default data/fixsense.db. */
  DATABASE_URL: z.string().min(1).optional(),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w-]+$/)
    .default('fixsense'),
};

export const webEnvSchema = z
  .object({
    ...common,
    WEBHOOK_SECRET: z.string().min(8, 'must be at least 8 characters (the secret set in the GitHub App)'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    APP_ID: z.coerce.number().int().positive().optional(),
    /** The largest webhook body read (GitHub's payloads are tens of kB; it caps them at 25 MB). */
    WEBHOOK_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(25 * 1024 * 1024)
      .default(1024 * 1024),
    /** A push still ungraded this long after it arrived gets an in-progress check run (if the write budget has room). */
    ACK_AFTER_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    /** The TA dashboard's sign-in: the GitHub App's OAuth client id and secret; without both it is off. */
    GITHUB_CLIENT_ID: z.string().min(1).optional(),
    GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
    /** Where GitHub's OAuth pages are (github.com, or a GitHub Enterprise Server's host). */
    GITHUB_OAUTH_URL: z.string().url().default('https://github.com'),
    /** The API the dashboard asks who signed in and whether they are in the course's team. */
    GITHUB_API_URL: z.string().url().default('https://api.github.com'),
    /** The App's public address (https://grader.example.edu): the OAuth callback is under it; default: the request's own. */
    DASHBOARD_URL: z.string().url().optional(),
  })
  .refine((e) => !e.GITHUB_CLIENT_ID === !e.GITHUB_CLIENT_SECRET, {
    message: "set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the dashboard's sign-in), or neither",
    path: ['GITHUB_CLIENT_SECRET'],
  });

export const workerEnvSchema = z
  .object({
    ...common,
    APP_ID: z.coerce.number().int().positive(),
    PRIVATE_KEY: z.string().optional(),
    PRIVATE_KEY_PATH: z.string().optional(),
    GITHUB_API_URL: z.string().url().default('https://api.github.com'),
    /** Jobs in flight per worker process; the sandbox slots bound how many grade at once, the rest fetch and publish. */
    WORKER_CONCURRENCY: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(2 * os.availableParallelism()),
    ACK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    WRITE_LIMITS: z.string().default('80/60s,500/3600s').pipe(writeLimitsSchema),
    /** A worker-only process answers GET /healthz on this port (0: any free port), for its supervisor. */
    WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
    /** How long a job's lock lasts: a dead worker's jobs are taken over after this. */
    WORKER_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  })
  .refine((e) => e.PRIVATE_KEY || e.PRIVATE_KEY_PATH, {
    message: 'set PRIVATE_KEY (the PEM text) or PRIVATE_KEY_PATH (a file)',
    path: ['PRIVATE_KEY'],
  });

export type WebEnv = z.infer<typeof webEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema> & { privateKey: string };

function parse<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv, what: string): z.infer<T> {
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new ConfigError(
      `${what} configuration: ${r.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`).join('; ')} (see .env.example)`,
    );
  }
  return r.data;
}

export function webEnv(env: NodeJS.ProcessEnv = process.env): WebEnv {
  return parse(webEnvSchema, env, 'web');
}

export function workerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const e = parse(workerEnvSchema, env, 'worker');
  let privateKey = e.PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (!privateKey) {
    try {
      privateKey = fs.readFileSync(e.PRIVATE_KEY_PATH!, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `worker configuration: PRIVATE_KEY_PATH: cannot read ${e.PRIVATE_KEY_PATH}: ${(err as Error).message}`,
      );
    }
  }
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey))
    throw new ConfigError('worker configuration: PRIVATE_KEY: not a PEM private key');
  return { ...e, privateKey };
}
