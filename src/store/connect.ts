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

/**
 * SQLite connections of this process, by file. better-sqlite3 is synchronous: a second
 * connection to the same file that waits for the first one's write lock blocks the very
 * thread that would release it. So every store of a process (the web server's and the
 * worker's, in `serve`) shares one connection per file, and Kysely queues their queries.
 */
const sqliteShared = new Map<string, { db: Kysely<DB>; users: number }>();

function connectSqlite(target: { kind: 'sqlite'; file: string }, o: ConnectOptions): Connection {
  const key = target.file;
  let entry = key === ':memory:' ? undefined : sqliteShared.get(key);
  if (!entry) {
    entry = { db: new Kysely<DB>({ dialect: new SqliteDialect({ database: openSqlite(target.file, o) }) }), users: 0 };
    if (key !== ':memory:') sqliteShared.set(key, entry);
  }
  entry.users++;
  const e = entry;
  let closed = false;
  return {
    db: e.db,
    dialect: 'sqlite',
    target,
    close: async () => {
      if (closed) return;
      closed = true;
      if (--e.users > 0) return;
      if (sqliteShared.get(key) === e) sqliteShared.delete(key);
      await e.db.destroy();
    },
  };
}

/** A Kysely instance on the target, configured the same way for every caller. */
export function connect(target: DbTarget, o: ConnectOptions): Connection {
  if (target.kind === 'sqlite') return connectSqlite(target, o);
  const pool = new pg.Pool({
    connectionString: target.url,
    types: pgTypes,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // a connection the server drops (a restart, a failover, the network) must not crash the
  // process: the pool forgets an idle one, the query on a busy one fails (StoreUnavailableError)
  // and the next query opens a new connection. pg emits the error on the pool for an idle
  // client but on the client itself while it is checked out, so both get a listener.
  const lost = (err: Error) => log('store-connection-lost', { database: redact(target.url), error: err.message });
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', target, close: () => db.destroy() };
}
