import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimitedError, withMargin, WriteLimiter } from '../../src/github/write-limiter.js';
import { REDIS_URL } from '../helpers/app-harness.js';

const redis = new Redis(REDIS_URL);
afterAll(() => redis.disconnect());

describe('the per-installation write budget (Redis)', () => {
  it('keeps a margin below GitHub’s limits', () => {
    expect(withMargin({ limit: 80, windowMs: 60_000 })).toEqual({ limit: 76, windowMs: 61_200 });
    expect(withMargin({ limit: 500, windowMs: 3_600_000 })).toEqual({ limit: 475, windowMs: 3_672_000 });
    // short windows still get a second's slack for the time a request spends in flight
    expect(withMargin({ limit: 80, windowMs: 3_000 })).toEqual({ limit: 76, windowMs: 4_000 });
  });

  it('two limiters (two workers) share one budget: never more than the limit in any window', async () => {
    const prefix = `fxlim-${Date.now()}`;
    const a = new WriteLimiter(redis, [{ limit: 10, windowMs: 500 }], prefix);
    const b = new WriteLimiter(redis, [{ limit: 10, windowMs: 500 }], prefix);
    const times: number[] = [];
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).acquire('inst-1').then(() => times.push(Date.now()))),
    );
    times.sort((x, y) => x - y);
    const { limit, windowMs } = withMargin({ limit: 10, windowMs: 500 });
    for (let i = 0; i + limit < times.length; i++)
      expect(times[i + limit]! - times[i]!).toBeGreaterThanOrEqual(windowMs - 20);
    expect(Date.now() - start).toBeGreaterThanOrEqual(2 * windowMs);
    // another installation has its own budget
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 9 }, () => a.acquire('inst-2')));
    expect(Date.now() - t0).toBeLessThan(400);
  });

  it('refuses to wait longer than the caller accepts, saying how long', async () => {
    const l = new WriteLimiter(redis, [{ limit: 2, windowMs: 60_000 }], `fxlim2-${Date.now()}`);
    await l.acquire('x');
    const err = await l.acquire('x', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).waitMs).toBeGreaterThan(50_000);
  });
});
