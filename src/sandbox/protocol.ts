/**
 * The byte protocol between the host and the in-sandbox runner (src/sandbox/runner.c).
 * Pure encoding and decoding; little-endian throughout.
 */
import type { RunLimits, WorkDirLimits } from './limits.js';

const MODE_COMPILE = 1;
const MODE_RUN = 2;

export const FLAGS = {
  exited: 1 << 0,
  signaled: 1 << 1,
  cpuLimit: 1 << 2,
  wallLimit: 1 << 3,
  outputLimit: 1 << 4,
  spawnFailed: 1 << 5,
  skipped: 1 << 6,
} as const;

/** What the runner observed of one supervised process. */
export interface RawRun {
  index: number;
  exited: boolean;
  exitCode: number | null;
  signal: number | null;
  cpuLimit: boolean;
  wallLimit: boolean;
  outputLimit: boolean;
  spawnFailed: boolean;
  /** Compile mode: not run because an earlier command failed. */
  skipped: boolean;
  cpuMs: number;
  wallMs: number;
  maxRssKb: number;
  stdoutBytes: number;
  stderrBytes: number;
  stdout: Buffer;
  stderr: Buffer;
}

class Writer {
  private parts: Buffer[] = [];
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(v))));
    this.parts.push(b);
    return this;
  }
  bytes(data: Buffer | string): this {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }
  raw(s: string): this {
    this.parts.push(Buffer.from(s, 'latin1'));
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** FXS2: the header names the work directory each run gets (a new tmpfs every time). */
function header(mode: number, work: WorkDirLimits): Writer {
  return new Writer().raw('FXS2').u32(mode).u64(work.bytes).u32(work.inodes);
}

function writeLimits(w: Writer, l: RunLimits): void {
  w.u32(l.cpuMs)
    .u32(l.wallMs)
    .u64(l.memoryBytes)
    .u64(l.fileSizeBytes)
    .u64(l.stackBytes)
    .u32(l.processes)
    .u32(l.outputBytes)
    .u32(l.stderrKeepBytes)
    .u32(l.allowFork ? 1 : 0);
}

/**
 * Commands run in turn on /tmp/main.c (a later one is skipped when an earlier one fails);
 * the first must write /tmp/prog.
 */
export function encodeCompileRequest(
  limits: RunLimits,
  work: WorkDirLimits,
  commands: string[][],
  source: Buffer,
): Buffer {
  const w = header(MODE_COMPILE, work);
  writeLimits(w, limits);
  w.u32(commands.length);
  for (const argv of commands) {
    w.u32(argv.length);
    for (const a of argv) w.bytes(a);
  }
  w.bytes(source);
  return w.done();
}

export function encodeRunRequest(limits: RunLimits, work: WorkDirLimits, inputs: Buffer[]): Buffer {
  const w = header(MODE_RUN, work);
  writeLimits(w, limits);
  w.u32(inputs.length);
  for (const input of inputs) w.bytes(input);
  return w.done();
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtocolError(`runner response truncated at byte ${this.pos}`);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = Number(this.buf.readBigUInt64LE(this.pos));
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  magic(expected: string): void {
    this.need(expected.length);
    const got = this.buf.toString('latin1', this.pos, this.pos + expected.length);
    if (got !== expected) throw new ProtocolError(`expected record magic ${expected}, got ${JSON.stringify(got)}`);
    this.pos += expected.length;
  }
}

function readRun(r: Reader): RawRun {
  r.magic('FXR1');
  const index = r.u32();
  const flags = r.u32();
  const exitCode = r.i32();
  const signal = r.i32();
  const cpuUs = r.u64();
  const wallUs = r.u64();
  const maxRssKb = r.u64();
  const stdoutBytes = r.u64();
  const stderrBytes = r.u64();
  const stdout = r.bytes();
  const stderr = r.bytes();
  const exited = (flags & FLAGS.exited) !== 0;
  const signaled = (flags & FLAGS.signaled) !== 0;
  return {
    index,
    exited,
    exitCode: exited ? exitCode : null,
    signal: signaled ? signal : null,
    cpuLimit: (flags & FLAGS.cpuLimit) !== 0,
    wallLimit: (flags & FLAGS.wallLimit) !== 0,
    outputLimit: (flags & FLAGS.outputLimit) !== 0,
    spawnFailed: (flags & FLAGS.spawnFailed) !== 0,
    skipped: (flags & FLAGS.skipped) !== 0,
    cpuMs: cpuUs / 1000,
    wallMs: wallUs / 1000,
    maxRssKb,
    stdoutBytes,
    stderrBytes,
    stdout: Buffer.from(stdout),
    stderr: Buffer.from(stderr),
  };
}

export function decodeRunResponse(buf: Buffer, expected: number): RawRun[] {
  const r = new Reader(buf);
  const runs: RawRun[] = [];
  while (r.remaining > 0) runs.push(readRun(r));
  if (runs.length !== expected) throw new ProtocolError(`runner answered ${runs.length} of ${expected} runs`);
  runs.forEach((run, i) => {
    if (run.index !== i) throw new ProtocolError(`runner answered run ${run.index} where ${i} was expected`);
  });
  return runs;
}

export function decodeCompileResponse(buf: Buffer, commands: number): { runs: RawRun[]; binary: Buffer } {
  const r = new Reader(buf);
  const runs = Array.from({ length: commands }, () => readRun(r));
  const binary = Buffer.from(r.bytes());
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} unexpected bytes after the compile records`);
  return { runs, binary };
}
