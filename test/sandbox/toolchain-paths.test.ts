import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_TEST_LIMITS } from '../../src/sandbox/limits.js';
import { mountPlan } from '../../src/sandbox/mount-plan.js';
import { runnerBinary } from '../../src/sandbox/runner-binary.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import {
  compilerPaths,
  onSandboxPath,
  parseCollectGcc,
  parseInstallDir,
  parseLdd,
  parseVerbose,
  runtimePaths,
  scriptInterpreter,
} from '../../src/sandbox/toolchain-paths.js';

const LDD = `	linux-vdso.so.1 (0x00007f0f099a1000)
	libisl.so.23 => /lib/x86_64-linux-gnu/libisl.so.23 (0x00007f0f09600000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0f09282000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f0f099a3000)
`;

const GCC_VERBOSE = `ignoring nonexistent directory "/usr/local/include/x86_64-linux-gnu"
#include "..." search starts here:
#include <...> search starts here:
 /usr/lib/gcc/x86_64-linux-gnu/12/include
 /usr/local/include
 /usr/include/x86_64-linux-gnu
 /usr/include
End of search list.
`;

const CLANG_VERBOSE = `Found candidate GCC installation: /usr/bin/../lib/gcc/x86_64-linux-gnu/12
Selected GCC installation: /usr/bin/../lib/gcc/x86_64-linux-gnu/12
#include <...> search starts here:
 /usr/lib/llvm-14/lib/clang/14.0.6/include
 /usr/include
 /Library/Frameworks (framework directory)
End of search list.
`;

describe('toolchain discovery: parsing what the tools say', () => {
  it('reads the libraries and the loader from ldd, not the vDSO', () => {
    expect(parseLdd(LDD)).toEqual({
      libs: ['/lib/x86_64-linux-gnu/libisl.so.23', '/lib/x86_64-linux-gnu/libc.so.6'],
      loader: '/lib64/ld-linux-x86-64.so.2',
    });
    expect(parseLdd('\tstatically linked\n')).toEqual({ libs: [], loader: null });
  });

  it("reads gcc's and clang's #include folders and clang's GCC installation", () => {
    expect(parseVerbose(GCC_VERBOSE)).toEqual({
      includeDirs: [
        '/usr/lib/gcc/x86_64-linux-gnu/12/include',
        '/usr/local/include',
        '/usr/include/x86_64-linux-gnu',
        '/usr/include',
      ],
      gccInstall: null,
    });
    expect(parseVerbose(CLANG_VERBOSE)).toEqual({
      includeDirs: ['/usr/lib/llvm-14/lib/clang/14.0.6/include', '/usr/include', '/Library/Frameworks'],
      gccInstall: '/usr/bin/../lib/gcc/x86_64-linux-gnu/12',
    });
    expect(parseVerbose('clang: error: no input files\n')).toEqual({ includeDirs: [], gccInstall: null });
  });

  it('finds the driver a wrapper runs, and the interpreter of a script', () => {
    expect(parseCollectGcc("Target: x86_64-linux-gnu\nCOLLECT_GCC=gcc\nCOLLECT_GCC_OPTIONS='-E'\n")).toBe('gcc');
    expect(parseCollectGcc('clang version 14\n')).toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-script-'));
    fs.writeFileSync(path.join(dir, 'c99'), '#! /bin/sh\nexec gcc -std=c99 "$@"\n');
    fs.writeFileSync(path.join(dir, 'elf'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
    expect(scriptInterpreter(path.join(dir, 'c99'))).toBe('/bin/sh');
    expect(scriptInterpreter(path.join(dir, 'elf'))).toBeNull();
    expect(scriptInterpreter(path.join(dir, 'missing'))).toBeNull();
    fs.rmSync(dir, { recursive: true });
  });

  it("reads gcc's installation folder", () => {
    expect(parseInstallDir('install: /usr/lib/gcc/x86_64-linux-gnu/12/\nprograms: =/usr/lib\n')).toBe(
      '/usr/lib/gcc/x86_64-linux-gnu/12/',
    );
    expect(parseInstallDir('programs: =/usr/bin\n')).toBeNull();
  });
});

describe('toolchain discovery on this host', () => {
  const hidden = /^\/usr\/(local|src|share)(\/|$)/;

  it('gcc: its compiler proper, headers and C library, and nothing under /usr/local, /usr/src or /usr/share', async () => {
    const paths = await compilerPaths('gcc');
    expect(paths).toContain('/usr/bin/gcc');
    expect(paths.some((p) => p.endsWith('/cc1'))).toBe(true);
    expect(paths).toContain('/usr/include');
    expect(paths.filter((p) => hidden.test(p))).toEqual([]);
    const binds = mountPlan(paths).flatMap((o) => (o.kind === 'bind' ? [o.path] : []));
    expect(binds.filter((p) => hidden.test(p))).toEqual([]);
    expect(binds).not.toContain('/usr');
    expect(binds).not.toContain('/usr/bin');
  });

  it('a compiled program: the loader and the C library, no compiler', async () => {
    const paths = await runtimePaths('gcc');
    expect(paths.some((p) => /ld-linux/.test(p))).toBe(true);
    expect(paths.some((p) => /cc1|\/usr\/bin|include/.test(p))).toBe(false);
  });

  const commands = ['gcc', 'cc', 'c99', 'clang'].filter((c) => onSandboxPath(c) !== null);
  it.each(commands)('%s (as an assignment may name it) compiles a program with -lm that then runs', async (cc) => {
    const sandbox = new Sandbox();
    const source = Buffer.from(
      '#include <math.h>\n#include <stdio.h>\nint main(void) { double x; if (scanf("%lf", &x) != 1) return 1;\n' +
        '  printf("%.3f\\n", sqrt(x)); return 0; }\n',
    );
    const { runs, binary } = await sandbox.compile(
      source,
      [
        [cc, '-O2', '-o', '/tmp/prog', '/tmp/main.c', '-lm'],
        [cc, '-Wall', '-Wextra', '-c', '-o', '/dev/null', '/tmp/main.c'],
      ],
      DEFAULT_COMPILE_LIMITS,
    );
    expect(runs.map((r) => [r.exitCode, r.stderr.toString()])).toEqual([
      [0, ''],
      [0, ''],
    ]);
    const [run] = await sandbox.run(binary, [Buffer.from('2\n')], DEFAULT_TEST_LIMITS);
    expect(run!.stdout.toString()).toBe('1.414\n');
  });

  it('a compiler the host does not have: nothing of it to show, and the sandbox still starts to say so', async () => {
    expect(await compilerPaths('no-such-compiler-fixsense')).toEqual([]);
    // the runner's own libraries are always shown: without them bwrap could not exec it at all
    expect(
      (await runtimePaths('no-such-compiler-fixsense', [await runnerBinary()])).some((p) => /ld-linux/.test(p)),
    ).toBe(true);
    const { runs, binary } = await new Sandbox().compile(
      Buffer.from('int main(void) { return 0; }\n'),
      [['no-such-compiler-fixsense', '-o', '/tmp/prog', '/tmp/main.c']],
      DEFAULT_COMPILE_LIMITS,
    );
    expect(runs[0]).toMatchObject({ spawnFailed: true });
    expect(runs[0]!.stderr.toString()).toBe('No such file or directory');
    expect(binary.length).toBe(0);
  });
});
