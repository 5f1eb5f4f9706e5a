/** Resource limits for one supervised process inside the sandbox. */
export interface RunLimits {
  /** CPU time of the program, in milliseconds. */
  cpuMs: number;
  /** Wall-clock time from start to exit, in milliseconds. */
  wallMs: number;
  /** Address-space limit per process, in bytes. */
  memoryBytes: number;
  /** Largest file the program may write, in bytes. */
  fileSizeBytes: number;
  stackBytes: number;
  /** Processes of the sandbox's uid; only matters when allowFork is set. */
  processes: number;
  /** Bytes of stdout (or of stderr) after which the program is killed. */
  outputBytes: number;
  /** Bytes of stderr kept for the report. */
  stderrKeepBytes: number;
  /** When false, fork/vfork/clone are refused by seccomp. */
  allowFork: boolean;
}

const MiB = 1024 * 1024;

export const DEFAULT_TEST_LIMITS: RunLimits = {
  cpuMs: 1000,
  wallMs: 3000,
  memoryBytes: 256 * MiB,
  fileSizeBytes: 4 * MiB,
  stackBytes: 8 * MiB,
  processes: 8,
  outputBytes: 1 * MiB,
  stderrKeepBytes: 16 * 1024,
  allowFork: false,
};

/** The compiler is attacked too (`#include "/dev/zero"`, macro and array bombs). */
export const DEFAULT_COMPILE_LIMITS: RunLimits = {
  cpuMs: 10_000,
  wallMs: 15_000,
  memoryBytes: 1024 * MiB,
  fileSizeBytes: 64 * MiB,
  stackBytes: 64 * MiB,
  processes: 16,
  outputBytes: 1 * MiB,
  stderrKeepBytes: 64 * 1024,
  allowFork: true,
};

/**
 * The private /tmp of one run: every test (and every compilation) gets a new tmpfs of this
 * size. Its bytes and inodes are memory that the address-space limit does not count, so both
 * are bounded; an inode costs the kernel about 1 KiB.
 */
export interface WorkDirLimits {
  bytes: number;
  inodes: number;
}

const WORK_DIR_INODES = 4096;

/** Room for a few files of the largest size the program may write. */
export function workDirFor(mode: 'compile' | 'run', limits: RunLimits): WorkDirLimits {
  const bytes =
    mode === 'compile' ? Math.max(64 * MiB, limits.fileSizeBytes * 4) : Math.max(16 * MiB, limits.fileSizeBytes * 2);
  return { bytes, inodes: WORK_DIR_INODES };
}
