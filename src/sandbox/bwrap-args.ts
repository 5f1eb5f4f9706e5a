import type { MountOp } from './mount-plan.js';

export const RUNNER_FD = 3;
export const PROGRAM_FD = 4;

/**
 * Capabilities the runner keeps inside the sandbox's own user namespace (never the host's):
 * CAP_SYS_ADMIN to mount a new /tmp for every run, CAP_SETPCAP to empty the program's
 * bounding set. The runner drops all of them in the program before exec.
 */
export const RUNNER_CAPS = ['CAP_SYS_ADMIN', 'CAP_SETPCAP'];

export interface BwrapOptions {
  /** What of the host the sandbox shows, read-only (see mountPlan). */
  mounts: readonly MountOp[];
  /** Whether a program binary arrives on PROGRAM_FD. */
  withProgram: boolean;
}

/**
 * The sandbox's view of the world: only the host paths the compiler or the program need
 * (read-only), a minimal /dev, an empty /tmp mount point (the runner mounts a new tmpfs there
 * for every run), the runner and the program as read-only files made from pipes. No /home,
 * /root, /etc (but the loader cache), /proc, /usr/local, /usr/share, network, or host path in
 * the command line.
 */
export function bwrapArgs(o: BwrapOptions): string[] {
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--as-pid-1',
    '--hostname',
    'sandbox',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
  ];
  for (const cap of RUNNER_CAPS) args.push('--cap-add', cap);
  for (const m of o.mounts) {
    if (m.kind === 'bind') args.push('--ro-bind', m.path, m.path);
    else args.push('--symlink', m.target, m.path);
  }
  args.push('--dev', '/dev');
  args.push('--dir', '/tmp');
  args.push('--perms', '0555', '--ro-bind-data', String(RUNNER_FD), '/box/runner');
  if (o.withProgram) args.push('--perms', '0555', '--ro-bind-data', String(PROGRAM_FD), '/box/prog');
  // bwrap's root and /dev are writable tmpfs without a size limit: close them
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--chdir', '/', '/box/runner');
  return args;
}
