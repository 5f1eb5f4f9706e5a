import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The PostgreSQL the tests use (trust auth on this machine and in CI); each test file makes its own database in it. */
export const PG_ADMIN_URL = process.env.FIXSENSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  /** What `--db` or `openStore({ db })` takes. */
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/** A new, empty PostgreSQL database with a random name, so parallel test files never meet. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `fx_store_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** A new SQLite file in a temporary folder. */
export function freshSqlite(): TestDatabase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-store-'));
  return {
    kind: 'sqlite',
    url: path.join(dir, 'store.db'),
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export const fresh = (kind: 'sqlite' | 'postgres'): Promise<TestDatabase> =>
  kind === 'sqlite' ? Promise.resolve(freshSqlite()) : freshPostgres();

/** Every store test runs on both databases. */
export const KINDS = ['sqlite', 'postgres'] as const;

/** Reads the database directly, past the store: what is really in the tables. */
export async function rawRows(d: TestDatabase, query: string): Promise<Record<string, unknown>[]> {
  if (d.kind === 'sqlite') {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(d.url, { readonly: true });
    try {
      return db.prepare(query).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: d.url });
  await c.connect();
  try {
    return (await c.query(query)).rows;
  } finally {
    await c.end();
  }
}

/** The user tables, sorted. */
export async function tablesOf(d: TestDatabase): Promise<string[]> {
  const rows = await rawRows(
    d,
    d.kind === 'sqlite'
      ? "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
      : "select table_name as name from information_schema.tables where table_schema = 'public'",
  );
  return rows.map((r) => String(r.name)).sort();
}
