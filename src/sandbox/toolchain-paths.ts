import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The sandbox's PATH: where a compile command such as `gcc` is looked up inside. */
export const SANDBOX_PATH = ['/usr/bin', '/bin'];

/** Programs a C compiler driver runs; which of them exist depends on the compiler. */
const HELPERS = ['cc1', 'as', 'ld', 'ld.bfd', 'ld.gold', 'ld.lld', 'collect2', 'lto-wrapper', 'lto1'];
/** Files the link step reads; their folders hold the C library and the compiler's support code. */
const LINK_FILES = ['libc.so', 'libc.so.6', 'crt1.o', 'crti.o', 'libm.so', 'libm.so.6', 'libgcc_s.so.1'];
/** Files every dynamically linked program needs at run time, besides the loader. */
const RUNTIME_FILES = ['libc.so.6', 'libm.so.6', 'libgcc_s.so.1'];
/** Searched by compilers only if present; a locally installed App would show through it. */
const SKIPPED_INCLUDE_DIRS = new Set(['/usr/local/include']);
/** Locale data for LANG=C.UTF-8 (gcc's quotes and messages depend on it) and the loader's cache. */
const ALWAYS = ['/usr/lib/locale', '/etc/ld.so.cache'];

async function output(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string } | null> {
  try {
    return await exec(cmd, args, { timeout: 20_000, env: { PATH: SANDBOX_PATH.join(':'), LANG: 'C' } });
  } catch {
    return null;
  }
}

