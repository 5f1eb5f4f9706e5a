import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, StoreInputError } from '../../src/store/errors.js';
import { openStore, type Store } from '../../src/store/store.js';
import { fresh, KINDS, rawRows, type TestDatabase } from './databases.js';
import { sampleRecord, T0 } from './sample-record.js';

const MIN = 60_000;

/**
 * A small term whose every figure is known: median has 3 gradings by 2 students (alice fails
 * twice then passes, bob fails once, unsure); smallest has 1 compile error by carol. Plus one
 * grading of an older term.
 */
const TERM = [
  sampleRecord(1, {
    term: 'fall',
    assignment: 'median',
    student: 'alice',
    outcome: 'FAIL',
    fixType: 'MISSING_CASE',
    confidence: 0.9,
    flagged: false,
    receivedAt: T0 + 1 * MIN,
  }),
  sampleRecord(2, {
    term: 'fall',
    assignment: 'median',
    student: 'alice',
    outcome: 'FAIL',
    fixType: 'WRONG_CONDITION',
    confidence: 0.4,
    flagged: true,
    receivedAt: T0 + 2 * MIN,
  }),
  sampleRecord(3, { term: 'fall', assignment: 'median', student: 'alice', outcome: 'PASS', receivedAt: T0 + 3 * MIN }),
  sampleRecord(4, {
    term: 'fall',
    assignment: 'median',
    student: 'bob',
    outcome: 'FAIL',
    fixType: 'MISSING_CASE',
    confidence: 0.5,
    flagged: true,
    receivedAt: T0 + 4 * MIN,
  }),
  sampleRecord(5, {
    term: 'fall',
    assignment: 'smallest',
    student: 'carol',
    outcome: 'COMPILE_ERROR',
    flagged: false,
    receivedAt: T0 + 5 * MIN,
  }),
  sampleRecord(6, {
    term: 'spring',
    assignment: 'median',
    student: 'dave',
    outcome: 'PASS',
    receivedAt: T0 - 100 * 24 * 60 * MIN,
  }),
];

