import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/commands/serve.js';

describe('the .env file of `fixsense serve`', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-env-'));

  it('is optional', () => {
    expect(loadEnvFile(path.join(dir, 'missing.env'))).toBe(false);
  });

  it('fills unset variables and never overrides the real environment', () => {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, '# a comment\nFIXSENSE_TEST_A=from-file\nFIXSENSE_TEST_B="quoted value"\n');
    process.env.FIXSENSE_TEST_A = 'from-environment';
    delete process.env.FIXSENSE_TEST_B;
    try {
      expect(loadEnvFile(file)).toBe(true);
      expect(process.env.FIXSENSE_TEST_A).toBe('from-environment');
      expect(process.env.FIXSENSE_TEST_B).toBe('quoted value');
    } finally {
      delete process.env.FIXSENSE_TEST_A;
      delete process.env.FIXSENSE_TEST_B;
    }
  });
});
