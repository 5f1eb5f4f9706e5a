import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One grading at a time per repository (a student), across every worker: the fairness rule.
 * A job that finds its repository busy waits in the delayed set and comes back behind the
 * jobs of other students that are waiting now. The lock expires if its holder dies, and is
 * renewed while the holder works.
 */
export class RepositoryLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  private key(owner: string, repo: string): string {
    return `${this.prefix}:grading:${`${owner}/${repo}`.toLowerCase()}`;
  }

  async tryAcquire(owner: string, repo: string): Promise<HeldLock | null> {
    const key = this.key(owner, repo);
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return null;
    const renew = setInterval(
      () => void this.redis.eval(RENEW, 1, key, token, this.ttlMs).catch(() => {}),
      Math.max(100, Math.floor(this.ttlMs / 3)),
    );
    renew.unref();
    return {
      release: async () => {
        clearInterval(renew);
        await this.redis.eval(RELEASE, 1, key, token).catch(() => {});
      },
    };
  }
}
