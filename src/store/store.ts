import {
  agreement,
  checkReview,
  listReviews,
  recordReview,
  reviewedPredictions,
  reviewerStats,
  undoReview,
  type ReviewFilter,
  type ReviewInput,
} from './reviews.js';
import { claim, DEFAULT_CLAIM_MS, releaseClaim, type ClaimResult } from './claims.js';
import { connect, type Connection, type Dialect } from './connect.js';
import { describeTarget, resolveDbTarget, type DbTarget } from './db-target.js';
import { classifyError, NotFoundError } from './errors.js';
import { exportRows, type ExportOptions, type ExportRow } from './export-term.js';
import { type GradingRecord, type Mode, type Publication } from './grading-record.js';
import {
  countSubmissions,
  getSubmission,
  listSubmissions,
  type ListedSubmission,
  type ListOptions,
  type SubmissionDetail,
} from './list-submissions.js';
import { migrate, schemaStatus, writeTransaction } from './migrate.js';
import {
  aliasLog,
  assignmentModes,
  clearAssignmentMode,
  getAlias,
  listModelVersions,
  moveAlias,
  registerModelVersion,
  setAssignmentMode,
} from './model-versions.js';
import { purgeExpired, purgeSources } from './purge.js';
import { applyPublication, checkRecord, ensureCourse, recordOne, type Recorded } from './record-grading.js';
import { createSession, deleteSession, getSession, touchSession, type Session } from './sessions.js';
import type { SubmissionFilter } from './submission-rows.js';
import { groupSubmissions, latestTerm, termSummary, terms, type TermSummary } from './term-summary.js';

export interface OpenStoreOptions {
  /** An SQLite file or a postgres:// URL; else env.DATABASE_URL; else data/fixsense.db. */
  db?: string;
  env?: NodeJS.ProcessEnv;
  /** Run the migrations on opening (default true). */
  migrate?: boolean;
  /** Create a missing SQLite file (default true; read-only commands say false and get a clear error). */
  create?: boolean;
  /** Sources larger than this are not kept (their size and hash are). Default 256 KiB. */
  maxSourceBytes?: number;
  /** SQLite: how long a writer waits for another process's write. Default 5 s. */
  busyTimeoutMs?: number;
  /** PostgreSQL: pool size (default 10) and how long to wait for a connection (default 5 s). */
  poolSize?: number;
  connectTimeoutMs?: number;
  /** Time source, for tests. */
  clock?: () => number;
}

export const DEFAULT_MAX_SOURCE_BYTES = 256 * 1024;

/** Opens the store (and migrates it unless told not to). Throws the store's named errors. */
export async function openStore(o: OpenStoreOptions = {}): Promise<Store> {
  const target = resolveDbTarget(o.db, o.env ?? process.env);
  const where = describeTarget(target);
  let c: Connection;
  try {
    c = connect(target, {
      create: o.create ?? true,
      busyTimeoutMs: o.busyTimeoutMs ?? 5000,
      poolSize: o.poolSize ?? 10,
      connectTimeoutMs: o.connectTimeoutMs ?? 5000,
    });
  } catch (err) {
    throw classifyError(err, where);
  }
  const store = new Store(c, o.maxSourceBytes ?? DEFAULT_MAX_SOURCE_BYTES, o.clock ?? Date.now);
  if (o.migrate ?? true)
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  return store;
}

/**
 * Every grading, review and model version of one course, in SQLite or PostgreSQL. Each
 * method turns driver errors into the store's named errors (errors.ts): a caller retries on
 * StoreUnavailableError and reports the others.
 */
export class Store {
  readonly dialect: Dialect;
  readonly target: DbTarget;
  #courseSeen: string | null = null;

  constructor(
    private readonly c: Connection,
    readonly maxSourceBytes: number,
    private readonly now: () => number,
  ) {
    this.dialect = c.dialect;
    this.target = c.target;
  }

  /** "SQLite /path" or "PostgreSQL postgres://user@host/db" (no password). */
  get description(): string {
    return describeTarget(this.target);
  }

