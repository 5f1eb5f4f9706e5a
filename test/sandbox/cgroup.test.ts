import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  decideCgroup,
  parseCgroup2Mount,
  parseOwnCgroup,
  readCgroupFacts,
  SandboxCgroups,
  type CgroupFactory,
  type CgroupFacts,
  type CgroupLimits,
} from '../../src/sandbox/cgroup.js';
import { SandboxFailureError } from '../../src/sandbox/errors.js';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_TEST_LIMITS } from '../../src/sandbox/limits.js';
import { cgroupLauncherBinary } from '../../src/sandbox/runner-binary.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { UidPool } from '../../src/sandbox/uid-pool.js';

const exec = promisify(execFile);
const privileged = process.getuid?.() === 0;

/** This machine: cgroup v1 for memory and pids, and a cgroup v2 mount with hugetlb only. */
const HYBRID = `31 23 0:27 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
35 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const PURE_V2 =
  '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';

interface Dir {
  controllers?: string[];
  subtree?: string[];
  writable?: boolean;
  processes?: boolean;
}
function facts(over: Partial<CgroupFacts>, dirs: Record<string, Dir>): CgroupFacts {
  return {
    mount: '/sys/fs/cgroup',
    own: '/',
    configured: null,
    v1Memory: false,
    controllers: (d) => dirs[d]?.controllers ?? null,
    subtreeControl: (d) => dirs[d]?.subtree ?? [],
    writable: (d) => dirs[d]?.writable ?? false,
    hasProcesses: (d) => dirs[d]?.processes ?? false,
    ...over,
  };
}
const full = { controllers: ['cpu', 'memory', 'pids'], writable: true };

describe('cgroup detection: reading the machine', () => {
  it('finds the cgroup v2 mount in a hybrid or a pure v2 mountinfo, and none in v1 only', () => {
    expect(parseCgroup2Mount(HYBRID)).toBe('/sys/fs/cgroup/unified');
    expect(parseCgroup2Mount(PURE_V2)).toBe('/sys/fs/cgroup');
    expect(parseCgroup2Mount(HYBRID.split('\n')[1]!)).toBeNull();
  });

  it("reads this process's cgroup v2 path, not a v1 one", () => {
    expect(parseOwnCgroup('4:memory:/process_api/abc\n0::/\n')).toBe('/');
    expect(parseOwnCgroup('0::/system.slice/fixsense.service\n')).toBe('/system.slice/fixsense.service');
    expect(parseOwnCgroup('4:memory:/x\n')).toBeNull();
  });

  it('on this machine: a decision, and a reason whenever it declines', () => {
    const d = decideCgroup(readCgroupFacts({}));
    if (!d.use) expect(d.reason.length).toBeGreaterThan(10);
    else expect(fs.existsSync(path.join(d.base, 'cgroup.controllers'))).toBe(true);
    expect(new Sandbox().cgroup).toEqual(d);
  });
});

describe('cgroup detection: the decision', () => {
  it('declines without a cgroup v2 mount, and says a v1 memory controller is not used', () => {
    const d = decideCgroup(facts({ mount: null, v1Memory: true }, {}));
    expect(d).toEqual({
      use: false,
      reason:
        'no cgroup v2 hierarchy is mounted (a cgroup v1 memory controller is mounted, but fixsense uses cgroup v2 only)',
    });
  });

  it('declines a cgroup v2 mount without the memory controller, as on this machine', () => {
    const d = decideCgroup(
      facts(
        { mount: '/sys/fs/cgroup/unified', v1Memory: true },
        { '/sys/fs/cgroup/unified': { controllers: ['hugetlb'], writable: true } },
      ),
    );
    expect(d.use).toBe(false);
    expect(!d.use && d.reason).toMatch(/offers no memory or pids controller \(it has: hugetlb\)/);
  });

  it("uses the root of a cgroup namespace (a container's): processes there may coexist with children", () => {
    const d = decideCgroup(facts({}, { '/sys/fs/cgroup': { ...full, processes: true } }));
    expect(d).toEqual({ use: true, base: '/sys/fs/cgroup', enable: ['memory', 'pids'] });
  });

  it('uses a delegated folder whose children already have memory and pids', () => {
    const base = '/sys/fs/cgroup/system.slice/fixsense.service/sandboxes';
    const d = decideCgroup(
      facts(
        { own: '/system.slice/fixsense.service/app', configured: base },
        { [base]: { ...full, subtree: ['memory', 'pids'] } },
      ),
    );
    expect(d).toEqual({ use: true, base, enable: [] });
  });

  it('declines a folder with processes in it that would have to give its children controllers', () => {
    const own = '/system.slice/fixsense.service';
    const dir = `/sys/fs/cgroup${own}`;
    const auto = decideCgroup(facts({ own }, { [dir]: { ...full, processes: true } }));
    expect(!auto.use && auto.reason).toMatch(/own cgroup .* holds processes; set FIXSENSE_SANDBOX_CGROUP/);
    const delegated = decideCgroup(facts({ own, configured: dir }, { [dir]: { ...full, processes: true } }));
    expect(!delegated.use && delegated.reason).toMatch(/move fixsense into a child group/);
  });

  it('declines a folder it may not write, one outside the hierarchy, one that is no cgroup, and "off"', () => {
    const ro = decideCgroup(facts({}, { '/sys/fs/cgroup': { ...full, writable: false } }));
    expect(!ro.use && ro.reason).toMatch(/not writable/);
    const outside = decideCgroup(facts({ configured: '/tmp/cg' }, {}));
    expect(!outside.use && outside.reason).toMatch(/not inside the cgroup v2 hierarchy/);
    const plain = decideCgroup(facts({ configured: '/sys/fs/cgroup/nothing' }, {}));
    expect(!plain.use && plain.reason).toMatch(/not a cgroup folder/);
    expect(decideCgroup(facts({ configured: 'off' }, { '/sys/fs/cgroup': full })).use).toBe(false);
  });
});

describe('sandbox cgroups: what is written, and how a sandbox joins one', () => {
  it('creates a child with memory.max and pids.max, after giving the base the controllers', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-fake-cgroup-'));
    const cgroups = new SandboxCgroups({ use: true, base, enable: ['memory', 'pids'] });
    const cg = cgroups.create({ memoryBytes: 300 << 20, pids: 10 });
    const dir = path.dirname(cg.procsFile);
    expect(fs.readFileSync(path.join(base, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    expect(fs.readFileSync(path.join(dir, 'memory.max'), 'utf8')).toBe(String(300 << 20));
    expect(fs.readFileSync(path.join(dir, 'pids.max'), 'utf8')).toBe('10');
    fs.rmSync(base, { recursive: true });
  });

  it.runIf(privileged)('the launcher joins first, then drops to the sandbox uid, then runs the command', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-fake-cgroup-'));
    const procs = path.join(dir, 'cgroup.procs');
    fs.writeFileSync(procs, '');
    const { stdout } = await exec(await cgroupLauncherBinary(), [
      procs,
      '62690',
      '/bin/sh',
      '-c',
      'echo $$ $(id -u) $(id -G)',
    ]);
    const [pid, uid, groups] = stdout.trim().split(' ');
    expect(fs.readFileSync(procs, 'utf8').trim()).toBe(pid);
    expect([uid, groups]).toEqual(['62690', '62690']);
    fs.rmSync(dir, { recursive: true });
  });

  it.runIf(privileged)(
    'a sandbox launched through a cgroup still compiles and runs, and leaves its cgroup',
    async () => {
      const made: Array<{ limits: CgroupLimits; procs: string; disposed: boolean }> = [];
      const fake: CgroupFactory = {
        create(limits) {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-fake-cgroup-'));
          const entry = { limits, procs: path.join(dir, 'cgroup.procs'), disposed: false };
          fs.writeFileSync(entry.procs, '');
          made.push(entry);
          return {
            procsFile: entry.procs,
            dispose: async () => {
              entry.disposed = true;
              fs.rmSync(dir, { recursive: true });
            },
          };
        },
      };
      const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-cgroup-locks-'));
      const sandbox = new Sandbox({
        bwrapPath: 'bwrap',
        slots: 1,
        uidPool: new UidPool({ base: 62_680, size: 2, lockDir }),
        cgroups: fake,
      });
      const source = Buffer.from(
        '#include <stdio.h>\nint main(void) { int x; scanf("%d", &x); printf("%d\\n", 2 * x); }\n',
      );
      const { binary } = await sandbox.compile(
        source,
        [['gcc', '-o', '/tmp/prog', '/tmp/main.c']],
        DEFAULT_COMPILE_LIMITS,
      );
      const runs = await sandbox.run(binary, [Buffer.from('21\n')], DEFAULT_TEST_LIMITS);
      expect(runs[0]!.stdout.toString()).toBe('42\n');
      expect(made).toHaveLength(2);
      for (const m of made) expect(m.disposed).toBe(true);
      // the whole sandbox shares one address space limit plus its /tmp, not one per process
      expect(made[1]!.limits.memoryBytes).toBeLessThan(2 * DEFAULT_TEST_LIMITS.memoryBytes);
      expect(made[1]!.limits.pids).toBe(DEFAULT_TEST_LIMITS.processes + 2);
    },
  );

  it.runIf(privileged)(
    'a cgroup that cannot be made is an infrastructure error, and the uid is given back',
    async () => {
      const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-cgroup-locks-'));
      const broken: CgroupFactory = {
        create() {
          throw new Error('EACCES: permission denied, mkdir');
        },
      };
      const sandbox = new Sandbox({
        bwrapPath: 'bwrap',
        slots: 1,
        uidPool: new UidPool({ base: 62_684, size: 1, lockDir }),
        cgroups: broken,
      });
      const compile = () =>
        sandbox.compile(
          Buffer.from('int main(void) { return 0; }\n'),
          [['gcc', '-o', '/tmp/prog', '/tmp/main.c']],
          DEFAULT_COMPILE_LIMITS,
        );
      await expect(compile()).rejects.toThrow(SandboxFailureError);
      // with one uid in the pool, a second attempt would wait forever if the first had kept it
      await expect(compile()).rejects.toThrow(/could not create the sandbox's cgroup: EACCES/);
    },
  );
});
