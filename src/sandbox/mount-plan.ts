import fs from 'node:fs';
import path from 'node:path';

/** One step of building the sandbox's read-only view of the host, in bwrap's terms. */
export type MountOp = { kind: 'bind'; path: string } | { kind: 'symlink'; path: string; target: string };

/** What the plan needs to know of the host's filesystem (the real one, or a test's). */
export interface FsView {
  /** null when the path does not exist */
  kind(p: string): 'file' | 'dir' | 'symlink' | null;
  readlink(p: string): string;
}

export const hostFs: FsView = {
  kind(p) {
    try {
      const st = fs.lstatSync(p);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
    } catch {
      return null;
    }
  },
  readlink: (p) => fs.readlinkSync(p),
};

export class MountPlanError extends Error {
  override name = 'MountPlanError';
}

const MAX_LINKS = 40; // as the kernel's ELOOP

/**
 * The mounts that make each of `paths` resolve inside the sandbox as it does on the host, and
 * nothing more: every symlink met on the way is recreated (so /lib64/ld-linux-x86-64.so.2 and
 * /usr/bin/cc keep working), and each real file or folder at the end is bound read-only. A bind
 * inside another bound folder is left out (the folder shows it already), and so is a symlink
 * there. Paths that do not exist on the host are skipped: the sandbox shows them as absent too.
 */
export function mountPlan(paths: readonly string[], view: FsView = hostFs): MountOp[] {
  const binds = new Set<string>();
  const links = new Map<string, string>();
  // resolves `p` physically, as the kernel does: ".." after a symlink means the parent of its target
  const visit = (p: string, hops: number): void => {
    if (!path.isAbsolute(p)) throw new MountPlanError(`not an absolute path: ${p}`);
    const parts = p.split('/');
    let cur = '/';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        cur = path.dirname(cur);
        continue;
      }
      const next = path.join(cur, part);
      const kind = view.kind(next);
      if (kind === null) return;
      if (kind === 'symlink') {
        if (hops >= MAX_LINKS) throw new MountPlanError(`too many symlinks resolving ${p}`);
        const target = view.readlink(next);
        links.set(next, target);
        visit([path.isAbsolute(target) ? target : `${cur}/${target}`, ...parts.slice(i + 1)].join('/'), hops + 1);
        return;
      }
      cur = next;
    }
    binds.add(cur);
  };
  for (const p of paths) visit(p, 0);

  const within = (p: string, dir: string) => dir === '/' || p.startsWith(`${dir}/`);
  const keptBinds = [...binds].filter((b) => ![...binds].some((d) => d !== b && within(b, d))).sort();
  if (keptBinds.includes('/')) throw new MountPlanError('refusing to show the whole host filesystem');
  const shown = (p: string) => keptBinds.some((d) => within(p, d));
  const ops: MountOp[] = keptBinds.map((b) => ({ kind: 'bind', path: b }));
  for (const [p, target] of [...links].sort(([a], [b]) => a.localeCompare(b)))
    if (!shown(p)) ops.push({ kind: 'symlink', path: p, target });
  return ops;
}
