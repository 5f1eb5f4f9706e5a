import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/store.js';
import { freshPostgres, freshSqlite, rawRows, type TestDatabase } from './databases.js';
import { sampleRecord } from './sample-record.js';
import { Relay } from '../helpers/tcp-relay.js';

describe('PostgreSQL going down and coming back', () => {
  let d: TestDatabase;
  let relay: Relay;
  beforeAll(async () => {
    d = await freshPostgres();
    const u = new URL(d.url);
    relay = new Relay({ host: u.hostname, port: Number(u.port || 5432) });
    await relay.up();
  });
  afterAll(async () => d?.drop());

  it('a recording while it is down fails as "unavailable", writes nothing, and succeeds in full once it is back', async () => {
    const u = new URL(d.url);
    u.port = String(relay.port);
    const store = await openStore({ db: u.toString(), connectTimeoutMs: 2000 });
    expect((await store.recordGrading(sampleRecord(1))).created).toBe(true);

    await relay.down();
    await expect(store.recordGrading(sampleRecord(2))).rejects.toThrow(StoreUnavailableError);
    await expect(store.termSummary()).rejects.toThrow(StoreUnavailableError);

    await relay.up();
    // the queue's retry: the same job, recorded once, with all its rows
    expect((await store.recordGrading(sampleRecord(2))).created).toBe(true);
    expect((await store.recordGrading(sampleRecord(2))).created).toBe(false);
    expect(await store.countSubmissions({})).toBe(2);
    const tests = await rawRows(d, 'select count(*) as n from submission_tests');
    expect(Number(tests[0]!.n)).toBe(16);
    await store.close();
    await relay.down();
  });
});

describe('SQLite busy past its timeout', () => {
  it('is "unavailable" (retry), and the retry records the grading once another writer is done', async () => {
    const d = freshSqlite();
    const store = await openStore({ db: d.url, busyTimeoutMs: 100 });
    const other = new Database(d.url);
    other.exec('begin immediate');
    await expect(store.recordGrading(sampleRecord(1))).rejects.toThrow(StoreUnavailableError);
    other.exec('commit');
    other.close();
    expect((await store.recordGrading(sampleRecord(1))).created).toBe(true);
    expect(await store.countSubmissions({})).toBe(1);
    await store.close();
    await d.drop();
  });
});
