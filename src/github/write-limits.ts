import { z } from 'zod';

/** Per-installation limits on content-creating requests, e.g. "80/60s,500/3600s". */
export const writeLimitsSchema = z
  .string()
  .regex(/^\d+\/\d+(ms|s|m|h)(,\d+\/\d+(ms|s|m|h))*$/, 'must look like 80/60s,500/3600s')
  .transform((s) =>
    s.split(',').map((part) => {
      const [, n, d, unit] = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(part)!;
      return { limit: Number(n), windowMs: Number(d) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms'] };
    }),
  );
export type WriteLimit = z.output<typeof writeLimitsSchema>[number];
