import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { log } from '../core/log.js';
import { describeTarget, redact, type DbTarget } from './db-target.js';
import { classifyError, StoreConfigError } from './errors.js';
import { pgTypes } from './normalise.js';
import type { DB } from './schema.js';

export type Dialect = DbTarget['kind'];

export interface Connection {
  db: Kysely<DB>;
  dialect: Dialect;
  target: DbTarget;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Create the SQLite file (and its folder) when it does not exist; read-only commands say no. */
  create: boolean;
  /** How long an SQLite writer waits for another process's write to finish. */
  busyTimeoutMs: number;
  /** PostgreSQL: connections in the pool, and how long to wait for one before the database counts as down. */
  poolSize: number;
  connectTimeoutMs: number;
}

function openSqlite(file: string, o: ConnectOptions): Database.Database {
  if (file !== ':memory:') {
    if (!o.create && !fs.existsSync(file))
      throw new StoreConfigError(`no database at ${file} (fixsense db migrate creates one, or give --db)`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { timeout: o.busyTimeoutMs });
  } catch (err) {
    throw classifyError(err, describeTarget({ kind: 'sqlite', file }));
  }
  try {
    // WAL: the web and worker processes of one machine read while the other writes
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    const e = classifyError(err, describeTarget({ kind: 'sqlite', file }));
    throw (err as { code?: string }).code === 'SQLITE_NOTADB'
      ? new StoreConfigError(`${file} is not an SQLite database`, { cause: err })
      : e;
  }
  return sqlite;
}

/** A Kysely instance on the target, configured the same way for every caller. */
export function connect(target: DbTarget, o: ConnectOptions): Connection {
  if (target.kind === 'sqlite') {
    const sqlite = openSqlite(target.file, o);
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', target, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    types: pgTypes,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // an idle connection that the server drops (a restart, a failover) must not crash the process:
  // the pool forgets it and the next query opens a new one
  pool.on('error', (err) => log('store-connection-lost', { database: redact(target.url), error: err.message }));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', target, close: () => db.destroy() };
}
