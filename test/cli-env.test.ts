/**
 * Every FIXSENSE_* variable is checked once, at the CLI's entry (and again after serve reads
 * its .env file): a bad value is refused by name before anything runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixsenseEnv, sandboxSettings } from '../src/app/config.js';
import { ConfigError } from '../src/core/config-error.js';
import { defaultSandboxOptions } from '../src/sandbox/sandbox.js';
import { defaultUidPoolOptions } from '../src/sandbox/uid-pool.js';
import { runCli } from './helpers/run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-env-check-'));

describe('fixsenseEnv', () => {
  it('unset variables take the defaults the modules use today', () => {
    const e = fixsenseEnv({});
    const s = sandboxSettings(e);
    expect(s.uidPool).toEqual(defaultUidPoolOptions({}));
    const sandbox = defaultSandboxOptions({});
    expect({ bwrapPath: s.bwrapPath, slots: s.slots }).toEqual({ bwrapPath: sandbox.bwrapPath, slots: sandbox.slots });
    expect(s.runnerCompiler).toBe('gcc');
    expect(e.FIXSENSE_CC).toBe('gcc');
    expect(e.FIXSENSE_QUIET).toBe(false);
    expect(path.isAbsolute(e.FIXSENSE_CACHE_DIR)).toBe(true);
  });

  it('set variables are parsed', () => {
    const e = fixsenseEnv({
      FIXSENSE_SANDBOX_SLOTS: '3',
      FIXSENSE_SANDBOX_UID_BASE: '70000',
      FIXSENSE_SANDBOX_UIDS: '8',
      FIXSENSE_SANDBOX_LOCK_DIR: '/run/x',
      FIXSENSE_BWRAP: '/usr/local/bin/bwrap',
      FIXSENSE_QUIET: '1',
      FIXSENSE_CACHE_DIR: 'rel/cache',
    });
    expect(sandboxSettings(e)).toMatchObject({
      slots: 3,
      bwrapPath: '/usr/local/bin/bwrap',
      uidPool: { base: 70000, size: 8, lockDir: '/run/x' },
    });
    expect(e.FIXSENSE_QUIET).toBe(true);
    expect(e.FIXSENSE_CACHE_DIR).toBe(path.resolve('rel/cache'));
  });

  it.each([
    ['FIXSENSE_SANDBOX_SLOTS', 'abc', 'expected an integer ≥ 1, got "abc"'],
    ['FIXSENSE_SANDBOX_SLOTS', '0', 'expected an integer ≥ 1, got "0"'],
    ['FIXSENSE_SANDBOX_SLOTS', '2.5', 'expected an integer ≥ 1, got "2.5"'],
    ['FIXSENSE_SANDBOX_SLOTS', '', 'expected an integer ≥ 1, got ""'],
    ['FIXSENSE_SANDBOX_UID_BASE', '0', 'expected an integer from 1000 to 2147483647, got "0"'],
    ['FIXSENSE_SANDBOX_UIDS', '-4', 'expected an integer from 1 to 2147483647, got "-4"'],
    ['FIXSENSE_SANDBOX_LOCK_DIR', 'locks', 'expected an absolute path, got "locks"'],
    ['FIXSENSE_BWRAP', '', 'expected a command, got ""'],
    ['FIXSENSE_HOST_CC', '', 'expected a command, got ""'],
    ['FIXSENSE_CC', '', 'expected a command, got ""'],
    ['FIXSENSE_CACHE_DIR', '', 'expected a path, got ""'],
    ['FIXSENSE_INTROCLASS', '', 'expected a path, got ""'],
    ['FIXSENSE_QUIET', 'yes', 'expected 0 or 1, got "yes"'],
  ])('%s=%j is refused by name', (name, value, message) => {
    expect(() => fixsenseEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => fixsenseEnv({ [name]: value })).toThrow(`${name}: ${message}`);
  });

  it('a uid range past the largest uid is refused', () => {
    expect(() => fixsenseEnv({ FIXSENSE_SANDBOX_UID_BASE: '2147483600', FIXSENSE_SANDBOX_UIDS: '64' })).toThrow(
      /^FIXSENSE_SANDBOX_UIDS: the uids 2147483600\.\.2147483663 pass the largest uid/,
    );
  });

  it('several bad values are all named', () => {
    expect(() => fixsenseEnv({ FIXSENSE_SANDBOX_SLOTS: 'x', FIXSENSE_QUIET: 'true' })).toThrow(
      'FIXSENSE_SANDBOX_SLOTS: expected an integer ≥ 1, got "x"; FIXSENSE_QUIET: expected 0 or 1, got "true"',
    );
  });
});

describe('the CLI checks the environment before anything runs', () => {
  it('FIXSENSE_SANDBOX_SLOTS=abc: exit 2 with the variable, the rule and the value', () => {
    const c = path.join(dir, 'ok.c');
    fs.writeFileSync(c, 'int main(void) { return 0; }\n');
    const r = runCli(['grade', c, '--assignment', 'median'], { FIXSENSE_SANDBOX_SLOTS: 'abc' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('fixsense: FIXSENSE_SANDBOX_SLOTS: expected an integer ≥ 1, got "abc"\n');
    expect(r.stdout).toBe('');
  });

  it('serve checks the variables its .env file sets as well', () => {
    const env = path.join(dir, '.env');
    fs.writeFileSync(env, 'FIXSENSE_SANDBOX_SLOTS=abc\n');
    const r = runCli(['serve', '--env-file', env], { FIXSENSE_QUIET: '1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('fixsense: FIXSENSE_SANDBOX_SLOTS: expected an integer ≥ 1, got "abc"\n');
  });
});
