import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from '../core/cache-dir.js';
import { projectRoot } from '../core/paths.js';
import { SandboxUnavailableError } from './errors.js';

const run = promisify(execFile);
const runnerSource = path.join(projectRoot, 'src', 'sandbox', 'runner.c');
let cached: Promise<string> | undefined;

/**
 * The runner is compiled from source on first use (and again whenever its source
 * changes), so a clean clone needs nothing but the host's C compiler.
 */
export function runnerBinary(): Promise<string> {
  cached ??= buildRunner().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function buildRunner(): Promise<string> {
  const source = await fs.readFile(runnerSource);
  const key = createHash('sha256').update(source).update(process.arch).digest('hex').slice(0, 16);
  const dir = cacheDir();
  const target = path.join(dir, `runner-${key}`);
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
    await run(cc, ['-O2', '-Wall', '-o', tmp, runnerSource], { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new SandboxUnavailableError(
      `could not build the sandbox runner with ${cc}: ${e.stderr?.trim() || e.message}` +
        `\nInstall a C compiler (Debian: apt-get install gcc libc6-dev).`,
    );
  }
  // rename is atomic: concurrent builders (parallel test workers) cannot see a half-written file
  await fs.rename(tmp, target);
  return target;
}
