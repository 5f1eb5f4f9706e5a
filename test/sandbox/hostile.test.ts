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
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import type { TestReport } from '../../src/grading/report.js';
import { projectRoot } from '../../src/core/paths.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { processesOf, UidPool } from '../../src/sandbox/uid-pool.js';
import { tempAssignment } from '../helpers/temp-assignment.js';

const UID_BASE = 62_500;
const UID_COUNT = 4;
const hostile = (f: string) => fs.readFileSync(path.join(projectRoot, 'fixtures/hostile', f));
const privileged = process.getuid?.() === 0;

let sandbox: Sandbox;
beforeAll(() => {
  const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-hostile-locks-'));
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
): Promise<{ report: TestReport; a: Assignment; ms: number }> {
  const a = await loadAssignment(
    tempAssignment(
      'hostile',
      inputs.map((input) => ({ input, expected: 'fine\n' })),
      yml,
    ),
  );
  const start = performance.now();
  const report = await gradeSubmission(typeof file === 'string' ? hostile(file) : file, a, sandbox, { reruns: 0 });
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
    expect(() => JSON.parse(JSON.stringify(report))).not.toThrow();
  });
});
