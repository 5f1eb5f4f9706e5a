import type { Redis } from 'ioredis';

// Per job: '' (nothing yet) → 'acking' (the acknowledging stage is creating an in-progress
// run) → 'run:<id>' (a check run exists); 'publishing' while the grading stage creates one.
// The two stages never both create a run: whoever claims first wins, the other adapts.
const CLAIM_ACK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], 'acking', 'PX', ARGV[1])
return 1
`;
const CLAIM_PUBLISH = `
local v = redis.call('GET', KEYS[1])
if v and (v == 'acking' or string.sub(v, 1, 4) == 'run:') then return v end
redis.call('SET', KEYS[1], 'publishing', 'PX', ARGV[1])
return v or ''
`;

const KEEP_MS = 7 * 24 * 3600_000;

export type PublishClaim =
  /** No run exists: create one, completed. `retry` when an earlier attempt may have created one. */
  | { kind: 'create'; retry: boolean }
  | { kind: 'update'; checkRunId: number }
  /** The acknowledging stage is creating one right now: wait for its id. */
  | { kind: 'wait' };

/** Which check run a grading job writes to, shared by every worker in Redis. */
export class CheckRunState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(jobId: string): string {
    return `${this.prefix}:checkrun:${jobId}`;
  }

  /** The acknowledging stage may create an in-progress run only when nothing was published yet. */
  async claimAck(jobId: string): Promise<boolean> {
    return Number(await this.redis.eval(CLAIM_ACK, 1, this.key(jobId), KEEP_MS)) === 1;
  }

  /** The acknowledging stage could not create its run: let the grading stage create one. */
  async abandonAck(jobId: string): Promise<void> {
    await this.redis.eval(
      `if redis.call('GET', KEYS[1]) == 'acking' then return redis.call('DEL', KEYS[1]) end return 0`,
      1,
      this.key(jobId),
    );
  }

  async claimPublish(jobId: string): Promise<PublishClaim> {
    const v = String(await this.redis.eval(CLAIM_PUBLISH, 1, this.key(jobId), KEEP_MS));
    if (v === 'acking') return { kind: 'wait' };
    if (v.startsWith('run:')) return { kind: 'update', checkRunId: Number(v.slice(4)) };
    return { kind: 'create', retry: v === 'publishing' };
  }

  async setRun(jobId: string, checkRunId: number): Promise<void> {
    await this.redis.set(this.key(jobId), `run:${checkRunId}`, 'PX', KEEP_MS);
  }

  /** The run the job has, if any, without claiming anything. */
  async run(jobId: string): Promise<number | null> {
    const v = await this.redis.get(this.key(jobId));
    return v?.startsWith('run:') ? Number(v.slice(4)) : null;
  }
}
