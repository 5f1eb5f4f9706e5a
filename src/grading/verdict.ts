import os from 'node:os';
import type { CheckResult } from '../assignments/checkers.js';
import type { RunLimits } from '../sandbox/limits.js';
import type { RawRun } from '../sandbox/protocol.js';
import type { TestVerdict } from './report.js';

export function signalName(signal: number | null): string | null {
  if (signal === null) return null;
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : `signal ${signal}`;
}

const SIGXFSZ = os.constants.signals.SIGXFSZ;

/** What a signal usually means in a beginner's C program. */
const SIGNAL_HINTS: Record<string, string> = {
  SIGSEGV: 'invalid memory access: an array index out of range, a bad pointer, or scanf without &?',
  SIGFPE: 'arithmetic error: division or modulo by zero?',
  SIGABRT: 'the program aborted: a failed assert, or memory corrupted by an out-of-range write?',
  SIGBUS: 'invalid memory access',
  SIGILL: 'illegal instruction: the stack was probably overwritten',
};

function describeSignal(signal: number): string {
  const name = signalName(signal)!;
  const hint = SIGNAL_HINTS[name];
  return `killed by ${name}${hint ? ` (${hint})` : ''}; output still buffered in the program was lost`;
}

/**
 * Without cgroups a memory overrun is seen indirectly: the address-space limit makes an
 * allocation fail, and the program then crashes or gives up. A crash after touching at
 * least half of the limit is called MEMORY_LIMIT; a crash on a single huge request that
 * never touched memory stays a RUNTIME_ERROR.
 */
const MEMORY_SHARE = 0.5;

export interface Judgement {
  verdict: TestVerdict;
  detail?: string;
  check?: CheckResult;
}

/** Classifies one run: limits first, then crashes, then the checker's judgement. */
export async function verdictOf(
  run: RawRun,
  limits: RunLimits,
  exitPolicy: 'ignore' | 'must_be_zero',
  check: () => Promise<CheckResult>,
): Promise<Judgement> {
  if (run.spawnFailed)
    return { verdict: 'RUNTIME_ERROR', detail: `the program could not start: ${run.stderr.toString()}` };
  if (run.cpuLimit) return { verdict: 'TIMEOUT', detail: `used more than ${limits.cpuMs} ms of CPU time` };
  if (run.wallLimit)
    return { verdict: 'TIMEOUT', detail: `ran longer than ${limits.wallMs} ms (waiting for input, or sleeping?)` };
  if (run.outputLimit) return { verdict: 'OUTPUT_LIMIT', detail: `printed more than ${limits.outputBytes} bytes` };
  if (run.signal === SIGXFSZ)
    return { verdict: 'OUTPUT_LIMIT', detail: `wrote a file larger than ${limits.fileSizeBytes} bytes` };
  const crashed = run.signal !== null || (run.exitCode !== null && run.exitCode !== 0);
  if (crashed && run.maxRssKb * 1024 >= limits.memoryBytes * MEMORY_SHARE) {
    return {
      verdict: 'MEMORY_LIMIT',
      detail: `ran out of its ${Math.round(limits.memoryBytes / 1048576)} MiB of memory`,
    };
  }
  if (run.signal !== null) return { verdict: 'RUNTIME_ERROR', detail: describeSignal(run.signal) };
  const result = await check();
  if (result.outcome !== 'PASS')
    return { verdict: result.outcome, ...(result.detail ? { detail: result.detail } : {}), check: result };
  if (exitPolicy === 'must_be_zero' && run.exitCode !== 0) {
    return { verdict: 'RUNTIME_ERROR', detail: `exited with status ${run.exitCode}`, check: result };
  }
  return { verdict: 'PASS', check: result };
}
