import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UidPool } from '../../src/sandbox/uid-pool.js';

const root = process.getuid?.() === 0;
const lockDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-uidpool-'));

describe.skipIf(!root)('UidPool (as root)', () => {
  it('two pools sharing a lock folder (two processes) never hand out the same uid', async () => {
    const dir = lockDir();
    const a = new UidPool({ base: 63000, size: 3, lockDir: dir });
    const b = new UidPool({ base: 63000, size: 3, lockDir: dir });
    const leases = [await a.acquire(), await b.acquire(), await a.acquire()];
    expect(new Set(leases.map((l) => l.uid)).size).toBe(3);
    // the range is exhausted: the next acquire waits until one is released
    let got: number | undefined;
    const waiting = b.acquire().then((l) => (got = l.uid));
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBeUndefined();
    leases[1]!.release();
    await waiting;
    expect(got).toBe(leases[1]!.uid);
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = lockDir();
    fs.writeFileSync(path.join(dir, '63100'), '999999999');
    const pool = new UidPool({ base: 63100, size: 1, lockDir: dir });
    const lease = await pool.acquire();
    expect(lease.uid).toBe(63100);
    expect(fs.readFileSync(path.join(dir, '63100'), 'utf8')).toBe(String(process.pid));
    lease.release();
    expect(fs.existsSync(path.join(dir, '63100'))).toBe(false);
  });

  it('refuses a uid range that would include system users', () => {
    expect(() => new UidPool({ base: 0, size: 10, lockDir: lockDir() })).toThrow(/uid range is invalid/);
  });
});

describe.skipIf(root)('UidPool (unprivileged)', () => {
  it('runs every sandbox as the current user', async () => {
    const lease = await new UidPool({ base: 63000, size: 1, lockDir: lockDir() }).acquire();
    expect(lease.uid).toBeUndefined();
  });
});
