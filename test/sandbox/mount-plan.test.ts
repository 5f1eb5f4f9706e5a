import { describe, expect, it } from 'vitest';
import { mountPlan, MountPlanError, type FsView } from '../../src/sandbox/mount-plan.js';

/** A Debian-like merged-/usr host: folders, files, and symlinks with their targets. */
function fakeFs(entries: Record<string, 'dir' | 'file' | string>): FsView {
  return {
    kind: (p) => {
      const e = entries[p];
      if (e === undefined) return null;
      return e === 'dir' || e === 'file' ? e : 'symlink';
    },
    readlink: (p) => entries[p]!,
  };
}

const debian = fakeFs({
  '/lib': 'usr/lib',
  '/lib64': 'usr/lib64',
  '/usr': 'dir',
  '/usr/bin': 'dir',
  '/usr/bin/cc': '/etc/alternatives/cc',
  '/etc': 'dir',
  '/etc/alternatives': 'dir',
  '/etc/alternatives/cc': '/usr/bin/gcc',
  '/usr/bin/gcc': 'gcc-12',
  '/usr/bin/gcc-12': 'x86_64-linux-gnu-gcc-12',
  '/usr/bin/x86_64-linux-gnu-gcc-12': 'file',
  '/usr/lib': 'dir',
  '/usr/lib64': 'dir',
  '/usr/lib64/ld-linux-x86-64.so.2': '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  '/usr/lib/x86_64-linux-gnu': 'dir',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/libclang-cpp.so.14': '../llvm-14/lib/libclang-cpp.so.14',
  '/usr/lib/llvm-14': 'dir',
  '/usr/lib/llvm-14/lib': 'dir',
  '/usr/lib/llvm-14/lib/libclang-cpp.so.14': 'file',
  '/usr/lib/gcc': 'dir',
  '/usr/lib/gcc/x86_64-linux-gnu': 'dir',
  '/usr/lib/gcc/x86_64-linux-gnu/12': 'dir',
  '/usr/lib/gcc/x86_64-linux-gnu/12/cc1': 'file',
  '/usr/local': 'dir',
  '/loop': '/loop',
});

describe('mountPlan', () => {
  it('recreates every symlink on the way to the loader, and binds its folder once', () => {
    const ops = mountPlan(['/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu'], debian);
    expect(ops).toEqual([
      { kind: 'bind', path: '/usr/lib/x86_64-linux-gnu' },
      { kind: 'symlink', path: '/lib', target: 'usr/lib' },
      { kind: 'symlink', path: '/lib64', target: 'usr/lib64' },
      {
        kind: 'symlink',
        path: '/usr/lib64/ld-linux-x86-64.so.2',
        target: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
      },
    ]);
  });

  it('follows a command through the alternatives system to the one real file', () => {
    const ops = mountPlan(['/usr/bin/cc'], debian);
    expect(ops.filter((o) => o.kind === 'bind')).toEqual([{ kind: 'bind', path: '/usr/bin/x86_64-linux-gnu-gcc-12' }]);
    expect(ops.filter((o) => o.kind === 'symlink').map((o) => o.path)).toEqual([
      '/etc/alternatives/cc',
      '/usr/bin/cc',
      '/usr/bin/gcc',
      '/usr/bin/gcc-12',
    ]);
  });

  it('binds the target of a symlink that leads out of a bound folder, but not the symlink itself', () => {
    const ops = mountPlan(['/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu/libclang-cpp.so.14'], debian);
    expect(ops).toContainEqual({ kind: 'bind', path: '/usr/lib/llvm-14/lib/libclang-cpp.so.14' });
    expect(ops.some((o) => o.path === '/usr/lib/x86_64-linux-gnu/libclang-cpp.so.14')).toBe(false);
  });

  it('resolves ".." physically, as the kernel does, after a symlink', () => {
    // /lib is usr/lib: /lib/../lib64 is /usr/lib64, not /lib64
    const ops = mountPlan(['/lib/../lib64'], debian);
    expect(ops).toEqual([
      { kind: 'bind', path: '/usr/lib64' },
      { kind: 'symlink', path: '/lib', target: 'usr/lib' },
    ]);
    expect(mountPlan(['/usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu'], debian)).toEqual([
      { kind: 'bind', path: '/usr/lib/x86_64-linux-gnu' },
    ]);
  });

  it('leaves out what is inside another bound folder, and paths the host does not have', () => {
    const ops = mountPlan(
      ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1', '/usr/lib/gcc/x86_64-linux-gnu/12/', '/usr/local/include'],
      debian,
    );
    expect(ops).toEqual([{ kind: 'bind', path: '/usr/lib/gcc/x86_64-linux-gnu/12' }]);
  });

  it('refuses relative paths, symlink loops and the whole root', () => {
    expect(() => mountPlan(['usr/bin'], debian)).toThrow(MountPlanError);
    expect(() => mountPlan(['/loop'], debian)).toThrow(/too many symlinks/);
    expect(() => mountPlan(['/usr/..'], debian)).toThrow(/whole host filesystem/);
  });
});
