import type { HostLayout } from './host-layout.js';

export const RUNNER_FD = 3;
export const PROGRAM_FD = 4;

export interface BwrapOptions {
  layout: HostLayout;
  /** Size of the private, writable /tmp (the only writable place). */
  tmpBytes: number;
  /** Whether a program binary arrives on PROGRAM_FD. */
  withProgram: boolean;
}

/**
 * The sandbox's view of the world: /usr (and the /bin, /lib links into it) read-only,
 * a minimal /dev, a size-limited private /tmp, the runner and the program as read-only
 * files made from pipes. No /home, /root, /etc (but the loader cache), /proc, network,
 * or host path in the command line.
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
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const [link, target] of Object.entries(o.layout.symlinks)) args.push('--symlink', target, link);
  for (const p of o.layout.binds) args.push('--ro-bind', p, p);
  args.push('--dev', '/dev');
  args.push('--perms', '0700', '--size', String(o.tmpBytes), '--tmpfs', '/tmp');
  args.push('--perms', '0555', '--ro-bind-data', String(RUNNER_FD), '/box/runner');
  if (o.withProgram) args.push('--perms', '0555', '--ro-bind-data', String(PROGRAM_FD), '/box/prog');
  // bwrap's root and /dev are writable tmpfs without a size limit: close them
  args.push('--remount-ro', '/dev', '--remount-ro', '/');
  args.push('--chdir', '/tmp', '/box/runner');
  return args;
}
