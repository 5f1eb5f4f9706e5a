import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import { bwrapArgs, PROGRAM_FD } from './bwrap-args.js';
import {
  decideCgroup,
  readCgroupFacts,
  SandboxCgroups,
  type CgroupDecision,
  type CgroupFactory,
  type CgroupLimits,
  type SandboxCgroup,
} from './cgroup.js';
import { SandboxFailureError, SandboxUnavailableError } from './errors.js';
import { workDirFor, type RunLimits, type WorkDirLimits } from './limits.js';
import { mountPlan, type MountOp } from './mount-plan.js';
import {
  decodeCompileResponse,
  decodeRunResponse,
  encodeCompileRequest,
  encodeRunRequest,
  type RawRun,
} from './protocol.js';
import { cgroupLauncherBinary, runnerBinary } from './runner-binary.js';
import { compilerPaths, runtimePaths } from './toolchain-paths.js';
import { UidPool } from './uid-pool.js';

export interface SandboxOptions {
  bwrapPath: string;
  /** Sandboxes alive at once in this process. */
  slots: number;
  uidPool: UidPool;
  /** The compiler whose C library compiled programs load at run time (default: gcc). */
  compiler?: string;
  /** Whether each sandbox gets a cgroup v2 memory and pids limit of its own, or why not. */
  cgroup?: CgroupDecision;
  /** Makes those cgroups (default: under the decision's base folder, when it says use). */
  cgroups?: CgroupFactory;
}

export interface CompileOutcome {
  /** One per command; the first is the compiler that makes the program. */
  runs: RawRun[];
  /** Empty when the compiler produced no program. */
  binary: Buffer;
}

export function defaultSandboxOptions(env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  return {
    bwrapPath: env.FIXSENSE_BWRAP ?? 'bwrap',
    slots: Number(env.FIXSENSE_SANDBOX_SLOTS ?? os.availableParallelism()),
    uidPool: new UidPool(),
    compiler: env.FIXSENSE_CC ?? 'gcc',
    cgroup: decideCgroup(readCgroupFacts(env)),
  };
}

/** Room, besides the program's address space and /tmp, for the runner, bwrap and kernel objects. */
const CGROUP_SLACK_BYTES = 64 * 1024 * 1024;

/**
 * Runs untrusted C inside bubblewrap. One call = one sandbox, which serves a whole
 * compilation or a whole lane of tests, so bwrap's start-up is paid once per lane.
 */
export class Sandbox {
  private readonly limit: LimitFunction;
  /** What each sandbox shows of the host, by compile commands (or for running), asked once. */
  private readonly views = new Map<string, Promise<MountOp[]>>();

  private readonly cgroups: CgroupFactory | null;
  /** Which memory limit applies to a whole sandbox, and why (cgroup v2, or rlimits only). */
  readonly cgroup: CgroupDecision;

  constructor(private readonly opts: SandboxOptions = defaultSandboxOptions()) {
    this.limit = pLimit(Math.max(1, opts.slots));
    this.cgroup = opts.cgroup ?? { use: false, reason: 'no cgroup was configured for this sandbox' };
    this.cgroups = opts.cgroups ?? (this.cgroup.use ? new SandboxCgroups(this.cgroup) : null);
  }

  /** How many sandboxes may run at once: the useful number of parallel test lanes. */
  get slots(): number {
    return this.limit.concurrency;
  }

  /**
   * Compiles `source` (as /tmp/main.c): the first command must write /tmp/prog; later ones
   * (checks such as a lint pass) run after it, in the same sandbox.
   */
  async compile(source: Buffer, commands: string[][], limits: RunLimits): Promise<CompileOutcome> {
    const work = workDirFor('compile', limits);
    const request = encodeCompileRequest(limits, work, commands, source);
    const names = [...new Set(commands.map((c) => c[0]!))].sort();
    const mounts = await this.view(`compile ${names.join(' ')}`, async () =>
      [await this.runtime(), ...(await Promise.all(names.map(compilerPaths)))].flat(),
    );
    const out = await this.limit(() => this.launch(request, undefined, mounts, limits, work, commands.length));
    return decodeCompileResponse(out, commands.length);
  }

  /** Runs `binary` once per input, one after the other, in one fresh sandbox. */
  async run(binary: Buffer, inputs: Buffer[], limits: RunLimits): Promise<RawRun[]> {
    if (inputs.length === 0) return [];
    const work = workDirFor('run', limits);
    const request = encodeRunRequest(limits, work, inputs);
    const mounts = await this.view('run', () => this.runtime());
    const out = await this.limit(() => this.launch(request, binary, mounts, limits, work, inputs.length));
    return decodeRunResponse(out, inputs.length);
  }

  /** What the runner and a compiled program load. */
  private async runtime(): Promise<string[]> {
    return runtimePaths(this.opts.compiler ?? 'gcc', [await runnerBinary()]);
  }

