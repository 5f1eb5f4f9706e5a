import { describe, expect, it } from 'vitest';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_TEST_LIMITS } from '../../src/sandbox/limits.js';
import {
  decodeCompileResponse,
  decodeRunResponse,
  encodeCompileRequest,
  encodeRunRequest,
  ProtocolError,
} from '../../src/sandbox/protocol.js';

/** Builds a runner record the way runner.c's encode_result does. */
function record(index: number, flags: number, exitCode: number, signal: number, stdout: string, stderr = ''): Buffer {
  const b: Buffer[] = [Buffer.from('FXR1')];
  const u32 = (v: number) => {
    const x = Buffer.alloc(4);
    x.writeUInt32LE(v >>> 0);
    b.push(x);
  };
  const u64 = (v: number) => {
    const x = Buffer.alloc(8);
    x.writeBigUInt64LE(BigInt(v));
    b.push(x);
  };
  u32(index);
  u32(flags);
  u32(exitCode);
  u32(signal);
  u64(1500); // cpu µs
  u64(2500); // wall µs
  u64(1234); // max rss KiB
  u64(Buffer.byteLength(stdout));
  u64(Buffer.byteLength(stderr));
  u32(Buffer.byteLength(stdout));
  b.push(Buffer.from(stdout));
  u32(Buffer.byteLength(stderr));
  b.push(Buffer.from(stderr));
  return Buffer.concat(b);
}

describe('runner protocol', () => {
  it('encodes a run request: the work directory, the limits and every input', () => {
    const work = { bytes: 16 << 20, inodes: 4096 };
    const req = encodeRunRequest(DEFAULT_TEST_LIMITS, work, [Buffer.from('1 2\n'), Buffer.alloc(0)]);
    expect(req.subarray(0, 4).toString()).toBe('FXS2');
    expect(req.readUInt32LE(4)).toBe(2); // run mode
    expect(Number(req.readBigUInt64LE(8))).toBe(16 << 20);
    expect(req.readUInt32LE(16)).toBe(4096);
    const limitsStart = 20;
    expect(req.readUInt32LE(limitsStart)).toBe(DEFAULT_TEST_LIMITS.cpuMs);
    const limitsEnd = limitsStart + 4 + 4 + 8 + 8 + 8 + 4 + 4 + 4 + 4;
    expect(req.readUInt32LE(limitsEnd)).toBe(2);
    expect(req.readUInt32LE(limitsEnd + 4)).toBe(4);
    expect(req.subarray(limitsEnd + 8, limitsEnd + 12).toString()).toBe('1 2\n');
    expect(req.readUInt32LE(limitsEnd + 12)).toBe(0);
    expect(req.length).toBe(limitsEnd + 16);
  });

  it('encodes a compile request with the same header, then the commands and the source', () => {
    const req = encodeCompileRequest(
      DEFAULT_COMPILE_LIMITS,
      { bytes: 1 << 26, inodes: 4096 },
      [['gcc', 'x']],
      Buffer.from('int'),
    );
    expect(req.subarray(0, 4).toString()).toBe('FXS2');
    expect(req.readUInt32LE(4)).toBe(1); // compile mode
    expect(Number(req.readBigUInt64LE(8))).toBe(1 << 26);
    expect(req.subarray(-3).toString()).toBe('int');
  });

  it('decodes run records: exit, signal and limit flags, timings, output', () => {
    const runs = decodeRunResponse(Buffer.concat([record(0, 1, 3, 0, 'out', 'err'), record(1, 2 | 4, 0, 24, '')]), 2);
    expect(runs[0]).toMatchObject({
      exited: true,
      exitCode: 3,
      signal: null,
      cpuMs: 1.5,
      wallMs: 2.5,
      maxRssKb: 1234,
      cpuLimit: false,
    });
    expect(runs[0]!.stdout.toString()).toBe('out');
    expect(runs[0]!.stderr.toString()).toBe('err');
    expect(runs[1]).toMatchObject({ exited: false, exitCode: null, signal: 24, cpuLimit: true });
  });

  it('refuses a truncated answer, a missing run or a wrong magic', () => {
    const full = record(0, 1, 0, 0, 'hello');
    expect(() => decodeRunResponse(full.subarray(0, full.length - 2), 1)).toThrow(ProtocolError);
    expect(() => decodeRunResponse(full, 2)).toThrow(/1 of 2 runs/);
    expect(() => decodeRunResponse(Buffer.concat([Buffer.from('XXXX'), full.subarray(4)]), 1)).toThrow(/magic/);
  });

  it('decodes a compile answer and its binary', () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bin.length);
    const { runs, binary } = decodeCompileResponse(
      Buffer.concat([record(0, 1, 0, 0, ''), record(1, 64, 0, 0, ''), len, bin]),
      2,
    );
    expect(runs[0]!.exitCode).toBe(0);
    expect(runs[1]!.skipped).toBe(true);
    expect(binary).toEqual(bin);
  });
});
