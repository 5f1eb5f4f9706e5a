/**
 * Every hostile fixture, run for real inside the sandbox: each must be contained, get the
 * right verdict within its limit, and leave no process or file behind. This file uses its
 * own range of sandbox uids so "nothing left of those uids" is a precise check even while
 * other test files grade in parallel.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { compileSubmission, gradeSubmission } from '../../src/grading/grade-submission.js';
import { testReportSchema, type TestReport } from '../../src/grading/report.js';
import { projectRoot } from '../../src/core/paths.js';
import { SandboxFailureError } from '../../src/sandbox/errors.js';
import { workDirFor } from '../../src/sandbox/limits.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { processesOf, UidPool } from '../../src/sandbox/uid-pool.js';
import { tempAssignment } from '../helpers/temp-assignment.js';

const UID_BASE = 62_500;
const UID_COUNT = 4;
const hostile = (f: string) => fs.readFileSync(path.join(projectRoot, 'fixtures/hostile', f));
const privileged = process.getuid?.() === 0;

let sandbox: Sandbox;
let lockDir: string;
beforeAll(() => {
  lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-hostile-locks-'));
  sandbox = new Sandbox({
    bwrapPath: 'bwrap',
    slots: 2,
    uidPool: new UidPool({ base: UID_BASE, size: UID_COUNT, lockDir }),
  });
});

function leftovers(): string[] {
  const found: string[] = [];
  if (privileged)
    for (let uid = UID_BASE; uid < UID_BASE + UID_COUNT; uid++)
      for (const pid of processesOf(uid)) found.push(`pid ${pid} (uid ${uid})`);
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'fxs-sleeper')
        found.push(`pid ${name} (fxs-sleeper)`);
    } catch {
      /* gone */
    }
  }
  return found;
}

afterEach(() => {
  expect(leftovers()).toEqual([]);
});

const LIMITS = 'limits: {cpu_ms: 500, wall_ms: 1500}\n';
const FORKING = 'limits: {cpu_ms: 500, wall_ms: 1500, processes: 8}\n';

async function grade(
  file: string | Buffer,
  inputs: string[] = ['\n'],
  yml = LIMITS,
  using: Sandbox = sandbox,
): Promise<{ report: TestReport; a: Assignment; ms: number }> {
  const a = await loadAssignment(
    tempAssignment(
      'hostile',
      inputs.map((input) => ({ input, expected: 'fine\n' })),
      yml,
    ),
  );
  const start = performance.now();
  const report = await gradeSubmission(typeof file === 'string' ? hostile(file) : file, a, using, { reruns: 0 });
  return { report, a, ms: performance.now() - start };
}

