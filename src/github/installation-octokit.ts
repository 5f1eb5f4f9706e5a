import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from 'octokit';
import type { WriteLimiter } from './write-limiter.js';

export type GitHub = InstanceType<typeof Octokit>;

/**
 * The share of each write budget that low-priority writes leave to the others: a pull
 * request's check run (its comment went first), in-progress runs, a superseded commit's
 * skipped run, a TA's relabelling. Chosen with a model of deadline night
 * (docs/experiments.md): below a quarter of the budget free, only newest-commit feedback is written.
 */
export const LOW_PRIORITY_RESERVE = 0.75;

export interface GitHubOptions {
  appId: number;
  privateKey: string;
  baseUrl: string;
  limiter: WriteLimiter;
  /** How long a write may wait for its installation's budget before the job is delayed instead. */
  maxWriteWaitMs?: number;
  /** Seconds octokit's retry plugin waits per attempt (tests make it small). */
  retryAfterBaseValue?: number;
}

/**
 * Installation clients, one per installation, made once: octokit's retry plugin retries
 * server errors, its throttling plugin honours retry-after and x-ratelimit-reset, and every
 * content-creating request first takes a slot from the shared per-installation budget.
 */
export class GitHubClients {
  private readonly clients = new Map<number, GitHub>();
  private login?: Promise<string>;
  constructor(private readonly o: GitHubOptions) {}

  /**
   * The login of the App's bot user (`<slug>[bot]`), which writes every comment of the App:
   * asked of GitHub once (as the App, GET /app) and remembered; a failure is not remembered.
   */
  /** The share of an installation's tightest write budget that is free now (0 to 1); `longest`: of its hourly one. */
  writeHeadroom(installationId: number, o: { longest?: boolean } = {}): Promise<number> {
    return this.o.limiter.headroom(String(installationId), o);
  }

  botLogin(): Promise<string> {
    this.login ??= new Octokit({
      baseUrl: this.o.baseUrl,
      authStrategy: createAppAuth,
      auth: { appId: this.o.appId, privateKey: this.o.privateKey },
    }).rest.apps
      .getAuthenticated()
      .then(
        ({ data }) => `${data!.slug}[bot]`,
        (err: Error) => {
          this.login = undefined;
          throw err;
        },
      );
    return this.login;
  }

  /**
   * The client of an installation. `low` priority writes leave LOW_PRIORITY_RESERVE of each
   * budget to the others: they are the ones nobody is looking at yet.
   */
  forInstallation(installationId: number, priority: 'normal' | 'low' = 'normal'): GitHub {
    const cacheKey = priority === 'low' ? -installationId : installationId;
    let c = this.clients.get(cacheKey);
    if (c) return c;
    const reserve = priority === 'low' ? LOW_PRIORITY_RESERVE : 0;
    const limiter = this.o.limiter;
    const maxWait = this.o.maxWriteWaitMs ?? 30_000;
    // stands in for plugin-throttling's local write and notification limiters (one second
    // apart, per process): ours is shared by every worker and follows GitHub's per-minute
    // and per-hour budgets
    const budget = {
      key: (id: string) => ({
        schedule: async (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => {
          await limiter.acquire(id, maxWait, reserve);
          return fn(...args);
        },
      }),
    };
    c = new Octokit({
      baseUrl: this.o.baseUrl,
      authStrategy: createAppAuth,
      auth: { appId: this.o.appId, privateKey: this.o.privateKey, installationId },
      throttle: {
        id: String(installationId),
        write: budget,
        notifications: {
          key: () => ({ schedule: (_o: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => fn(...args) }),
        },
        retryAfterBaseValue: this.o.retryAfterBaseValue !== undefined ? this.o.retryAfterBaseValue * 1000 : 1000,
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          process.emitWarning(`GitHub rate limit on ${options.method} ${options.url}: retrying in ${retryAfter} s`);
          return retryCount < 5;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _o: unknown,
          retryCount: number,
        ) => {
          process.emitWarning(
            `GitHub secondary rate limit on ${options.method} ${options.url}: retrying in ${retryAfter} s`,
          );
          return retryCount < 5;
        },
      },
      retry: {
        retryAfterBaseValue: this.o.retryAfterBaseValue !== undefined ? this.o.retryAfterBaseValue * 1000 : 1000,
      },
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => process.emitWarning(m),
        error: (m: string) => process.emitWarning(m),
      },
    } as ConstructorParameters<typeof Octokit>[0]);
    this.clients.set(cacheKey, c);
    return c;
  }
}
