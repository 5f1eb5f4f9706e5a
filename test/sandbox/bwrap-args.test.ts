import { describe, expect, it } from 'vitest';
import { bwrapArgs } from '../../src/sandbox/bwrap-args.js';
import type { MountOp } from '../../src/sandbox/mount-plan.js';

const mounts: MountOp[] = [
  { kind: 'bind', path: '/etc/ld.so.cache' },
  { kind: 'bind', path: '/usr/lib/x86_64-linux-gnu' },
  { kind: 'symlink', path: '/lib', target: 'usr/lib' },
];

describe('bwrapArgs', () => {
  const args = bwrapArgs({ mounts, withProgram: true });
  const joined = args.join(' ');

  it('unshares every namespace, network included, and forbids nested user namespaces', () => {
    expect(args).toContain('--unshare-all');
    expect(args).toContain('--unshare-user');
    expect(args).toContain('--disable-userns');
    expect(args).not.toContain('--share-net');
  });

  it('makes the runner PID 1 and ties the sandbox to its parent', () => {
    expect(args).toContain('--as-pid-1');
    expect(args).toContain('--die-with-parent');
    expect(args).toContain('--new-session');
    expect(args.at(-1)).toBe('/box/runner');
  });

  it('gives the runner exactly the two capabilities it needs to renew /tmp and drop them in the program', () => {
    const caps = args.flatMap((a, i) => (a === '--cap-add' ? [args[i + 1]] : []));
    expect(caps.sort()).toEqual(['CAP_SETPCAP', 'CAP_SYS_ADMIN']);
  });

  it('shows only the planned paths, read-only: no /usr as a whole', () => {
    const binds = args.flatMap((a, i) => (a === '--bind' || a === '--ro-bind' ? [args[i + 1]] : []));
    expect(binds).toEqual(['/etc/ld.so.cache', '/usr/lib/x86_64-linux-gnu']);
    for (const b of binds) expect(args[args.indexOf(b!) + 1]).toBe(b); // same path inside
    expect(args).not.toContain('--bind');
    expect(joined).toContain('--symlink usr/lib /lib');
    expect(joined).not.toMatch(/--proc|\/home|\/root|\/work|--ro-bind \/usr \/usr/);
  });

  it('leaves /tmp an empty mount point for the runner, and remounts the root and /dev read-only after all mounts', () => {
    expect(joined).toContain('--dir /tmp');
    expect(args).not.toContain('--tmpfs');
    const lastMount = Math.max(args.lastIndexOf('--ro-bind'), args.lastIndexOf('--ro-bind-data'));
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(lastMount);
    expect(joined).toContain('--remount-ro /dev --remount-ro /');
  });

  it('passes the runner and the program through file descriptors, not host paths', () => {
    expect(joined).toContain('--ro-bind-data 3 /box/runner');
    expect(joined).toContain('--ro-bind-data 4 /box/prog');
    expect(bwrapArgs({ mounts, withProgram: false }).join(' ')).not.toContain('/box/prog');
  });

  it('clears the environment', () => {
    expect(args).toContain('--clearenv');
  });
});
