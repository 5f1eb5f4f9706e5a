import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { decideCgroup, readCgroupFacts } from '../sandbox/cgroup.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { UidPool } from '../sandbox/uid-pool.js';
import { cacheDir } from '../core/cache-dir.js';
import { ConfigError } from '../core/config-error.js';
import { defaultIntroclassDir } from '../core/paths.js';
import { writeLimitsSchema } from '../github/write-limits.js';
import { formatZodIssues } from '../core/zod-issues.js';

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
    /** Below this share of an installation's write budget free, graded feedback waits PUBLISH_HOLD_MS once (0 turns it off). */
    PUBLISH_HOLD_BELOW: z.coerce.number().min(0).max(1).default(0.7),
    PUBLISH_HOLD_MS: z.coerce.number().int().min(0).max(3_600_000).default(240_000),
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
      `${what} configuration: ${formatZodIssues(r.error, { top: '(environment)' })} (see .env.example)`,
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

/** An unset variable takes `fallback`; a set one must be a whole decimal number in [min, max]. */
function intVar(min: number, fallback: () => number, max = Number.MAX_SAFE_INTEGER) {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    });
}

/** An unset variable takes `fallback`; a set one must not be empty (an empty command or path is always a mistake). */
function textVar(what: string, fallback: string, check?: (v: string) => boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      if (v === '' || (check && !check(v))) {
        ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return v;
    });
}

/** Node refuses a uid that is not a 32-bit signed integer. */
const MAX_UID = 2 ** 31 - 1;

/**
 * Every FIXSENSE_* variable, checked in one place: a typo such as FIXSENSE_SANDBOX_SLOTS=abc
 * is refused by name before anything runs, instead of surfacing later as an obscure error.
 * The defaults are the ones the modules use today (src/sandbox/sandbox.ts, uid-pool.ts,
 * runner-binary.ts, src/assignments/load-assignment.ts, src/core/cache-dir.ts, log.ts,
 * src/training/introclass-paths.ts); test/cli-env.test.ts keeps the sandbox's in step.
 */
export const fixsenseEnvSchema = z
  .object({
    /** Sandboxes alive at once in this process. */
    FIXSENSE_SANDBOX_SLOTS: intVar(1, () => os.availableParallelism()),
    /** The bubblewrap binary. */
    FIXSENSE_BWRAP: textVar('a command', 'bwrap'),
    /** First uid of the range each running sandbox takes one of (root only). */
    FIXSENSE_SANDBOX_UID_BASE: intVar(1000, () => 61_000, MAX_UID),
    /** How many uids the range has. */
    FIXSENSE_SANDBOX_UIDS: intVar(1, () => 64, MAX_UID),
    /** Where the uid locks are kept: a private folder owned by root. */
    FIXSENSE_SANDBOX_LOCK_DIR: textVar('an absolute path', '/run/fixsense/sandbox-uids', path.isAbsolute),
    /** A delegated cgroup v2 folder for whole-sandbox memory and pids limits, or "off" (default: detected). */
    FIXSENSE_SANDBOX_CGROUP: z.string().min(1).optional(),
    /** The host's compiler for the sandbox's runner. */
    FIXSENSE_HOST_CC: textVar('a command', 'gcc'),
    /** The compiler for student code when an assignment names none. */
    FIXSENSE_CC: textVar('a command', 'gcc'),
    /** Rebuilt-on-demand files: the runner, graded reports, mutants. */
    FIXSENSE_CACHE_DIR: textVar('a path', cacheDir({})),
    /** The IntroClass data for retrain, evaluate and the conformance test. */
    FIXSENSE_INTROCLASS: textVar('a path', defaultIntroclassDir),
    /** 1: no JSON log lines on stdout. */
    FIXSENSE_QUIET: z
      .enum(['0', '1'], { error: (i) => `expected 0 or 1, got ${JSON.stringify(i.input)}` })
      .default('0')
      .transform((v) => v === '1'),
  })
  .superRefine((e, ctx) => {
    const last = e.FIXSENSE_SANDBOX_UID_BASE + e.FIXSENSE_SANDBOX_UIDS - 1;
    if (last > MAX_UID)
      ctx.addIssue({
        code: 'custom',
        path: ['FIXSENSE_SANDBOX_UIDS'],
        message: `the uids ${e.FIXSENSE_SANDBOX_UID_BASE}..${last} pass the largest uid Node accepts (${MAX_UID})`,
      });
  });

export type FixsenseEnv = z.output<typeof fixsenseEnvSchema>;

/** The FIXSENSE_* settings, checked; the first bad one (or several) named in a ConfigError. */
export function fixsenseEnv(env: NodeJS.ProcessEnv = process.env): FixsenseEnv {
  const r = fixsenseEnvSchema.safeParse(env);
  if (!r.success) throw new ConfigError(formatZodIssues(r.error));
  return { ...r.data, FIXSENSE_CACHE_DIR: path.resolve(r.data.FIXSENSE_CACHE_DIR) };
}

/**
 * The sandbox's settings in the shape of its options (SandboxOptions without the pool object,
 * UidPoolOptions, and the runner's compiler), for the entry points to pass in once
 * src/sandbox takes them instead of reading process.env itself.
 */
export function sandboxSettings(e: FixsenseEnv): {
  bwrapPath: string;
  slots: number;
  uidPool: { base: number; size: number; lockDir: string };
  runnerCompiler: string;
} {
  return {
    bwrapPath: e.FIXSENSE_BWRAP,
    slots: e.FIXSENSE_SANDBOX_SLOTS,
    uidPool: { base: e.FIXSENSE_SANDBOX_UID_BASE, size: e.FIXSENSE_SANDBOX_UIDS, lockDir: e.FIXSENSE_SANDBOX_LOCK_DIR },
    runnerCompiler: e.FIXSENSE_HOST_CC,
  };
}

/**
 * The sandbox as the environment configures it, for the entry points to pass in (the CLI's
 * commands, the worker): every value was checked by fixsenseEnv first.
 */
export function sandboxFromEnv(e: FixsenseEnv = fixsenseEnv()): Sandbox {
  const s = sandboxSettings(e);
  return new Sandbox({
    bwrapPath: s.bwrapPath,
    slots: s.slots,
    uidPool: new UidPool(s.uidPool),
    compiler: e.FIXSENSE_CC,
    cgroup: decideCgroup(
      readCgroupFacts(
        e.FIXSENSE_SANDBOX_CGROUP === undefined ? {} : { FIXSENSE_SANDBOX_CGROUP: e.FIXSENSE_SANDBOX_CGROUP },
      ),
    ),
  });
}
