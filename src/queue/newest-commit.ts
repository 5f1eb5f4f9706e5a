import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GradeJob } from '../course/grade-job.js';

/**
 * What supersedes what: pushes of one repository, assignment and pull request (or plain
 * pushes) form one line, and only the newest of a line needs grading. A re-run the student
 * asked for is never superseded.
 */
export function lineOf(j: Pick<GradeJob, 'owner' | 'repo' | 'assignment' | 'pullRequest' | 'trigger'>): string | null {
  if (j.trigger === 'rerequested') return null;
  return [`${j.owner}/${j.repo}`.toLowerCase(), j.assignment, j.pullRequest ?? 'push'].join('|');
}

export interface Newest {
  sha: string;
  receivedAt: number;
}

// Atomic compare-and-set: the value is "<receivedAt>:<sha>"; a later arrival (or an equal one,
// registered later) replaces it. Returns the newest after the call.
const REGISTER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local at = tonumber(string.match(cur, '^(%d+):'))
  if at and at > tonumber(ARGV[1]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return cur
  end
end
local v = ARGV[1] .. ':' .. ARGV[2]
redis.call('SET', KEYS[1], v, 'PX', ARGV[3])
return v
`;

const KEEP_MS = 14 * 24 * 3600_000;

function parse(v: string | null): Newest | null {
  const m = v ? /^(\d+):([0-9a-f]{40})$/.exec(v) : null;
  return m ? { receivedAt: Number(m[1]), sha: m[2]! } : null;
}

/** The newest commit of each line, in Redis, so every web and worker process agrees on it. */
export class NewestCommits {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(line: string): string {
    return `${this.prefix}:newest:${createHash('sha256').update(line).digest('hex').slice(0, 32)}`;
  }

  /** Records a commit's arrival; returns the newest of its line afterwards (itself, unless a later one came first). */
  async register(j: GradeJob): Promise<Newest | null> {
    const line = lineOf(j);
    if (!line) return null;
    return parse(String(await this.redis.eval(REGISTER, 1, this.key(line), String(j.receivedAt), j.sha, KEEP_MS)));
  }

  /** The newer commit that replaces `j`, or null when `j` is (still) the newest of its line. */
  async supersededBy(j: GradeJob): Promise<Newest | null> {
    const line = lineOf(j);
    if (!line) return null;
    const newest = parse(await this.redis.get(this.key(line)));
    return newest && newest.sha !== j.sha && newest.receivedAt >= j.receivedAt ? newest : null;
  }
}
