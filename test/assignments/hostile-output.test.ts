/**
 * A program that prints a megabyte of digits used to freeze the worker: JavaScript's
 * backtracking made `(-?\d+) is the smallest` quadratic in the run of digits, and the check
 * ran synchronously, so the event loop (and the job lock's renewal) stopped with it. Graded
 * here for real, in the sandbox; the proof that the loop stays responsive is a count of the
 * event-loop turns taken after the sandbox has finished, while only the checker is working.
 */
import { describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import type { RunLimits } from '../../src/sandbox/limits.js';
import type { RawRun } from '../../src/sandbox/protocol.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import { tempAssignment } from '../helpers/temp-assignment.js';
import { countTurns } from './event-loop-turns.js';

const MiB = 1024 * 1024;

/** Prints `digits` sevens, then `tail`: harmless, only long. */
const digitsProgram = (digits: number, tail: string) => `#include <stdio.h>
#include <string.h>
int main(void) {
  static char block[65536];
  memset(block, '7', sizeof block);
  long left = ${digits};
  while (left > 0) {
    long n = left < (long)sizeof block ? left : (long)sizeof block;
    fwrite(block, 1, (size_t)n, stdout);
    left -= n;
  }
  fputs("${tail}", stdout);
  return 0;
}
`;

/** The real sandbox; it only notes how many event-loop turns had passed when its last run ended. */
class NotingSandbox extends Sandbox {
  turnsAtLastRun = -1;
  constructor(private readonly turns: () => number) {
    super();
  }
  override async run(binary: Buffer, inputs: Buffer[], limits: RunLimits): Promise<RawRun[]> {
    const runs = await super.run(binary, inputs, limits);
    this.turnsAtLastRun = this.turns();
    return runs;
  }
}

async function gradeCountingTurns(source: string) {
  const a = await loadAssignment(
    tempAssignment(
      'smallest',
      [{ input: '3 1 2\n', expected: 'Please enter 3 numbers > 1 is the smallest\n' }],
      'limits: {output_kb: 2048}\n',
    ),
  );
  const loop = countTurns();
  const sandbox = new NotingSandbox(loop.turns);
  const report = await gradeSubmission(Buffer.from(source), a, sandbox);
  loop.stop();
  return { report, turnsWhileChecking: loop.turns() - sandbox.turnsAtLastRun };
}

describe('a megabyte of digits', () => {
  it('is NO_ANSWER, and the event loop keeps turning while the checker reads it', { timeout: 60_000 }, async () => {
    const { report, turnsWhileChecking } = await gradeCountingTurns(digitsProgram(MiB, ''));
    const t = report.tests[0]!;
    expect(t.outputBytes).toBe(MiB);
    expect(t.verdict).toBe('NO_ANSWER');
    expect(t.answers).toEqual({ expected: ['1'], actual: [] });
    // the last (re-)run is judged after the sandbox is done: ~2 MiB of searching, a turn per 64 KiB
    expect(turnsWhileChecking).toBeGreaterThanOrEqual(16);
  });

  it(
    'followed by "is the smallest" is an answer too long to read: a WRONG_ANSWER that says so',
    { timeout: 60_000 },
    async () => {
      const { report } = await gradeCountingTurns(digitsProgram(MiB - 64, ' is the smallest\\n'));
      const t = report.tests[0]!;
      expect(t.verdict).toBe('WRONG_ANSWER');
      expect(t.detail).toMatch(
        /^from byte \d+ the answer pattern matches \(or would need to look\) further than 1024 bytes/,
      );
    },
  );
});
