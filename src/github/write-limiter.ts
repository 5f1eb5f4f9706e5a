import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WriteLimit } from './write-limits.js';

/** A write would have to wait longer than the caller accepts: delay the job instead. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly waitMs: number) {
    super(`GitHub write budget of this installation used up: next slot in ${Math.ceil(waitMs / 1000)} s`);
  }
}

// Sliding-window log per installation, atomic in Redis, timed by Redis's own clock so many
// workers on many machines share one budget. Returns 0 when the write may go now (and
// records it), else how many milliseconds until a slot frees.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = KEYS[1]
local longest = 0
local wait = 0
for i = 2, #ARGV, 3 do
  local limit = tonumber(ARGV[i]) - math.floor(tonumber(ARGV[i]) * tonumber(ARGV[i + 2]))
  local window = tonumber(ARGV[i + 1])
  if window > longest then longest = window end
  local count = redis.call('ZCOUNT', key, now - window + 1, '+inf')
  if count >= limit then
    local e = redis.call('ZRANGEBYSCORE', key, now - window + 1, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
    local w = tonumber(e[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
redis.call('ZADD', key, now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
redis.call('PEXPIRE', key, longest)
return 0
`;

/**
 * A slot is counted when the request leaves, GitHub counts it when it arrives, and the two
 * drift apart by a varying delay. GitHub's limits are ceilings, so keep a margin: 95% of
 * the count, over a window longer by 2%, and by at least a second, because a busy worker
 * (or network) can hold a request that long: a burst that left over more than the window
 * can then arrive within it.
 */
export function withMargin(l: WriteLimit): WriteLimit {
  return {
    limit: Math.max(1, Math.floor(l.limit * 0.95)),
    windowMs: l.windowMs + Math.max(1000, Math.round(l.windowMs * 0.02)),
  };
}

/**
 * GitHub lets an installation make at most 80 content-creating requests a minute and 500
 * an hour. Every write waits here for a slot of its installation; a class pushing at a
 * deadline is paced, never dropped.
 */
export class WriteLimiter {
  private readonly limits: WriteLimit[];
  constructor(
    private readonly redis: Redis,
    limits: WriteLimit[],
    private readonly prefix = 'fixsense',
  ) {
    this.limits = limits.map(withMargin);
  }

  private key(installation: string): string {
    return `${this.prefix}:writes:${installation}`;
  }

  /**
   * Waits for a write slot of `installation`; past `maxWaitMs`, throws RateLimitedError. A
   * write with a `reserve` (a share of the longest window's budget, the hour's) leaves that
   * share to the others: writes nobody waits for (a superseded commit's check run) go last
   * when the budget is short. The shorter windows come back by themselves and are shared in turn.
   */
  async acquire(installation: string, maxWaitMs = 30_000, reserve = 0): Promise<void> {
    const longest = this.limits.reduce((a, b) => (b.windowMs > a.windowMs ? b : a));
    const args = this.limits.flatMap((l) => [String(l.limit), String(l.windowMs), String(l === longest ? reserve : 0)]);
    const key = this.key(installation);
    for (;;) {
      const wait = Number(await this.redis.eval(ACQUIRE, 1, key, randomUUID(), ...args));
      if (wait <= 0) return;
      if (wait > maxWaitMs) throw new RateLimitedError(wait);
      await new Promise((r) => setTimeout(r, Math.min(wait, maxWaitMs) + 5));
    }
  }

  /**
   * The share of the tightest budget still free now, from 0 to 1; with `longest`, of the
   * longest window's budget only (the hour's: the one that takes long to come back).
   */
  async headroom(installation: string, o: { longest?: boolean } = {}): Promise<number> {
    const longest = this.limits.reduce((a, b) => (b.windowMs > a.windowMs ? b : a));
    const args = (o.longest ? [longest] : this.limits).flatMap((l) => [String(l.limit), String(l.windowMs)]);
    return Number(await this.redis.eval(HEADROOM, 1, this.key(installation), ...args)) / 1000;
  }
}

const HEADROOM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local free = 1000
for i = 1, #ARGV, 2 do
  local limit = tonumber(ARGV[i])
  local count = redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[i + 1]) + 1, '+inf')
  local f = math.floor(1000 * (limit - count) / limit)
  if f < free then free = f end
end
if free < 0 then free = 0 end
return free
`;
