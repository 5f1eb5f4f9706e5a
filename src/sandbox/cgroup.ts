import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A cgroup v2 limit for a whole sandbox, where the machine offers one: memory.max bounds
 * everything the sandbox holds (every process, tmpfs pages, kernel memory), which rlimits
 * cannot (they are per process). Needs a cgroup v2 folder with the memory and pids controllers
 * that this process may write and may create children in: one delegated to fixsense
 * (FIXSENSE_SANDBOX_CGROUP, e.g. systemd's Delegate=yes), or the root of a cgroup namespace.
 * Without one the sandbox falls back to rlimits and says why (see decideCgroup).
 */

const NEEDED = ['memory', 'pids'] as const;

/** What the decision needs to know of the machine; read by readCgroupFacts, or made up by a test. */
export interface CgroupFacts {
  /** Where the cgroup v2 hierarchy is mounted, if it is. */
  mount: string | null;
  /** This process's cgroup v2 path ("/" in the root or a cgroup namespace's root). */
  own: string | null;
  /** FIXSENSE_SANDBOX_CGROUP: a delegated folder, or "off". */
  configured: string | null;
  /** Whether a cgroup v1 memory hierarchy exists (not used: only said, to explain). */
  v1Memory: boolean;
  /** The folder's cgroup.controllers, or null if it is not a cgroup folder. */
  controllers(dir: string): string[] | null;
  subtreeControl(dir: string): string[];
  /** Whether this process may write the folder's cgroup.subtree_control and create children. */
  writable(dir: string): boolean;
  /** Whether processes live in the folder itself (then it cannot enable controllers below). */
  hasProcesses(dir: string): boolean;
}

export type CgroupDecision = { use: true; base: string; enable: string[] } | { use: false; reason: string };

const readList = (file: string): string[] | null => {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return null;
  }
};

export function parseCgroup2Mount(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.split(' ')[0] === 'cgroup2') return before!.split(' ')[4] ?? null;
  }
  return null;
}

export function parseOwnCgroup(procSelfCgroup: string): string | null {
  return /^0::(\/\S*)$/m.exec(procSelfCgroup)?.[1] ?? null;
}

export function readCgroupFacts(env: NodeJS.ProcessEnv = process.env): CgroupFacts {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };
  const mountinfo = read('/proc/self/mountinfo');
  return {
    mount: parseCgroup2Mount(mountinfo),
    own: parseOwnCgroup(read('/proc/self/cgroup')),
    configured: env.FIXSENSE_SANDBOX_CGROUP ?? null,
    v1Memory: / - cgroup cgroup \S*\bmemory\b/.test(mountinfo),
    controllers: (dir) => readList(path.join(dir, 'cgroup.controllers')),
    subtreeControl: (dir) => readList(path.join(dir, 'cgroup.subtree_control')) ?? [],
    writable: (dir) => {
      try {
        fs.accessSync(dir, fs.constants.W_OK);
        fs.accessSync(path.join(dir, 'cgroup.subtree_control'), fs.constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
    hasProcesses: (dir) => (readList(path.join(dir, 'cgroup.procs')) ?? []).length > 0,
  };
}

/** Whether (and where) sandboxes get a cgroup of their own, or why not: pure, on the facts. */
export function decideCgroup(f: CgroupFacts): CgroupDecision {
  const v1 = f.v1Memory ? ' (a cgroup v1 memory controller is mounted, but fixsense uses cgroup v2 only)' : '';
  if (f.configured === 'off') return { use: false, reason: 'FIXSENSE_SANDBOX_CGROUP=off' };
  if (!f.mount) return { use: false, reason: `no cgroup v2 hierarchy is mounted${v1}` };
  const delegated = f.configured !== null;
  const base = delegated ? path.resolve(f.configured!) : f.own ? path.resolve(f.mount, `.${f.own}`) : null;
  if (!base) return { use: false, reason: 'this process is in no cgroup v2 group' };
  if (base !== f.mount && !base.startsWith(`${f.mount}/`))
    return { use: false, reason: `${base} is not inside the cgroup v2 hierarchy at ${f.mount}` };
  const available = f.controllers(base);
  if (available === null) return { use: false, reason: `${base} is not a cgroup folder` };
  const missing = NEEDED.filter((c) => !available.includes(c));
  if (missing.length)
    return {
      use: false,
      reason: `the cgroup v2 folder ${base} offers no ${missing.join(' or ')} controller (it has: ${available.join(' ') || 'none'})${v1}`,
    };
  if (!f.writable(base)) return { use: false, reason: `${base} is not writable by this process` };
  const enable = NEEDED.filter((c) => !f.subtreeControl(base).includes(c));
  // the "no internal processes" rule: only the root may both hold processes and give controllers
  // to children; a delegated folder must leave fixsense itself in another (leaf) group
  if (enable.length && base !== f.mount && f.hasProcesses(base))
    return {
      use: false,
      reason: delegated
        ? `${base} holds processes, so it cannot give its children the ${enable.join(' and ')} controllers: move fixsense into a child group`
        : `this process's own cgroup ${base} holds processes; set FIXSENSE_SANDBOX_CGROUP to a delegated folder`,
    };
  return { use: true, base, enable: [...enable] };
}

/** A sandbox's own cgroup: where its launcher joins, and the limits that hold for all of it. */
export interface SandboxCgroup {
  /** The cgroup.procs file the launcher writes its pid into before exec'ing bwrap. */
  procsFile: string;
  /** Kills what is left in it, and removes it. */
  dispose(): Promise<void>;
}

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

export interface CgroupFactory {
  create(limits: CgroupLimits): SandboxCgroup;
}

let sequence = 0;

/** Creates sandbox cgroups under a base that decideCgroup accepted. */
export class SandboxCgroups implements CgroupFactory {
  private prepared = false;
  constructor(private readonly decision: Extract<CgroupDecision, { use: true }>) {}

  create(limits: CgroupLimits): SandboxCgroup {
    const { base, enable } = this.decision;
    if (!this.prepared && enable.length) {
      fs.writeFileSync(path.join(base, 'cgroup.subtree_control'), enable.map((c) => `+${c}`).join(' '));
    }
    this.prepared = true;
    const dir = path.join(base, `fixsense-${process.pid}-${++sequence}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    // no swap here: memory.max would otherwise only move the excess to disk
    if (fs.existsSync(path.join(dir, 'memory.swap.max'))) fs.writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    fs.writeFileSync(path.join(dir, 'pids.max'), String(limits.pids));
    return { procsFile: path.join(dir, 'cgroup.procs'), dispose: () => removeCgroup(dir) };
  }
}

async function removeCgroup(dir: string): Promise<void> {
  for (let round = 0; round < 500; round++) {
    const procs = readList(path.join(dir, 'cgroup.procs')) ?? [];
    if (procs.length === 0) {
      fs.rmdirSync(dir);
      return;
    }
    fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    await sleep(10);
  }
  throw new Error(`processes of sandbox cgroup ${dir} survive cgroup.kill`);
}
