import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensurePrivateDir, UidPool, UnsafeLockDirError } from '../../src/sandbox/uid-pool.js';

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

  it('a lock appears with its owner inside and leaves no scratch file behind; a taken lock is respected', async () => {
    const dir = lockDir();
    fs.writeFileSync(path.join(dir, '63200'), '1'); // held by a live process (init)
    const pool = new UidPool({ base: 63200, size: 2, lockDir: dir });
    const lease = await pool.acquire();
    expect(lease.uid).toBe(63201);
    expect(fs.readFileSync(path.join(dir, '63201'), 'utf8')).toBe(String(process.pid));
    expect(fs.readdirSync(dir).sort()).toEqual(['63200', '63201']);
    lease.release();
    expect(fs.readdirSync(dir)).toEqual(['63200']);
  });

  it('refuses a lock folder another user owns, one others may enter, and a symlink in its place', () => {
    const parent = lockDir();
    const foreign = path.join(parent, 'foreign');
    fs.mkdirSync(foreign, { mode: 0o700 });
    fs.chownSync(foreign, 65534, 65534);
    expect(() => new UidPool({ base: 63300, size: 1, lockDir: foreign })).toThrow(UnsafeLockDirError);
    const open = path.join(parent, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    expect(() => ensurePrivateDir(open)).toThrow(/mode 777/);
    const link = path.join(parent, 'link');
    fs.symlinkSync(os.tmpdir(), link);
    expect(() => ensurePrivateDir(link)).toThrow(/not a folder/);
    const fresh = path.join(parent, 'a', 'b');
    ensurePrivateDir(fresh);
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
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

describe('processesOf', () => {
  it('leaves out zombies (they run nothing; their parent outside the sandbox collects them), unless asked', async () => {
    const { spawn } = await import('node:child_process');
    const { processesOf } = await import('../../src/sandbox/uid-pool.js');
    // `true` exits at once; its parent, now `sleep`, never waits for it: a zombie for 2 s
    const parent = spawn('sh', ['-c', 'true & exec sleep 2'], { stdio: 'ignore' });
    try {
      let zombie: number | undefined;
      for (let i = 0; i < 100 && zombie === undefined; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const children = fs
          .readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
        zombie = children.find((c) => fs.readFileSync(`/proc/${c}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'));
      }
      expect(zombie).toBeDefined();
      const uid = process.getuid!();
      expect(processesOf(uid, { zombies: true })).toContain(zombie);
      expect(processesOf(uid)).not.toContain(zombie);
      expect(processesOf(uid)).toContain(parent.pid);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
