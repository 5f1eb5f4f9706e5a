import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A uid for one sandbox at a time. RLIMIT_NPROC is ignored for root, and a shared uid
 * would let one sandbox's processes count against (or signal) another's, so each running
 * sandbox gets a dedicated unprivileged uid from a range, locked across processes.
 */
export interface UidLease {
  /** undefined when fixsense itself runs unprivileged and cannot switch uid. */
  uid: number | undefined;
  release(): void;
}

export interface UidPoolOptions {
  base: number;
  size: number;
  lockDir: string;
}

/** Root-owned and private, like any daemon's run-time state. */
export const DEFAULT_LOCK_DIR = '/run/fixsense/sandbox-uids';

/** The lock folder exists with another owner or with access for others: it cannot be trusted. */
export class UnsafeLockDirError extends Error {
  override name = 'UnsafeLockDirError';
}

/**
 * Makes the lock folder (and its parent) if needed, then refuses it unless it is a real folder
 * (not a symlink) owned by this process's user with no access for group or others.
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.();
  const problem = !st.isDirectory()
    ? 'is not a folder (a symlink?)'
    : st.uid !== uid
      ? `belongs to uid ${st.uid}, not ${uid}`
      : (st.mode & 0o077) !== 0
        ? `has mode ${(st.mode & 0o777).toString(8)}, group or others may enter`
        : null;
  if (problem) {
    throw new UnsafeLockDirError(
      `sandbox lock folder ${dir} ${problem}: remove it, or set FIXSENSE_SANDBOX_LOCK_DIR to a private folder`,
    );
  }
}

export function defaultUidPoolOptions(env: NodeJS.ProcessEnv = process.env): UidPoolOptions {
  return {
    base: Number(env.FIXSENSE_SANDBOX_UID_BASE ?? 61000),
    size: Number(env.FIXSENSE_SANDBOX_UIDS ?? 64),
    // not in world-writable /tmp: a local user who made the folder first could hold or steal locks
    lockDir: env.FIXSENSE_SANDBOX_LOCK_DIR ?? DEFAULT_LOCK_DIR,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the processes that run as `uid`, read from /proc. */
export function processesOf(uid: number, opts: { zombies?: boolean } = {}): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.statSync(`/proc/${name}`).uid !== uid) continue;
      // a zombie runs no code and holds no memory; it only waits for its parent (outside the
      // sandbox: bwrap, or the container's init under load) to collect its exit status
      if (!opts.zombies && isZombie(name)) continue;
      pids.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

function isZombie(pid: string): boolean {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the state follows the command name, which is in parentheses and may itself contain ") "
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}

export class UidPool {
  private readonly held = new Set<number>();
  private readonly privileged = process.getuid?.() === 0;
  private next = 0;

  constructor(private readonly opts: UidPoolOptions = defaultUidPoolOptions()) {
    if (!Number.isInteger(opts.base) || opts.base < 1000 || !Number.isInteger(opts.size) || opts.size < 1) {
      throw new Error(`sandbox uid range is invalid: base ${opts.base}, size ${opts.size}`);
    }
    if (this.privileged) {
      ensurePrivateDir(opts.lockDir);
      process.once('exit', () => {
        for (const uid of this.held) fs.rmSync(this.lockFile(uid), { force: true });
      });
    }
  }

  private lockFile(uid: number): string {
    return path.join(this.opts.lockDir, String(uid));
  }

  private tryLock(uid: number, depth = 0): boolean {
    if (depth > 3) return false;
    const file = this.lockFile(uid);
    // the lock appears with its owner's pid already in it (written aside, then linked), so
    // another process never reads an empty lock and takes it for a crashed one
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, String(process.pid), { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    let owner: number;
    try {
      owner = Number(fs.readFileSync(file, 'utf8') || NaN);
    } catch (err) {
      // released between our attempt and the read: try again
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.tryLock(uid, depth + 1);
      throw err;
    }
    if (Number.isInteger(owner) && (owner === process.pid || alive(owner))) return false;
    // a crashed fixsense left its lock: take it over, once its processes are gone
    fs.rmSync(file, { force: true });
    killAll(uid);
    return this.tryLock(uid, depth + 1);
  }

  async acquire(): Promise<UidLease> {
    if (!this.privileged) return { uid: undefined, release: () => {} };
    for (let attempt = 0; ; attempt++) {
      for (let i = 0; i < this.opts.size; i++) {
        const uid = this.opts.base + ((this.next + i) % this.opts.size);
        if (this.held.has(uid) || !this.tryLock(uid)) continue;
        this.next = (uid - this.opts.base + 1) % this.opts.size;
        this.held.add(uid);
        return { uid, release: () => this.release(uid) };
      }
      await sleep(Math.min(100, 5 * (attempt + 1)));
    }
  }

  private release(uid: number): void {
    if (!this.held.delete(uid)) return;
    // the PID namespace should already be empty; this makes sure before the uid is reused
    killAll(uid);
    fs.rmSync(this.lockFile(uid), { force: true });
  }
}

/**
 * SIGKILL every process of `uid` and wait until none is left running; returns how many there
 * were. A process that is exiting can take a while on a loaded machine (freeing a large
 * address space), hence up to 5 s before giving up.
 */
export function killAll(uid: number): number {
  let found = 0;
  for (let round = 0; round < 500; round++) {
    const pids = processesOf(uid);
    if (pids.length === 0) return found;
    found = Math.max(found, pids.length);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  throw new Error(`processes of sandbox uid ${uid} survive SIGKILL`);
}