describe('hostile programs at run time', () => {
  it('busy loop: TIMEOUT at the CPU limit', async () => {
    const { report, ms } = await grade('busy-loop.c');
    expect(report.tests[0]).toMatchObject({ verdict: 'TIMEOUT' });
    expect(report.tests[0]!.cpuMs).toBeLessThan(500 + 1100); // RLIMIT_CPU has one-second steps; the runner's own clock is tighter
    expect(ms).toBeLessThan(15_000);
  });

  it('fork bomb: fork refused by default, TIMEOUT at the CPU limit', async () => {
    const { report } = await grade('fork-bomb.c');
    expect(report.tests[0]!.verdict).toBe('TIMEOUT');
  });

  it('fork bomb with forking allowed: the process cap holds and the wall limit ends it', async () => {
    const { report } = await grade('fork-bomb.c', ['\n'], FORKING);
    expect(report.tests[0]!.verdict).toBe('TIMEOUT');
    expect(report.tests[0]!.wallMs).toBeLessThan(1500 + 500);
  });

  it('the process cap holds: of 20 children only the allowed number start', async () => {
    const forker = Buffer.from(`#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
int main(void) { int ok = 0; for (int i = 0; i < 20; i++) { pid_t p = fork(); if (p == 0) { sleep(1); _exit(0); } if (p > 0) ok++; }
  printf("forked %d\\n", ok); fflush(stdout); while (wait(NULL) > 0); return 0; }`);
    const { report } = await grade(forker, ['\n'], 'limits: {cpu_ms: 500, wall_ms: 3000, processes: 4}\n');
    expect(report.tests[0]!.actual).toBe('forked 4\n');
  });

  it('memory bomb: MEMORY_LIMIT, stopped at the address-space limit', async () => {
    const { report } = await grade('memory-bomb.c', ['\n'], 'limits: {cpu_ms: 2000, wall_ms: 4000, memory_mb: 64}\n');
    const t = report.tests[0]!;
    expect(t.verdict).toBe('MEMORY_LIMIT');
    expect(t.maxRssKb).toBeLessThanOrEqual(64 * 1024);
  });

  it('output flood: OUTPUT_LIMIT at the output cap, the report keeps only an excerpt', async () => {
    const { report } = await grade('output-flood.c', ['\n'], 'limits: {cpu_ms: 2000, wall_ms: 4000, output_kb: 256}\n');
    const t = report.tests[0]!;
    expect(t.verdict).toBe('OUTPUT_LIMIT');
    expect(t.truncated).toBe(true);
    expect(t.outputBytes).toBeLessThan(256 * 1024 + 128 * 1024);
    expect(t.actual.length).toBeLessThanOrEqual(8192);
  });

  it('writes outside the work directory: all refused, nothing appears on the host', async () => {
    const tag = `fixsense-escape-${process.pid}-${Date.now()}`;
    const hostTmp = path.join(os.tmpdir(), tag);
    const targets = [
      `/etc/${tag}`,
      `/usr/${tag}`,
      `/${tag}`,
      `/box/prog`,
      `/box/runner`,
      `/dev/${tag}`,
      path.join(projectRoot, tag),
      `/root/${tag}`,
      `/home/${tag}`,
    ];
    const { report } = await grade('write-outside.c', [[...targets, hostTmp].join('\n') + '\n']);
    const out = report.tests[0]!.actual;
    for (const t of targets) expect(out).toContain(`blocked ${t}`);
    // the sandbox's /tmp is private: the write works there and never reaches the host's /tmp
    expect(out).toContain(`WROTE ${hostTmp}`);
    for (const t of [...targets, hostTmp]) expect(fs.existsSync(t)).toBe(false);
  });

  it('reads of secrets: host files, home folders, the environment and the App folder are not there', async () => {
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-secret-'));
    const keyFile = path.join(secretDir, 'private-key.pem');
    fs.writeFileSync(keyFile, secret, { mode: 0o644 });
    process.env.FIXSENSE_TEST_SECRET = secret;
    try {
      const paths = [
        keyFile,
        '/etc/shadow',
        '/etc/passwd',
        '/root/.bashrc',
        path.join(projectRoot, 'package.json'),
        path.join(projectRoot, '.env'),
        '/home',
      ];
      const { report } = await grade('read-secrets.c', [paths.join('\n') + '\n']);
      const out = report.tests[0]!.actual;
      expect(out).not.toContain(secret);
      expect(out).not.toMatch(/^READ /m);
      for (const p of paths) expect(out).toContain(`cannot read ${p}`);
      expect(out).toContain('cannot read /proc/1/cmdline');
      const env = out
        .split('\n')
        .filter((l) => l.startsWith('ENV '))
        .map((l) => l.slice(4).split('=')[0]);
      expect(env.sort()).toEqual(['HOME', 'LANG', 'PATH', 'TMPDIR']);
    } finally {
      delete process.env.FIXSENSE_TEST_SECRET;
    }
  });

  it('network: no connection reaches a listener on the host loopback', async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { report } = await grade('network-connect.c', [`${port}\n`]);
      expect(report.tests[0]!.actual).toMatch(/socket failed|connect failed/);
      expect(report.tests[0]!.actual).not.toContain('CONNECTED');
      await new Promise((r) => setTimeout(r, 100));
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('double-forked sleeper: refused by default; with forking allowed, the daemon is killed at once', async () => {
    const denied = await grade('double-fork-sleeper.c');
    expect(denied.report.tests[0]!.actual).toBe('fork refused\n');
    const { report, ms } = await grade('double-fork-sleeper.c', ['\n'], FORKING);
    expect(report.tests[0]!.actual).toBe('daemon started\n');
    expect(report.tests[0]!.wallMs).toBeLessThan(1500);
    expect(ms).toBeLessThan(10_000);
    // afterEach checks that no fxs-sleeper survives anywhere on the host
  });

  it('kill(-1) and kill(parent) reach nothing: the next tests of the lane still run', async () => {
    const { report } = await grade('kill-everything.c', ['\n', '\n', '\n'], 'limits: {cpu_ms: 500}\nreruns: 0\n');
    expect(report.tests).toHaveLength(3);
    for (const t of report.tests) expect(t.actual).toMatch(/^kill\(-1\)=-1 kill\(ppid\)=0 kill\(1\)=0\n$/);
  });
});

describe('hostile programs at compile time', () => {
  it('#include "/dev/zero": COMPILE_ERROR at the compiler memory or time limit', async () => {
    const { report, a } = await grade('compile-dev-zero.c');
    expect(report.verdict).toBe('COMPILE_ERROR');
    expect(['MEMORY_LIMIT', 'TIMEOUT']).toContain(report.compile.limit);
    expect(report.timing.compileMs).toBeLessThan(a.compiler.limits.wallMs + 2000);
  });

  it('macro bomb: COMPILE_ERROR at a compiler limit', async () => {
    const { report, a } = await grade('compile-macro-bomb.c');
    expect(report.verdict).toBe('COMPILE_ERROR');
    expect(report.compile.limit).not.toBeNull();
    expect(report.timing.compileMs).toBeLessThan(a.compiler.limits.wallMs + 2000);
  });

  it('macro bomb over the CPU limit: TIMEOUT, although only the compiler driver sees cc1 stopped', async () => {
    const { report } = await grade('compile-macro-bomb.c', ['\n'], `${LIMITS}compile: {cpu_ms: 2000}\n`);
    expect(report.verdict).toBe('COMPILE_ERROR');
    expect(report.compile.limit).toBe('TIMEOUT');
    expect(report.compile.diagnostics).toMatch(/The compiler was stopped after 2000 ms of CPU time\./);
  });

  it('5 MB source: refused before compiling', async () => {
    const source = zlib.gunzipSync(hostile('huge-source.c.gz'));
    expect(source.length).toBeGreaterThan(5_000_000);
    const { report } = await grade(source);
    expect(report).toMatchObject({ verdict: 'COMPILE_ERROR', compiled: false, compile: { limit: 'SOURCE_TOO_LARGE' } });
    expect(report.compile.diagnostics).toMatch(/5120 KB, larger than the 512 KB/);
  });

  it('binary garbage: COMPILE_ERROR with readable diagnostics', async () => {
    const { report } = await grade('binary-garbage.c');
    expect(report.verdict).toBe('COMPILE_ERROR');
    expect(report.compile.limit).toBeNull();
    expect(report.compile.diagnostics).toMatch(/error/);
    expect(report.compile.messages.some((m) => m.severity === 'error' && m.line >= 1)).toBe(true);
    expect(report.compile.diagnostics).not.toContain('\u0000');
    const parsed = testReportSchema.safeParse(report);
    expect(parsed.error).toBeUndefined();
    expect(parsed.data).toEqual(report);
  });
});

describe('every test starts from the same empty state', () => {
  // seven characters: the probe also hides a token in /tmp's modification time
  const newToken = (i: number) => `${i}${Math.random().toString(36).slice(2, 8).padEnd(6, 'x')}`;

  function expectIsolated(outputs: string[], tokens: string[]): void {
    outputs.forEach((out, i) => {
      expect(out).toContain(`TOKEN ${tokens[i]}\n`); // the probe ran, and stored its token
      expect(out).toContain('STORED tmp-file');
      expect(out).toMatch(/^STORED deep at depth \d{3,}$/m);
      for (const [j, t] of tokens.entries())
        if (j !== i) expect(out, `test ${i} saw test ${j}'s input`).not.toContain(t);
      expect(out).not.toMatch(/^FOUND /m);
    });
  }

  it.each([
    ['visible tests first', 'a-visible', 'b-hidden'],
    ['hidden tests first', 'a-hidden', 'b-visible'],
  ])("%s: no test of the lane sees another test's input", async (_, first, second) => {
    const hiddenSuite = [first, second].find((s) => s.endsWith('hidden'))!;
    const tokens = [0, 1, 2, 3].map(newToken);
    const a = await loadAssignment(
      tempAssignment(
        'persistence',
        tokens.map((t, i) => ({ suite: i < 2 ? first : second, input: `${t}\n`, expected: 'fine\n' })),
        `${LIMITS}hidden: [${hiddenSuite}]\n`,
      ),
    );
    const report = await gradeSubmission(hostile('persistence.c'), a, sandbox, { reruns: 0 });
    // four tests make one lane: they ran one after the other in the same sandbox
    expect(report.tests.map((t) => [t.suite, t.hidden])).toEqual([
      [first, first === hiddenSuite],
      [first, first === hiddenSuite],
      [second, second === hiddenSuite],
      [second, second === hiddenSuite],
    ]);
    expectIsolated(
      report.tests.map((t) => t.actual),
      tokens,
    );
  });

  it('a lane of eight with forking allowed: a daemon cannot carry a token over either', async () => {
    const a = await loadAssignment(tempAssignment('persistence', [{ input: '\n', expected: 'fine\n' }], FORKING));
    const { binary } = await compileSubmission(hostile('persistence.c'), a, sandbox, 'persistence.c');
    const tokens = [0, 1, 2, 3, 4, 5, 6, 7].map(newToken);
    const runs = await sandbox.run(
      binary!,
      tokens.map((t) => Buffer.from(`${t}\n`)),
      a.limits,
    );
    expect(runs.map((r) => r.stdout.toString())[0]).toContain('STORED daemon');
    expectIsolated(
      runs.map((r) => r.stdout.toString()),
      tokens,
    );
  });

  it('memory outside the address-space limit: SysV shm, memfd and POSIX shm refused, tmpfs and pipes bounded', async () => {
    const { report, a } = await grade(
      'memory-outside-limit.c',
      ['64\n'],
      'limits: {cpu_ms: 2000, wall_ms: 4000, memory_mb: 16}\n',
    );
    const out = report.tests[0]!.actual;
    const held = (what: string) => Number(new RegExp(`^${what} held (\\d+) MiB`, 'm').exec(out)?.[1] ?? NaN);
    expect(out).toMatch(/^sysv-shm held 0 MiB, stopped: Operation not permitted$/m);
    expect(out).toMatch(/^memfd held 0 MiB, stopped: Operation not permitted$/m);
    expect(held('posix-shm')).toBe(0);
    const workMiB = workDirFor('run', a.limits).bytes / 1048576;
    expect(held('tmpfs')).toBeLessThanOrEqual(workMiB);
    expect(out).toMatch(/^pipes grown to 1 MiB: 0, refused: [1-9]/m);
    expect(held('pipes')).toBeLessThanOrEqual(4); // 64 descriptors of 64 KiB
    expect(held('total')).toBeLessThanOrEqual(workMiB + 4);
  });
});

describe('the seccomp filter', () => {
  it('refuses every syscall on its list (EPERM, EACCES for sockets, EAGAIN/ENOSYS for processes) and lets others through', async () => {
    const { report } = await grade('forbidden-syscalls.c');
    const lines = report.tests[0]!.actual.trim().split('\n');
    const answer = Object.fromEntries(lines.map((l) => l.split(' ') as [string, string]));
    expect(lines).toHaveLength(67);
    for (const [name, got] of Object.entries(answer)) {
      const expected = /^(getppid|fcntl)/.test(name)
        ? 'ALLOWED'
        : /^socket/.test(name)
          ? 'EACCES'
          : /^(fork|vfork|clone)$/.test(name)
            ? 'EAGAIN'
            : name === 'clone3'
              ? 'ENOSYS'
              : 'EPERM';
      expect(`${name} ${got}`).toBe(`${name} ${expected}`);
    }
  });
});

describe('the program cannot touch its supervisor', () => {
  it('limits, priority, scheduling, pidfds of PID 1: all refused, and the rest of the lane runs normally', async () => {
    const { report } = await grade('attack-supervisor.c', ['\n', '\n', '\n', '\n']);
    expect(report.tests).toHaveLength(4);
    const first = report.tests[0]!.actual;
    // "name=result errno" lines, but for what the program may do to itself ("self: ...")
    const attacks = first.split('\n').filter((l) => /^[^:]+=-?\d+ /.test(l));
    expect(attacks).toHaveLength(25);
    for (const l of attacks) expect(l).toMatch(/=-1 Operation not permitted$/);
    expect(first).toContain('self: prlimit(0,read)=0 DONE');
    expect(first).toContain('nice of pid 1: 0\n');
    expect(first).toMatch(/^caps: effective=0+ permitted=0+ inheritable=0+ bounding=0 ambient=0$/m);
    // each later test of the lane met an unharmed runner, and found it as the first did
    for (const t of report.tests) expect(t.actual).toBe(first);
  });

  it('a runner that cannot renew /tmp stops the lane with SandboxFailureError instead of going on', async () => {
    // a bwrap that drops the runner's capabilities: it cannot mount a fresh /tmp
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-nocaps-'));
    const wrapper = path.join(dir, 'bwrap');
    fs.writeFileSync(
      wrapper,
      '#!/bin/sh\nfor a; do shift; if [ "$skip" ]; then skip=; continue; fi\n' +
        '[ "$a" = --cap-add ] && { skip=1; continue; }; set -- "$@" "$a"; done\nexec bwrap "$@"\n',
      { mode: 0o755 },
    );
    fs.chmodSync(dir, 0o755);
    const crippled = new Sandbox({
      bwrapPath: wrapper,
      slots: 1,
      uidPool: new UidPool({ base: UID_BASE, size: UID_COUNT, lockDir }),
    });
    try {
      const err: unknown = await grade('busy-loop.c', ['\n'], LIMITS, crippled).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SandboxFailureError);
      expect((err as Error).message).toMatch(/isolation not verified: unshare the mount namespace/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(privileged)('what the sandbox shows of /usr', () => {
  it('files an App could install under /usr/local, /usr/src or /usr/share are absent, at run and compile time', async () => {
    const tag = `fixsense-hidden-${process.pid}-${Date.now()}`;
    const secret = `hidden-expected-${Math.random().toString(36).slice(2)}`;
    const dirs = ['/usr/local', '/usr/src', '/usr/share'].map((d) => path.join(d, tag));
    const files = dirs.map((d) => path.join(d, 'expected.out'));
    try {
      for (const [i, d] of dirs.entries()) {
        fs.mkdirSync(d, { mode: 0o755 });
        fs.writeFileSync(files[i]!, `${secret}\n`, { mode: 0o644 });
      }
      const paths = [...files, '/usr/local', '/usr/src', '/usr/share', '/usr/bin/env', '/usr/sbin'];
      const { report } = await grade('read-secrets.c', [paths.join('\n') + '\n']);
      const out = report.tests[0]!.actual;
      for (const p of paths) expect(out).toContain(`cannot read ${p} (No such file or directory)`);
      expect(out).not.toContain(secret);
      for (const f of files) {
        const { report: r } = await grade(Buffer.from(`#include "${f}"\nint main(void) { return 0; }\n`));
        expect(r.verdict).toBe('COMPILE_ERROR');
        expect(r.compile.diagnostics).toContain('No such file or directory');
        expect(r.compile.diagnostics).not.toContain(secret);
      }
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