  private view(key: string, paths: () => Promise<string[]>): Promise<MountOp[]> {
    let v = this.views.get(key);
    if (!v) {
      v = paths().then((p) => mountPlan(p));
      v.catch(() => this.views.delete(key));
      this.views.set(key, v);
    }
    return v;
  }

  private async launch(
    request: Buffer,
    program: Buffer | undefined,
    mounts: readonly MountOp[],
    limits: RunLimits,
    work: WorkDirLimits,
    runs: number,
  ): Promise<Buffer> {
    const runnerPath = await runnerBinary();
    const launcher = this.cgroups ? await cgroupLauncherBinary() : null;
    const lease = await this.opts.uidPool.acquire();
    const runnerFd = fs.openSync(runnerPath, 'r');
    let cgroup: SandboxCgroup | undefined;
    try {
      // one address-space limit for the whole sandbox (a forking program shares it with its
      // children here, unlike with rlimits alone), and /tmp counted as the memory it is
      cgroup = this.makeCgroup({
        memoryBytes: limits.memoryBytes + work.bytes + request.length + CGROUP_SLACK_BYTES,
        pids: limits.processes + 2,
      });
      const timeoutMs = (limits.wallMs + 2000) * runs + 5000;
      return await this.spawnBwrap(
        request,
        program,
        mounts,
        runnerFd,
        lease.uid,
        timeoutMs,
        cgroup && launcher ? { cgroup, launcher } : null,
      );
    } finally {
      fs.closeSync(runnerFd);
      lease.release();
      await cgroup?.dispose();
    }
  }

  private makeCgroup(limits: CgroupLimits): SandboxCgroup | undefined {
    try {
      return this.cgroups?.create(limits);
    } catch (err) {
      throw new SandboxFailureError(`could not create the sandbox's cgroup: ${(err as Error).message}`);
    }
  }

  private spawnBwrap(
    request: Buffer,
    program: Buffer | undefined,
    mounts: readonly MountOp[],
    runnerFd: number,
    uid: number | undefined,
    timeoutMs: number,
    joining: { cgroup: SandboxCgroup; launcher: string } | null,
  ): Promise<Buffer> {
    const args = bwrapArgs({ mounts, withProgram: program !== undefined });
    const stdio: Array<'pipe' | 'ignore' | number> = ['pipe', 'pipe', 'pipe', runnerFd];
    if (program) stdio[PROGRAM_FD] = 'pipe';
    // with a cgroup, the launcher joins it (as root), drops to the sandbox uid and becomes bwrap
    const [command, argv, asUid] = joining
      ? [joining.launcher, [joining.cgroup.procsFile, String(uid ?? '-'), this.opts.bwrapPath, ...args], undefined]
      : [this.opts.bwrapPath, args, uid];
    return new Promise<Buffer>((resolve, reject) => {
      const child = spawn(command, argv, {
        cwd: '/',
        // never the App's environment: it holds the private key and webhook secret
        env: { PATH: '/usr/bin:/bin' },
        stdio,
        ...(asUid === undefined ? {} : { uid: asUid, gid: asUid }),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let errBytes = 0;
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => {
        if (errBytes < 64 * 1024) err.push(b);
        errBytes += b.length;
      });
      // a sandbox that outlives every limit it was given is broken: kill it (bwrap's
      // --die-with-parent takes the sandbox with it)
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const ignoreEpipe = (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') reject(e);
      };
      child.stdin!.on('error', ignoreEpipe);
      child.stdin!.end(request);
      if (program) {
        const progStream = child.stdio[PROGRAM_FD] as Writable;
        progStream.on('error', ignoreEpipe);
        progStream.end(program);
      }
      child.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          e.code === 'ENOENT'
            ? new SandboxUnavailableError(
                `bubblewrap (${this.opts.bwrapPath}) is not installed: apt-get install bubblewrap`,
              )
            : e.code === 'EACCES'
              ? // bwrap starts as the sandbox's own uid, which must be able to reach and run it
                new SandboxUnavailableError(
                  `bubblewrap (${this.opts.bwrapPath}) cannot be run by the sandbox's uid: check the file's and its folders' permissions`,
                )
              : e,
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8').trim();
        if (code === 0) return resolve(Buffer.concat(out));
        if (/^fixsense-cgroup-launch: exec: /m.test(stderr))
          return reject(new SandboxUnavailableError(`bubblewrap (${this.opts.bwrapPath}) could not start: ${stderr}`));
        if (/^bwrap: /m.test(stderr) && !/fixsense-runner/.test(stderr)) {
          return reject(
            new SandboxUnavailableError(
              `bubblewrap could not create the sandbox: ${stderr}\n` +
                'It needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; ' +
                'some container runtimes forbid them).',
            ),
          );
        }
        reject(new SandboxFailureError(`sandbox failed (${signal ?? `exit ${code}`}): ${stderr || 'no message'}`));
      });
    });
  }
}
