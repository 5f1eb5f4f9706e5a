import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/assignments/checkers.js';
import { verdictOf } from '../../src/grading/verdict.js';
import { DEFAULT_TEST_LIMITS } from '../../src/sandbox/limits.js';
import type { RawRun } from '../../src/sandbox/protocol.js';

const base: RawRun = {
  index: 0,
  exited: true,
  exitCode: 0,
  signal: null,
  cpuLimit: false,
  wallLimit: false,
  outputLimit: false,
  spawnFailed: false,
  skipped: false,
  cpuMs: 1,
  wallMs: 1,
  maxRssKb: 1000,
  stdoutBytes: 3,
  stderrBytes: 0,
  stdout: Buffer.from('ok\n'),
  stderr: Buffer.alloc(0),
};
const pass = async (): Promise<CheckResult> => ({ outcome: 'PASS' });
const wrong = async (): Promise<CheckResult> => ({ outcome: 'WRONG_ANSWER' });
const v = async (run: Partial<RawRun>, check = pass, policy: 'ignore' | 'must_be_zero' = 'ignore') =>
  (await verdictOf({ ...base, ...run }, DEFAULT_TEST_LIMITS, policy, check)).verdict;

describe('verdictOf', () => {
  it('passes a clean run with the right output', async () => expect(await v({})).toBe('PASS'));
  it('gives the checker verdict for a clean run', async () => {
    expect(await v({}, wrong)).toBe('WRONG_ANSWER');
    expect(await v({}, async () => ({ outcome: 'NO_ANSWER' }))).toBe('NO_ANSWER');
  });
  it('limits come before everything else', async () => {
    expect(await v({ cpuLimit: true, signal: 24, exited: false, exitCode: null })).toBe('TIMEOUT');
    expect(await v({ wallLimit: true, signal: 9, exited: false, exitCode: null })).toBe('TIMEOUT');
    expect(await v({ outputLimit: true, signal: 9, exited: false, exitCode: null })).toBe('OUTPUT_LIMIT');
    expect(await v({ signal: 25, exited: false, exitCode: null })).toBe('OUTPUT_LIMIT'); // SIGXFSZ
  });
  it('a crash after using most of the memory is MEMORY_LIMIT, a small crash RUNTIME_ERROR', async () => {
    const big = (DEFAULT_TEST_LIMITS.memoryBytes / 1024) * 0.9;
    expect(await v({ signal: 11, exited: false, exitCode: null, maxRssKb: big })).toBe('MEMORY_LIMIT');
    expect(await v({ exitCode: 1, maxRssKb: big }, wrong)).toBe('MEMORY_LIMIT');
    expect(await v({ signal: 11, exited: false, exitCode: null })).toBe('RUNTIME_ERROR');
    expect(
      (await verdictOf({ ...base, signal: 8, exited: false, exitCode: null }, DEFAULT_TEST_LIMITS, 'ignore', pass))
        .detail,
    ).toMatch(/^killed by SIGFPE \(arithmetic error: division or modulo by zero\?\)/);
  });
  it('a non-zero exit fails a right answer only when the assignment says so', async () => {
    expect(await v({ exitCode: 3 })).toBe('PASS');
    expect(await v({ exitCode: 3 }, pass, 'must_be_zero')).toBe('RUNTIME_ERROR');
    expect(await v({ exitCode: 3 }, wrong, 'must_be_zero')).toBe('WRONG_ANSWER');
  });
  it('a program that cannot start is a RUNTIME_ERROR', async () => {
    expect(await v({ spawnFailed: true, exitCode: 127 })).toBe('RUNTIME_ERROR');
  });
});
