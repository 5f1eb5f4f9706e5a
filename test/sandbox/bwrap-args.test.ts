import { describe, expect, it } from 'vitest';
import { bwrapArgs } from '../../src/sandbox/bwrap-args.js';

const layout = { symlinks: { '/bin': 'usr/bin', '/lib': 'usr/lib' }, binds: ['/etc/ld.so.cache'] };

describe('bwrapArgs', () => {
  const args = bwrapArgs({ layout, tmpBytes: 1 << 24, withProgram: true });
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

  it('shows only /usr, its links and the loader cache, read-only', () => {
    const binds = args.flatMap((a, i) => (a === '--bind' || a === '--ro-bind' ? [args[i + 1]] : []));
    expect(binds).toEqual(['/usr', '/etc/ld.so.cache']);
    expect(args).not.toContain('--bind');
    expect(joined).toContain('--symlink usr/bin /bin');
    expect(joined).not.toMatch(/--proc|\/home|\/root|\/work/);
  });

  it('gives /tmp a size and remounts the root and /dev read-only after all mounts', () => {
    expect(joined).toContain(`--size ${1 << 24} --tmpfs /tmp`);
    const lastMount = Math.max(args.lastIndexOf('--tmpfs'), args.lastIndexOf('--ro-bind-data'));
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(lastMount);
    expect(joined).toContain('--remount-ro /dev --remount-ro /');
  });

  it('passes the runner and the program through file descriptors, not host paths', () => {
    expect(joined).toContain('--ro-bind-data 3 /box/runner');
    expect(joined).toContain('--ro-bind-data 4 /box/prog');
    expect(bwrapArgs({ layout, tmpBytes: 1, withProgram: false }).join(' ')).not.toContain('/box/prog');
  });

  it('clears the environment', () => {
    expect(args).toContain('--clearenv');
  });
});
