import fs from 'node:fs';

/**
 * How the host's system folders are laid out, so the sandbox can show the compiler and
 * the program the libraries they need (and nothing else). On merged-/usr systems /bin,
 * /lib... are symlinks into /usr; elsewhere they are folders to bind.
 */
export interface HostLayout {
  /** e.g. { '/bin': 'usr/bin' } */
  symlinks: Record<string, string>;
  /** read-only bind mounts, besides /usr */
  binds: string[];
}

const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const FILES = ['/etc/ld.so.cache'];

export function readHostLayout(): HostLayout {
  const symlinks: Record<string, string> = {};
  const binds: string[] = [];
  for (const p of TOP_LEVEL) {
    try {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) symlinks[p] = fs.readlinkSync(p);
      else if (st.isDirectory()) binds.push(p);
    } catch {
      /* absent on this host */
    }
  }
  for (const f of FILES) if (fs.existsSync(f)) binds.push(f);
  return { symlinks, binds };
}