  async #run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (err) {
      throw classifyError(err, this.description);
    }
  }

  /** The course this database holds; null before its first recording. */
  course(): Promise<string | null> {
    return this.#run(
      async () =>
        (await this.c.db.selectFrom('meta').select('value').where('key', '=', 'course').executeTakeFirst())?.value ??
        null,
    );
  }

  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]> {
    return this.#run(() => migrate(this.c));
  }

  schemaStatus(): Promise<{ applied: string[]; pending: string[] }> {
    return this.#run(() => schemaStatus(this.c));
  }

  /** Records one grading, once: the same job id again returns the first row's id with created false. */
  async recordGrading(input: GradingRecord): Promise<Recorded> {
    const [r] = await this.recordGradings([input]);
    return r!;
  }

  /** Several gradings in one transaction (imports, the bench): all or none. */
  async recordGradings(inputs: GradingRecord[]): Promise<Recorded[]> {
    const checked = inputs.map(checkRecord);
    return this.#run(() =>
      writeTransaction(this.c, async (trx) => {
        const now = this.now();
        const out: Recorded[] = [];
        let seen = this.#courseSeen;
        for (const g of checked) {
          if (seen !== g.course) await ensureCourse(trx, g.course);
          seen = g.course;
          out.push(await recordOne(trx, g, { now, maxSourceBytes: this.maxSourceBytes }));
        }
        // remembered only once committed: a rolled-back first recording must check again
        this.#courseSeen = seen;
        return out;
      }),
    );
  }

  /** The check run's and comment's ids, when they are known after recording. Ids already recorded stay. */
  async recordPublication(jobId: string, p: Publication): Promise<void> {
    return this.#run(async () => {
      const n = await applyPublication(this.c.db, jobId, p);
      if (!n) throw new NotFoundError(`no grading recorded for job ${jobId}`);
    });
  }

  /** The submission recorded for a job id, if any. */
  async findByJobId(jobId: string): Promise<ListedSubmission | null> {
    return this.#run(async () => {
      const row = await this.c.db.selectFrom('submissions').select('id').where('job_id', '=', jobId).executeTakeFirst();
      if (!row) return null;
      const [s] = await listSubmissions(this.c.db, { ids: [row.id] }, { limit: 1 }, this.now());
      return s ?? null;
    });
  }

  getSubmission(id: number): Promise<SubmissionDetail | null> {
    return this.#run(() => getSubmission(this.c.db, id, this.now()));
  }

  listSubmissions(f: SubmissionFilter = {}, o: ListOptions = {}): Promise<ListedSubmission[]> {
    return this.#run(() => listSubmissions(this.c.db, f, o, this.now()));
  }

  countSubmissions(f: SubmissionFilter = {}): Promise<number> {
    return this.#run(() => countSubmissions(this.c.db, f));
  }

  groupSubmissions(f: SubmissionFilter = {}) {
    return this.#run(() => groupSubmissions(this.c.db, f));
  }

  terms() {
    return this.#run(() => terms(this.c.db));
  }

  latestTerm(): Promise<string | null> {
    return this.#run(() => latestTerm(this.c.db));
  }

  termSummary(f: { term?: string } & Omit<SubmissionFilter, 'term'> = {}): Promise<TermSummary> {
    return this.#run(() => termSummary(this.c.db, f));
  }

  /** The term's submissions, streamed in id order (the latest term when none is named). */
  async *exportTerm(o: ExportOptions = {}): AsyncGenerator<ExportRow> {
    const term = o.term ?? (await this.latestTerm());
    if (term === null) return;
    const it = exportRows(this.c.db, { ...o, term });
    while (true) {
      const next = await this.#run(() => it.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** A TA's label; the submission counts as reviewed and the TA's claim on it ends. */
  async recordReview(input: ReviewInput) {
    const r = checkReview(input);
    return this.#run(() => writeTransaction(this.c, (trx) => recordReview(trx, r)));
  }

  /** Takes back the TA's latest review of a submission (undo); null when theirs is not the latest. */
  undoReview(o: { submissionId: number; reviewer: string }) {
    return this.#run(() => writeTransaction(this.c, (trx) => undoReview(trx, o)));
  }

  listReviews(f: ReviewFilter = {}) {
    return this.#run(() => listReviews(this.c.db, f));
  }

  reviewerStats(f: Omit<ReviewFilter, 'submissionId'> = {}) {
    return this.#run(() => reviewerStats(this.c.db, f));
  }

  agreement(f: { term?: string; modelVersion?: string } = {}) {
    return this.#run(() => agreement(this.c.db, f));
  }

  /** Claims a submission for a TA for ttlMs (default 5 minutes); renewing one's own claim extends it. */
  claim(submissionId: number, reviewer: string, o: { ttlMs?: number } = {}): Promise<ClaimResult> {
    return this.#run(() =>
      claim(this.c.db, submissionId, reviewer, { now: this.now(), ttlMs: o.ttlMs ?? DEFAULT_CLAIM_MS }),
    );
  }

  releaseClaim(submissionId: number, reviewer: string): Promise<boolean> {
    return this.#run(() => releaseClaim(this.c.db, submissionId, reviewer));
  }

  /**
   * The next item of the review queue that nobody else holds, claimed for this TA: the first
   * unclaimed match in the given order; when another TA takes it in the same instant, the next.
   */
  async claimNext(
    reviewer: string,
    f: SubmissionFilter = {},
    o: { order?: ListOptions['order']; ttlMs?: number } = {},
  ): Promise<ListedSubmission | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidates = await this.listSubmissions(
        { reviewed: false, ...f, unclaimed: { now: this.now(), except: reviewer } },
        { order: o.order ?? 'uncertainty', limit: 5 },
      );
      if (!candidates.length) return null;
      for (const c of candidates) {
        const got = await this.claim(c.id, reviewer, o.ttlMs !== undefined ? { ttlMs: o.ttlMs } : {});
        if (got.ok) return { ...c, claim: { reviewer, expiresAt: got.expiresAt } };
      }
    }
    return null;
  }

  createSession(
    token: string,
    s: { login: string; userId?: number | null; expiresAt: number; data?: Record<string, unknown> },
  ): Promise<void> {
    return this.#run(() => createSession(this.c.db, token, { ...s, now: this.now() }));
  }

  getSession(token: string): Promise<Session | null> {
    return this.#run(() => getSession(this.c.db, token, this.now()));
  }

  touchSession(token: string, o: { expiresAt?: number } = {}): Promise<boolean> {
    return this.#run(() => touchSession(this.c.db, token, { ...o, now: this.now() }));
  }

  deleteSession(token: string): Promise<void> {
    return this.#run(() => deleteSession(this.c.db, token));
  }

  registerModelVersion(v: { version: string; by: string; sha256?: string | null; manifest?: unknown; notes?: string }) {
    return this.#run(() => registerModelVersion(this.c.db, { ...v, now: this.now() }));
  }

  listModelVersions() {
    return this.#run(() => listModelVersions(this.c.db));
  }

  /** Moves an alias (e.g. "serving") to a registered version, logged with who, when and why. */
  moveAlias(m: { alias: string; version: string; by: string; reason?: string }) {
    return this.#run(() => writeTransaction(this.c, (trx) => moveAlias(trx, { ...m, now: this.now() })));
  }

  getAlias(alias: string) {
    return this.#run(() => getAlias(this.c.db, alias));
  }

  aliasLog(alias?: string) {
    return this.#run(() => aliasLog(this.c.db, alias));
  }

  setAssignmentMode(m: { assignment: string; mode: Mode; by: string }) {
    return this.#run(() => setAssignmentMode(this.c.db, { ...m, now: this.now() }));
  }

  clearAssignmentMode(assignment: string) {
    return this.#run(() => clearAssignmentMode(this.c.db, assignment));
  }

  /** Each reviewed prediction of an assignment: did the TA agree, and how sure was the model. */
  reviewedPredictions(f: { term: string; assignment: string }) {
    return this.#run(() => reviewedPredictions(this.c.db, f));
  }

  assignmentModes() {
    return this.#run(() => assignmentModes(this.c.db));
  }

  /** Retention: deletes the sources of gradings graded before `before` (epoch ms). */
  purgeSources(o: { before: number; dryRun?: boolean }) {
    return this.#run(() => writeTransaction(this.c, (trx) => purgeSources(trx, o)));
  }

  purgeExpired() {
    return this.#run(() => purgeExpired(this.c.db, this.now()));
  }

  #closed = false;

  /** Closes the connection (the pool); calling it again does nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.c.close();
  }
}
