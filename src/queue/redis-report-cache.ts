import type { Redis } from 'ioredis';
import { testReportSchema, type TestReport } from '../grading/report.js';
import type { ReportCache } from '../pipeline/pipeline.js';

/** Long enough for a deadline evening; identical submissions are rarely hours apart. */
const KEEP_S = 6 * 3600;

/** Reports shared by every worker through Redis; a report that no longer parses counts as missing. */
export class RedisReportCache implements ReportCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<TestReport | null> {
    const text = await this.redis.get(`${this.prefix}:report:${key}`);
    if (!text) return null;
    const r = testReportSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  }

  async set(key: string, report: TestReport): Promise<void> {
    await this.redis.set(`${this.prefix}:report:${key}`, JSON.stringify(report), 'EX', KEEP_S);
  }
}
