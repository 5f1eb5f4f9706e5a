import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
import type { Connection } from './connect.js';
import { StoreSchemaError } from './errors.js';
import { migrations } from './migrations.js';
import type { DB } from './schema.js';

function migrator(db: Kysely<DB>, c: Connection): Migrator {
  const list = migrations(c.dialect);
  return new Migrator({ db, provider: { getMigrations: async () => list } });
}

function check(r: MigrationResultSet): string[] {
  if (r.error) {
    const e = r.error as Error;
    const missing = /previously executed migration (\S+) is missing/.exec(e.message);
    if (missing)
      throw new StoreSchemaError(
        `the database was migrated by a newer fixsense (migration ${missing[1]} is unknown to this one): upgrade fixsense`,
        { cause: e },
      );
    throw e;
  }
  return (r.results ?? []).filter((m) => m.status === 'Success').map((m) => m.migrationName);
}

/**
 * Brings the schema up to date; returns the migrations it ran (none when it was current).
 * PostgreSQL: Kysely's migrator, in a transaction under an advisory lock. SQLite: Kysely
 * takes no lock there (it assumes one process), so the whole run goes inside one BEGIN
 * IMMEDIATE: a second process starting at the same moment waits, then finds nothing to do,
 * and a failed migration leaves no half-made schema (SQLite's DDL is transactional).
 */
export async function migrate(c: Connection): Promise<string[]> {
  if (c.dialect === 'postgres') return check(await migrator(c.db, c).migrateToLatest());
  return c.db
    .connection()
    .execute((conn) => immediate(conn, async () => check(await migrator(conn, c).migrateToLatest())));
}

/** Which migrations the database has and which it lacks. */
export async function schemaStatus(c: Connection): Promise<{ applied: string[]; pending: string[] }> {
  const all = await migrator(c.db, c).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt).map((m) => m.name),
    pending: all.filter((m) => !m.executedAt).map((m) => m.name),
  };
}

/**
 * A write transaction. SQLite: BEGIN IMMEDIATE, so a writer waits (busy_timeout) for another
 * process's write at the start instead of failing when it upgrades a read lock (Kysely's own
 * transaction() issues a plain, deferred BEGIN). PostgreSQL: an ordinary transaction.
 */
export async function writeTransaction<T>(c: Connection, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (c.dialect === 'postgres') return c.db.transaction().execute(fn);
  return c.db.connection().execute((conn) => immediate(conn, () => fn(conn)));
}

/** fn inside BEGIN IMMEDIATE … COMMIT on one SQLite connection, rolled back if anything (the commit too) fails. */
async function immediate<T>(conn: Kysely<DB>, fn: () => Promise<T>): Promise<T> {
  await sql`begin immediate`.execute(conn);
  try {
    const result = await fn();
    await sql`commit`.execute(conn);
    return result;
  } catch (err) {
    await sql`rollback`.execute(conn).catch(() => {});
    throw err;
  }
}
