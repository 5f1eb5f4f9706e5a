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

describe('headroom and low-priority writes', () => {
  it('headroom is the tightest window’s free share, or the longest window’s; a low-priority write leaves its reserve of the hour’s', async () => {
    // with the margins: 38 per minute-ish window and 95 per hour-ish window
    const l = new WriteLimiter(
      redis,
      [
        { limit: 40, windowMs: 60_000 },
        { limit: 100, windowMs: 3_600_000 },
      ],
      `fxlim3-${Date.now()}`,
    );
    expect(await l.headroom('i')).toBe(1);
    for (let i = 0; i < 10; i++) await l.acquire('i');
    expect(await l.headroom('i')).toBeCloseTo((38 - 10) / 38, 2);
    expect(await l.headroom('i', { longest: true })).toBeCloseTo((95 - 10) / 95, 2);
    // leaving three quarters of the hour's 95 (71), a low-priority write goes while fewer than 24 went
    await l.acquire('i', 100, 0.75);
    for (let i = 0; i < 13; i++) await l.acquire('i');
    const err = await l.acquire('i', 100, 0.75).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    // a normal write still goes: the minute's budget is shared in turn, not reserved
    await l.acquire('i', 100);
  });
});