describe.each(KINDS)('queries on %s', (kind) => {
  let d: TestDatabase;
  let store: Store;
  let now = T0 + 10 * MIN;
  const ids: number[] = [];
  beforeAll(async () => {
    d = await fresh(kind);
    store = await openStore({ db: d.url, clock: () => now });
    for (const r of await store.recordGradings(TERM)) ids.push(r.id);
  });
  afterAll(async () => {
    await store?.close();
    await d?.drop();
  });

  it('term summary: per assignment, submissions, students, passes, flags and the fix-type mix', async () => {
    const s = await store.termSummary({ term: 'fall' });
    expect(s).toEqual({
      term: 'fall',
      assignments: [
        {
          name: 'median',
          submissions: 4,
          students: 2,
          passed: 1,
          studentsPassed: 1,
          passRate: 0.25,
          flagged: 2,
          reviewed: 0,
          fixTypes: { MISSING_CASE: 2, WRONG_CONDITION: 1 },
        },
        {
          name: 'smallest',
          submissions: 1,
          students: 1,
          passed: 0,
          studentsPassed: 0,
          passRate: 0,
          flagged: 0,
          reviewed: 0,
          fixTypes: {},
        },
      ],
    });
    // no term named: the latest one
    expect((await store.termSummary()).term).toBe('fall');
    expect((await store.termSummary({ term: 'spring' })).assignments.map((a) => [a.name, a.submissions])).toEqual([
      ['median', 1],
    ]);
    expect(await store.termSummary({ term: 'no-such-term' })).toEqual({ term: 'no-such-term', assignments: [] });
    expect((await store.terms()).map((t) => [t.term, t.submissions])).toEqual([
      ['fall', 5],
      ['spring', 1],
    ]);
  });

  it('lists by filter, in the review queue orders: least sure first, oldest first, newest first', async () => {
    const median = (o: Parameters<Store['listSubmissions']>[1]) =>
      store
        .listSubmissions({ term: 'fall', assignment: 'median' }, o)
        .then((r) => r.map((x) => x.student.login + x.id));
    expect(await median({ order: 'newest' })).toEqual([
      `bob${ids[3]}`,
      `alice${ids[2]}`,
      `alice${ids[1]}`,
      `alice${ids[0]}`,
    ]);
    expect(await median({ order: 'oldest', limit: 2, offset: 1 })).toEqual([`alice${ids[1]}`, `alice${ids[2]}`]);
    // a pass has no prediction: no confidence counts as the least sure
    expect(await median({ order: 'uncertainty' })).toEqual([
      `alice${ids[2]}`,
      `alice${ids[1]}`,
      `bob${ids[3]}`,
      `alice${ids[0]}`,
    ]);

    const flagged = await store.listSubmissions({ term: 'fall', flagged: true }, { order: 'uncertainty' });
    expect(flagged.map((s) => s.id)).toEqual([ids[1], ids[3]]);
    expect(flagged[0]).toMatchObject({ flagged: true, confidence: 0.4, fixType: 'WRONG_CONDITION', claim: null });
    const q = (f: Parameters<Store['listSubmissions']>[0]) =>
      store.listSubmissions(f).then((r) => r.map((s) => s.id).sort());
    expect(await q({ fixType: 'MISSING_CASE' })).toEqual([ids[0], ids[3]].sort());
    expect(await q({ tag: 'BOUNDARY', term: 'fall' })).toEqual([ids[0], ids[1], ids[3]].sort());
    expect(await q({ tag: 'NO_SUCH_TAG' })).toEqual([]);
    expect(await q({ minConfidence: 0.45, maxConfidence: 0.95 })).toEqual([ids[0], ids[3]].sort());
    expect(await q({ since: T0 + 4 * MIN, until: T0 + 6 * MIN })).toEqual([ids[3], ids[4]].sort());
    expect(await q({ student: 'carol' })).toEqual([ids[4]]);
    expect(await q({ verdict: 'PASS' })).toEqual([ids[2], ids[5]].sort());
    expect(await q({ ids: [] })).toEqual([]);
    expect(await store.countSubmissions({ term: 'fall', flagged: true })).toBe(2);
    expect(await store.countSubmissions({})).toBe(6);
  });

  it('groups by assignment, verdict, predicted fix type and set of failing tests', async () => {
    const groups = await store.groupSubmissions({ term: 'fall', verdict: 'FAIL' });
    // sampleRecord(i): FAIL fails blackbox/2 and (odd i) whitebox/3 or (even i) blackbox/4
    expect(groups).toEqual([
      expect.objectContaining({
        assignment: 'median',
        fixType: 'MISSING_CASE',
        failingTests: ['blackbox/2', 'whitebox/3'],
        submissions: 1,
        firstId: ids[0],
      }),
      expect.objectContaining({
        assignment: 'median',
        fixType: 'WRONG_CONDITION',
        failingTests: ['blackbox/2', 'blackbox/4'],
        submissions: 1,
        flagged: 1,
        unreviewed: 1,
        firstId: ids[1],
      }),
      expect.objectContaining({
        assignment: 'median',
        fixType: 'MISSING_CASE',
        failingTests: ['blackbox/2', 'blackbox/4'],
        submissions: 1,
        firstId: ids[3],
      }),
    ]);
    const byTests = await store.listSubmissions({ failingTests: ['blackbox/4', 'blackbox/2'] });
    expect(byTests.map((s) => s.id).sort()).toEqual([ids[1], ids[3]].sort());
  });

  it('claims: one TA holds an item; another is refused until it lapses; the holder renews and releases', async () => {
    const id = ids[1]!;
    const a = await store.claim(id, 'ta-ann', { ttlMs: 5 * MIN });
    expect(a).toEqual({ ok: true, submissionId: id, reviewer: 'ta-ann', expiresAt: now + 5 * MIN });
    expect(await store.claim(id, 'ta-ben')).toEqual({
      ok: false,
      submissionId: id,
      heldBy: 'ta-ann',
      expiresAt: now + 5 * MIN,
    });
    // the queue without what others hold; the holder still sees it
    expect(
      (await store.listSubmissions({ flagged: true, term: 'fall', unclaimed: { now, except: 'ta-ben' } })).map(
        (s) => s.id,
      ),
    ).toEqual([ids[3]]);
    expect(
      (await store.listSubmissions({ flagged: true, term: 'fall', unclaimed: { now, except: 'ta-ann' } })).length,
    ).toBe(2);
    expect((await store.getSubmission(id))!.claim).toEqual({ reviewer: 'ta-ann', expiresAt: now + 5 * MIN });
    now += 2 * MIN;
    expect(await store.claim(id, 'ta-ann', { ttlMs: 5 * MIN })).toMatchObject({ ok: true, expiresAt: now + 5 * MIN });
    now += 6 * MIN;
    expect(await store.claim(id, 'ta-ben')).toMatchObject({ ok: true, reviewer: 'ta-ben' });
    expect(await store.releaseClaim(id, 'ta-ann')).toBe(false);
    expect(await store.releaseClaim(id, 'ta-ben')).toBe(true);
    await expect(store.claim(999_999, 'ta-ann')).rejects.toThrow(NotFoundError);
  });

  it('claims: two TAs opening the same item at once, exactly one gets it; claimNext hands them different items', async () => {
    const id = ids[3]!;
    const both = await Promise.all([store.claim(id, 'ta-x'), store.claim(id, 'ta-y')]);
    expect(both.filter((c) => c.ok)).toHaveLength(1);
    await store.releaseClaim(id, 'ta-x');
    await store.releaseClaim(id, 'ta-y');
    const [x, y, z] = await Promise.all([
      store.claimNext('ta-x', { term: 'fall', flagged: true }),
      store.claimNext('ta-y', { term: 'fall', flagged: true }),
      store.claimNext('ta-z', { term: 'fall', flagged: true }),
    ]);
    const got = [x, y, z].filter((s) => s !== null);
    expect(got).toHaveLength(2);
    expect(new Set(got.map((s) => s!.id))).toEqual(new Set([ids[1], ids[3]]));
    for (const s of [x, y, z]) if (s) await store.releaseClaim(s.id, s.claim!.reviewer);
  });

  it('reviews: the label, the time spent and agreement with the model; the item leaves the queue and its claim ends', async () => {
    const id = ids[1]!; // the model said WRONG_CONDITION
    await store.claim(id, 'ta-ann');
    const r = await store.recordReview({
      submissionId: id,
      reviewer: 'ta-ann',
      startedAt: now - 90_000,
      reviewedAt: now,
      fixType: 'MISSING_CASE',
      tags: ['BOUNDARY', 'MISSING_BRANCH'],
      note: 'forgets equal values',
    });
    expect(r).toMatchObject({
      submissionId: id,
      timeSpentMs: 90_000,
      predictedFixType: 'WRONG_CONDITION',
      agrees: false,
      modelVersion: 'student-2025-08',
    });
    expect(await store.getSubmission(id)).toMatchObject({
      reviewCount: 1,
      reviewedAt: now,
      lastReviewId: r.id,
      claim: null,
    });
    await store.recordReview({
      submissionId: ids[3]!,
      reviewer: 'ta-ben',
      reviewedAt: now,
      timeSpentMs: 30_000,
      fixType: 'MISSING_CASE',
      tags: ['BOUNDARY'],
    });
    expect((await store.listSubmissions({ term: 'fall', flagged: true, reviewed: false })).length).toBe(0);
    expect((await store.termSummary({ term: 'fall' })).assignments[0]!.reviewed).toBe(2);
    expect((await store.listReviews({ reviewer: 'ta-ann' })).map((x) => x.note)).toEqual(['forgets equal values']);
    expect(await store.reviewerStats({ term: 'fall' })).toEqual([
      {
        reviewer: 'ta-ann',
        reviews: 1,
        submissions: 1,
        timeSpentMs: 90_000,
        meanTimeSpentMs: 90_000,
        withPrediction: 1,
        agreed: 0,
      },
      {
        reviewer: 'ta-ben',
        reviews: 1,
        submissions: 1,
        timeSpentMs: 30_000,
        meanTimeSpentMs: 30_000,
        withPrediction: 1,
        agreed: 1,
      },
    ]);
    expect(await store.agreement({ term: 'fall' })).toEqual([
      { assignment: 'median', predicted: 'MISSING_CASE', labelled: 'MISSING_CASE', n: 1 },
      { assignment: 'median', predicted: 'WRONG_CONDITION', labelled: 'MISSING_CASE', n: 1 },
    ]);
    await expect(
      store.recordReview({ submissionId: 999_999, reviewer: 'x', reviewedAt: now, fixType: 'A', tags: [] }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      store.recordReview({ submissionId: id, reviewer: '', reviewedAt: now, fixType: 'A', tags: [] }),
    ).rejects.toThrow(StoreInputError);
  });

  it('undo takes back a TA’s latest review; the submission’s counts fall back; another TA’s newer label stays', async () => {
    const id = ids[2]!;
    const first = await store.recordReview({
      submissionId: id,
      reviewer: 'ta-ann',
      reviewedAt: now,
      fixType: 'LOOP_BOUND',
      tags: [],
    });
    const second = await store.recordReview({
      submissionId: id,
      reviewer: 'ta-ann',
      reviewedAt: now + 1000,
      fixType: 'MISSING_CASE',
      tags: [],
    });
    expect(await store.getSubmission(id)).toMatchObject({ reviewCount: 2, lastReviewId: second.id });
    // another TA cannot take back ta-ann's label
    expect(await store.undoReview({ submissionId: id, reviewer: 'ta-ben' })).toBeNull();
    expect((await store.undoReview({ submissionId: id, reviewer: 'ta-ann' }))?.id).toBe(second.id);
    expect(await store.getSubmission(id)).toMatchObject({ reviewCount: 1, lastReviewId: first.id, reviewedAt: now });
    expect((await store.undoReview({ submissionId: id, reviewer: 'ta-ann' }))?.id).toBe(first.id);
    expect(await store.getSubmission(id)).toMatchObject({ reviewCount: 0, lastReviewId: null, reviewedAt: null });
    expect(await store.undoReview({ submissionId: id, reviewer: 'ta-ann' })).toBeNull();
    expect(await store.listReviews({ submissionId: id })).toEqual([]);
    await expect(store.undoReview({ submissionId: 999_999, reviewer: 'ta-ann' })).rejects.toThrow(NotFoundError);
  });

  it('sessions live server-side, under the hash of their token, until they expire', async () => {
    const token = 'a-long-random-session-token';
    await store.createSession(token, { login: 'ta-ann', userId: 77, expiresAt: now + 60 * MIN, data: { role: 'ta' } });
    expect(await store.getSession(token)).toMatchObject({ login: 'ta-ann', userId: 77, data: { role: 'ta' } });
    expect(await store.getSession('another-token')).toBeNull();
    const stored = await rawRows(d, 'select token_hash from sessions');
    expect(stored.map((r) => r.token_hash)).not.toContain(token);
    now += 30 * MIN;
    expect(await store.touchSession(token, { expiresAt: now + 60 * MIN })).toBe(true);
    now += 59 * MIN;
    expect(await store.getSession(token)).toMatchObject({ login: 'ta-ann' });
    now += 2 * MIN;
    expect(await store.getSession(token)).toBeNull();
    expect(await store.purgeExpired()).toMatchObject({ sessions: 1 });
    await store.createSession('t2', { login: 'ta-ben', expiresAt: now + MIN });
    await store.deleteSession('t2');
    expect(await store.getSession('t2')).toBeNull();
  });

  it('model versions, the serving alias and its log of who moved it, and per-assignment modes', async () => {
    // first seen in a grading, by name only; registering completes it without replacing the first sighting
    await store.registerModelVersion({
      version: 'student-2025-08',
      by: 'lead',
      sha256: 'b'.repeat(64),
      manifest: { schema: 'x' },
    });
    await store.registerModelVersion({ version: 'student-2025-10', by: 'lead', notes: 'TA labels of September' });
    const versions = await store.listModelVersions();
    expect(versions.find((v) => v.version === 'student-2025-08')).toMatchObject({
      registeredBy: 'grading',
      sha256: 'b'.repeat(64),
      manifest: { schema: 'x' },
    });
    await store.moveAlias({ alias: 'serving', version: 'student-2025-08', by: 'lead', reason: 'first' });
    now += MIN;
    const move = await store.moveAlias({
      alias: 'serving',
      version: 'student-2025-10',
      by: 'prof',
      reason: 'better on held-out',
    });
    expect(move).toMatchObject({ from: 'student-2025-08', to: 'student-2025-10', movedBy: 'prof' });
    expect(await store.getAlias('serving')).toMatchObject({ version: 'student-2025-10', movedBy: 'prof' });
    expect((await store.aliasLog('serving')).map((m) => [m.from, m.to, m.reason])).toEqual([
      [null, 'student-2025-08', 'first'],
      ['student-2025-08', 'student-2025-10', 'better on held-out'],
    ]);
    await expect(store.moveAlias({ alias: 'serving', version: 'nope', by: 'x' })).rejects.toThrow(NotFoundError);
    expect(await store.getAlias('canary')).toBeNull();

    await store.setAssignmentMode({ assignment: 'median', mode: 'shadow', by: 'prof' });
    await store.setAssignmentMode({ assignment: 'median', mode: 'live', by: 'lead' });
    expect(await store.assignmentModes()).toEqual({ median: { mode: 'live', updatedAt: now, updatedBy: 'lead' } });
    await expect(store.setAssignmentMode({ assignment: 'median', mode: 'loud' as never, by: 'x' })).rejects.toThrow(
      StoreInputError,
    );
  });

  it("exports a term in id order with each row's tags and latest review", async () => {
    const rows = [];
    for await (const r of store.exportTerm({ term: 'fall', withSources: true, pageSize: 2 })) rows.push(r);
    expect(rows.map((r) => r.id)).toEqual(ids.slice(0, 5));
    expect(rows[1]).toMatchObject({
      review: { reviewer: 'ta-ann', fixType: 'MISSING_CASE' },
      tags: [{ tag: 'BOUNDARY' }, { tag: 'COMPARISON' }],
    });
    expect(rows[0]!.sourceContent!.toString()).toContain('alice');
    const reviewed = [];
    for await (const r of store.exportTerm({ term: 'fall', reviewedOnly: true })) reviewed.push(r.id);
    expect(reviewed).toEqual([ids[1], ids[3]]);
  });

  it('retention: purges the sources of gradings before a date, and nothing else', async () => {
    const before = T0 + 3 * MIN; // graded at receivedAt + 1.5 s: ids[0], ids[1] and the spring grading
    expect(await store.purgeSources({ before, dryRun: true })).toEqual({ sources: 3 });
    expect((await store.getSubmission(ids[0]!))!.sourceContent).not.toBeNull();
    const summary = await store.termSummary({ term: 'fall' });
    expect(await store.purgeSources({ before })).toEqual({ sources: 3 });
    expect(await store.purgeSources({ before })).toEqual({ sources: 0 });
    for (const id of [ids[0]!, ids[1]!, ids[5]!])
      expect(await store.getSubmission(id)).toMatchObject({ sourceContent: null, source: { state: 'purged' } });
    expect((await store.getSubmission(ids[2]!))!.sourceContent).not.toBeNull();
    expect(await store.termSummary({ term: 'fall' })).toEqual(summary);
    expect((await store.getSubmission(ids[1]!))!.reviewCount).toBe(1);
  });
});
