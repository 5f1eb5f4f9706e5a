import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../core/cache-dir.js';
import { projectRoot } from '../core/paths.js';
import { SandboxUnavailableError } from './errors.js';

const run = promisify(execFile);
const cached = new Map<string, Promise<string>>();

/**
 * The sandbox's small C programs are compiled from source on first use (and again whenever
 * their source changes), so a clean clone needs nothing but the host's C compiler.
 */
function helperBinary(name: 'runner' | 'cgroup-launch'): Promise<string> {
  let p = cached.get(name);
  if (!p) {
    p = build(name).catch((err: unknown) => {
      cached.delete(name);
      throw err;
    });
    cached.set(name, p);
  }
  return p;
}

/** The supervisor that is PID 1 inside every sandbox (runner.c). */
export const runnerBinary = () => helperBinary('runner');
/** Joins a sandbox's cgroup, then becomes bwrap (cgroup-launch.c); used only with cgroups. */
export const cgroupLauncherBinary = () => helperBinary('cgroup-launch');

async function build(name: string): Promise<string> {
  const sourceFile = path.join(projectRoot, 'src', 'sandbox', `${name}.c`);
  const source = await fs.readFile(sourceFile);
  const key = createHash('sha256').update(source).update(process.arch).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const target = path.join(dir, `${name}-${key}`);
  try {
    await fs.access(target, fs.constants.X_OK);
    return target;
  } catch {
    /* not built yet */
  }
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
  const cc = process.env.FIXSENSE_HOST_CC ?? 'gcc';
  try {
    await run(cc, ['-O2', '-Wall', '-o', tmp, sourceFile], { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new SandboxUnavailableError(
      `could not build the sandbox's ${name} with ${cc}: ${e.stderr?.trim() || e.message}` +
        `\nInstall a C compiler (Debian: apt-get install gcc libc6-dev).`,
    );
  }
  // rename is atomic: concurrent builders (parallel test workers) cannot see a half-written file
  await fs.rename(tmp, target);
  return target;
}
