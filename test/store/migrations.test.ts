import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSqliteFile, redact, resolveDbTarget } from '../../src/store/db-target.js';
import { StoreConfigError, StoreSchemaError, StoreUnavailableError } from '../../src/store/errors.js';
import { migrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/store.js';
import { fresh, freshSqlite, KINDS, PG_ADMIN_URL, rawRows, tablesOf, type TestDatabase } from './databases.js';

const TABLES = [
  'assignment_modes',
  'claims',
  'kysely_migration',
  'kysely_migration_lock',
  'meta',
  'model_alias_log',
  'model_aliases',
  'model_versions',
  'reviews',
  'sessions',
  'submission_details',
  'submission_sources',
  'submission_tags',
  'submission_tests',
  'submissions',
];

describe('which database', () => {
  it('--db wins over DATABASE_URL, which wins over the embedded default', () => {
    const env = { DATABASE_URL: 'postgres://u:secret@db.example:5432/course' };
    expect(resolveDbTarget('data/x.db', env)).toEqual({ kind: 'sqlite', file: expect.stringMatching(/data\/x\.db$/) });
    expect(resolveDbTarget(undefined, env)).toEqual({ kind: 'postgres', url: env.DATABASE_URL });
    expect(resolveDbTarget(undefined, {})).toEqual({ kind: 'sqlite', file: defaultSqliteFile });
    expect(resolveDbTarget('postgresql://h/db', {})).toEqual({ kind: 'postgres', url: 'postgresql://h/db' });
    expect(defaultSqliteFile).toMatch(/\/data\/fixsense\.db$/);
  });

  it('refuses another URL scheme rather than making a file of it, and never prints a password', () => {
    expect(() => resolveDbTarget('mysql://u:pw@h/db', {})).toThrow(StoreConfigError);
    expect(() => resolveDbTarget('mysql://u:pw@h/db', {})).toThrow(/mysql:\/\/u:\*\*\*@h\/db/);
    expect(redact('postgres://u:secret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
  });
});

describe.each(KINDS)('migrations on %s', (kind) => {
  let d: TestDatabase;
  afterEach(async () => d?.drop());

  it('run up from an empty database, create every table, and have nothing left to do after', async () => {
    d = await fresh(kind);
    const store = await openStore({ db: d.url });
    try {
      expect(await tablesOf(d)).toEqual(TABLES);
      expect(await store.schemaStatus()).toEqual({ applied: Object.keys(migrations(kind)), pending: [] });
      expect(await store.migrate()).toEqual([]);
    } finally {
      await store.close();
    }
    // opening again migrates nothing and keeps what is there
    const again = await openStore({ db: d.url });
    expect(await again.migrate()).toEqual([]);
    await again.close();
  });

  it('with migrate: false, opening does not touch the schema', async () => {
    d = await fresh(kind);
    const store = await openStore({ db: d.url, migrate: false });
    expect(await store.schemaStatus()).toEqual({ applied: [], pending: Object.keys(migrations(kind)) });
    await store.close();
    expect((await tablesOf(d)).filter((t) => !t.startsWith('kysely_'))).toEqual([]);
  });

  it('refuse a database migrated by a newer fixsense', async () => {
    d = await fresh(kind);
    await (await openStore({ db: d.url })).close();
    const insert =
      "insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')";
    if (kind === 'sqlite') {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(d.url);
      db.exec(insert);
      db.close();
    } else {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: d.url });
      await c.connect();
      await c.query(insert);
      await c.end();
    }
    await expect(openStore({ db: d.url })).rejects.toThrow(StoreSchemaError);
    await expect(openStore({ db: d.url })).rejects.toThrow(/newer fixsense.*9999_from_the_future/);
  });
});

describe('opening errors', () => {
  it('SQLite: a read-only command on a missing file says so instead of creating an empty database', async () => {
    const d = freshSqlite();
    await expect(openStore({ db: d.url, create: false })).rejects.toThrow(StoreConfigError);
    await expect(openStore({ db: d.url, create: false })).rejects.toThrow(/no database at .*store\.db/);
    expect(fs.existsSync(d.url)).toBe(false);
    await d.drop();
  });

  it('SQLite: a file that is not a database is a configuration error', async () => {
    const d = freshSqlite();
    fs.writeFileSync(
      d.url,
      'this is not a database, it is a text file that is long enough to have a header'.repeat(20),
    );
    await expect(openStore({ db: d.url })).rejects.toThrow(StoreConfigError);
    await d.drop();
  });

  it('SQLite: WAL mode and foreign keys are on', async () => {
    const d = freshSqlite();
    await (await openStore({ db: d.url })).close();
    expect(await rawRows(d, 'pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    await d.drop();
  });

  it('PostgreSQL: nothing listening is "unavailable" (retry later); a database that does not exist is a setting to fix', async () => {
    await expect(openStore({ db: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutMs: 2000 })).rejects.toThrow(
      StoreUnavailableError,
    );
    const missing = new URL(PG_ADMIN_URL);
    missing.pathname = '/fx_store_does_not_exist';
    await expect(openStore({ db: missing.toString() })).rejects.toThrow(StoreConfigError);
  });
});