/** Where `name` is found on the sandbox's PATH, as the sandbox will look it up. */
export function onSandboxPath(name: string): string | null {
  if (path.isAbsolute(name)) return fs.existsSync(name) ? name : null;
  for (const dir of SANDBOX_PATH) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** The shared libraries and the loader `ldd` lists for a (trusted, host) binary. */
export function parseLdd(text: string): { libs: string[]; loader: string | null } {
  const libs: string[] = [];
  let loader: string | null = null;
  for (const line of text.split('\n')) {
    const linked = /=>\s+(\/\S+)/.exec(line);
    if (linked) libs.push(linked[1]!);
    else if (/^\s+\/\S+\s+\(0x/.test(line)) loader = line.trim().split(/\s+/)[0]!;
  }
  return { libs, loader };
}

/** The `#include <...>` folders and the GCC installation that `cc -E -v` reports. */
export function parseVerbose(stderr: string): { includeDirs: string[]; gccInstall: string | null } {
  const lines = stderr.split('\n');
  const from = lines.findIndex((l) => l.startsWith('#include <...> search starts here:'));
  const to = lines.findIndex((l, i) => i > from && l.startsWith('End of search list.'));
  const includeDirs = from >= 0 && to > from ? lines.slice(from + 1, to).map((l) => l.trim().split(' (')[0]!) : [];
  const gcc = /^Selected GCC installation: (\S+)/m.exec(stderr);
  return { includeDirs, gccInstall: gcc ? gcc[1]! : null };
}

/** The real driver a wrapper runs: gcc names itself in COLLECT_GCC (c99 and c89 wrap gcc). */
export function parseCollectGcc(stderr: string): string | null {
  return /^COLLECT_GCC=(\S+)$/m.exec(stderr)?.[1] ?? null;
}

/** The interpreter of a script (`#! /bin/sh`), or null for a binary. */
export function scriptInterpreter(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    return /^#!\s*(\/\S+)/.exec(head)?.[1] ?? null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The `install:` folder of `gcc -print-search-dirs` (gcc only: its cc1, crt files, headers). */
export function parseInstallDir(stdout: string): string | null {
  return /^install: (\S+)/m.exec(stdout)?.[1] ?? null;
}

const realFile = (p: string) => {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
};

async function librariesOf(binaries: string[]): Promise<{ dirs: string[]; loaders: string[] }> {
  const dirs: string[] = [];
  const loaders: string[] = [];
  for (const r of await Promise.all(binaries.map((b) => output('ldd', [b])))) {
    if (!r) continue; // static, or not an ELF file
    const { libs, loader } = parseLdd(r.stdout);
    // the folder for the libraries next to it, the file for one that is a symlink out of it
    dirs.push(...libs.map((l) => path.dirname(l)), ...libs);
    if (loader) loaders.push(loader);
  }
  return { dirs, loaders };
}

async function fileNames(driver: string, names: string[]): Promise<string[]> {
  const answers = await Promise.all(names.map((n) => output(driver, [`-print-file-name=${n}`])));
  // the driver echoes a bare name back when it cannot find the file
  return answers.map((a) => a?.stdout.trim() ?? '').filter((p) => path.isAbsolute(p) && fs.existsSync(p));
}

/**
 * Everything a C compiler needs inside the sandbox, asked of the compiler itself: its driver
 * and helper programs (cc1, as, ld, collect2...), its installation folder, its #include
 * folders, the folders of the libraries it and its helpers load, the link step's C library
 * and start files, the loader and the locale. Nothing else of /usr is shown: not /usr/local,
 * /usr/src, /usr/share or other programs.
 */
export async function compilerPaths(command: string): Promise<string[]> {
  const driver = onSandboxPath(command);
  if (!driver) return []; // the sandbox will report that the compiler cannot start
  const paths: string[] = [...ALWAYS];
  /** binaries whose libraries `ldd` is asked for */
  const programs: string[] = [];
  const addProgram = (p: string) => {
    paths.push(p);
    const file = realFile(p);
    if (file) programs.push(file);
  };
  addProgram(driver);
  // a wrapper script (Debian's c99, c89) needs its interpreter, and the driver it runs (below)
  const interpreter = scriptInterpreter(driver);
  if (interpreter) addProgram(interpreter);
  const [helpers, dirs, resourceDir, verbose, linkFiles] = await Promise.all([
    Promise.all(HELPERS.map((h) => output(driver, [`-print-prog-name=${h}`]))),
    output(driver, ['-print-search-dirs']),
    output(driver, ['-print-resource-dir']),
    output(driver, ['-xc', '-E', '-v', '/dev/null']),
    fileNames(driver, LINK_FILES),
  ]);
  for (const h of helpers) {
    const name = h?.stdout.trim();
    const p = name && (path.isAbsolute(name) ? (fs.existsSync(name) ? name : null) : onSandboxPath(name));
    if (p) addProgram(p);
  }
  const install = dirs && parseInstallDir(dirs.stdout);
  if (install) paths.push(install);
  const resource = resourceDir?.stdout.trim();
  if (resource && path.isAbsolute(resource)) paths.push(resource);
  if (verbose) {
    const real = parseCollectGcc(verbose.stderr);
    const realDriver = real && onSandboxPath(real);
    if (realDriver) addProgram(realDriver);
    const { includeDirs, gccInstall } = parseVerbose(verbose.stderr);
    paths.push(...includeDirs.filter((d) => !SKIPPED_INCLUDE_DIRS.has(path.normalize(d))));
    if (gccInstall) paths.push(gccInstall);
  }
  for (const f of linkFiles) paths.push(path.dirname(f));
  const { dirs: libDirs, loaders } = await librariesOf(programs);
  paths.push(...libDirs, ...loaders);
  return [...new Set(paths)];
}

/**
 * What a compiled program needs to start: the loader and the folders of the C library, the math
 * library and libgcc, as the host compiler links them, plus the locale; and what the `trusted`
 * binaries load (the runner itself, so a sandbox starts even when the compiler is missing).
 * Derived from trusted host binaries, never from the student's (its PT_INTERP could name any
 * host file).
 */
export async function runtimePaths(command: string, trusted: string[] = []): Promise<string[]> {
  const driver = onSandboxPath(command);
  const real = driver ? realFile(driver) : null;
  const { dirs, loaders } = await librariesOf([...trusted, ...(real ? [real] : [])]);
  const files = driver ? await fileNames(driver, RUNTIME_FILES) : [];
  return [...new Set([...ALWAYS, ...loaders, ...dirs, ...files.map((f) => path.dirname(f))])];
}
