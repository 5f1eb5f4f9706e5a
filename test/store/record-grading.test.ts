import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CourseMismatchError, NotFoundError, StoreInputError } from '../../src/store/errors.js';
import { openStore, type Store } from '../../src/store/store.js';
import { fresh, KINDS, rawRows, type TestDatabase } from './databases.js';
import { hex40, sampleRecord, T0 } from './sample-record.js';

const count = async (d: TestDatabase, table: string) =>
  Number((await rawRows(d, `select count(*) as n from ${table}`))[0]!.n);

describe.each(KINDS)('recording gradings on %s', (kind) => {
  let d: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    d = await fresh(kind);
    store = await openStore({ db: d.url, maxSourceBytes: 1000 });
  });
  afterAll(async () => {
    await store?.close();
    await d?.drop();
  });

  it('keeps every field, read back with the same types on both databases', async () => {
    const rec = sampleRecord(5, { term: 'fields' });
    const { id, created } = await store.recordGrading(rec);
    expect(created).toBe(true);
    const s = (await store.getSubmission(id))!;
    expect(s).toMatchObject({
      id,
      jobId: rec.jobId,
      course: 'cs101',
      term: 'fields',
      assignment: rec.assignment,
      mode: 'live',
      installationId: 42,
      repository: rec.repository,
      student: { login: rec.student.login, id: rec.student.id },
      commit: rec.commit,
      branch: 'main',
      pullRequest: rec.pullRequest,
      trigger: rec.trigger,
      deliveryId: 'delivery-5',
      receivedAt: rec.receivedAt,
      gradedAt: rec.gradedAt,
      verdict: 'FAIL',
      passed: false,
      compiled: true,
      tests: { total: 8, passed: 6, hiddenTotal: 4, hiddenPassed: 3 },
      points: null,
      failingTests: ['blackbox/2', 'whitebox/3'],
      modelVersion: 'student-2025-08',
      fixType: rec.prediction!.fixType,
      confidence: rec.prediction!.confidence,
      flagged: rec.review.flagged,
      flagReasons: rec.review.reasons,
      conclusion: 'failure',
      // larger than 2^31: PostgreSQL's bigint comes back as a number, not a string
      checkRunId: 30_000_000_005,
      commentId: null,
      publishedAt: rec.publication!.publishedAt,
      reviewCount: 0,
      reviewedAt: null,
      source: { file: rec.source.fileName, state: 'kept', bytes: Buffer.byteLength(rec.source.content as string) },
      report: rec.report,
      prediction: rec.prediction,
      feedback: { comment: rec.feedback.comment, checkTitle: rec.feedback.checkTitle, checkSummary: 'summary' },
      tags: [
        { tag: 'BOUNDARY', p: 0.8 },
        { tag: 'COMPARISON', p: 0.6 },
      ],
      claim: null,
    });
    for (const t of [s.receivedAt, s.gradedAt, s.recordedAt, s.checkRunId, s.installationId, s.student.id])
      expect(typeof t).toBe('number');
    expect(s.sourceContent!.toString()).toBe(rec.source.content);
    expect(s.testResults).toHaveLength(8);
    expect(s.testResults.find((t) => t.id === 'whitebox/3')).toEqual({
      id: 'whitebox/3',
      suite: 'whitebox',
      n: 3,
      hidden: true,
      verdict: 'WRONG_ANSWER',
      points: 1,
    });
    expect((await store.listModelVersions()).map((v) => v.version)).toContain('student-2025-08');
  });

  it('records a job once: a retried or redelivered job returns the first row and adds nothing', async () => {
    const rec = sampleRecord(6, { term: 'idempotent' });
    const first = await store.recordGrading(rec);
    const before = { submissions: await count(d, 'submissions'), tests: await count(d, 'submission_tests') };
    // the redelivery may even carry a different grading (a flaky program): the first one stands
    const again = await store.recordGrading({
      ...rec,
      gradedAt: rec.gradedAt + 60_000,
      review: { flagged: true, reasons: ['x'] },
    });
    expect(again).toEqual({ id: first.id, created: false });
    expect({ submissions: await count(d, 'submissions'), tests: await count(d, 'submission_tests') }).toEqual(before);
    expect((await store.getSubmission(first.id))!.gradedAt).toBe(rec.gradedAt);
  });

  it('the same job recorded by many calls at once makes exactly one row', async () => {
    const rec = sampleRecord(7, { term: 'race' });
    const results = await Promise.all(Array.from({ length: 8 }, () => store.recordGrading(rec)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await store.countSubmissions({ term: 'race' })).toBe(1);
  });

  it('publication ids can come later, and a later recording never overwrites ones already there', async () => {
    const rec = { ...sampleRecord(8, { term: 'publication' }), publication: null };
    const { id } = await store.recordGrading(rec);
    expect((await store.getSubmission(id))!.checkRunId).toBeNull();
    await store.recordPublication(rec.jobId, {
      checkRunId: 31_000_000_000,
      commentId: 2_500_000_000,
      commentKind: 'pull_request',
      publishedAt: T0,
    });
    // a retry that publishes again and records with its own ids: the first ids stay
    await store.recordGrading({
      ...rec,
      publication: { checkRunId: 1, commentId: 2, commentKind: 'commit', publishedAt: T0 + 1 },
    });
    expect(await store.getSubmission(id)).toMatchObject({
      checkRunId: 31_000_000_000,
      commentId: 2_500_000_000,
      commentKind: 'pull_request',
      publishedAt: T0,
    });
    await expect(store.recordPublication(hex40('no such job'), { publishedAt: T0 })).rejects.toThrow(NotFoundError);
    await expect(store.recordPublication(rec.jobId, { publishedAt: 5 })).rejects.toThrow(StoreInputError);
  });

  it('a bad record is refused with the field named, and a batch with one is written not at all', async () => {
    const before = await count(d, 'submissions');
    const bad = { ...sampleRecord(9, { term: 'bad' }), jobId: 'not-a-job-id' };
    await expect(store.recordGrading(bad)).rejects.toThrow(StoreInputError);
    await expect(store.recordGrading(bad)).rejects.toThrow(/jobId/);
    await expect(store.recordGrading({ ...sampleRecord(10), receivedAt: Math.floor(T0 / 1000) })).rejects.toThrow(
      /receivedAt: milliseconds since the epoch \(this looks like seconds\)/,
    );
    await expect(store.recordGradings([sampleRecord(11, { term: 'bad' }), bad])).rejects.toThrow(StoreInputError);
    expect(await count(d, 'submissions')).toBe(before);
  });

  it('a batch is one transaction: a failure part-way (here another course) leaves nothing behind', async () => {
    const before = await count(d, 'submissions');
    await expect(
      store.recordGradings([
        sampleRecord(12, { term: 'atomic' }),
        sampleRecord(13, { term: 'atomic', course: 'cs999' }),
      ]),
    ).rejects.toThrow(CourseMismatchError);
    expect(await count(d, 'submissions')).toBe(before);
  });

  it("keeps one course's students in its own database", async () => {
    await expect(store.recordGrading(sampleRecord(14, { course: 'another-course' }))).rejects.toThrow(
      /holds course "cs101", not "another-course"/,
    );
  });

  it('keeps a source byte for byte, even one that is not UTF-8 and holds NUL bytes', async () => {
    const bytes = Buffer.from([0x69, 0x6e, 0x74, 0x00, 0xff, 0xfe, 0x0a, 0xc3, 0x28]);
    const { id } = await store.recordGrading(sampleRecord(15, { term: 'bytes', source: bytes }));
    const s = (await store.getSubmission(id))!;
    expect(s.sourceContent!.equals(bytes)).toBe(true);
    expect(s.source.bytes).toBe(bytes.length);
  });

  it('does not keep a source over the size limit, but keeps its size and hash', async () => {
    const big = 'x'.repeat(1001);
    const { id } = await store.recordGrading(sampleRecord(16, { term: 'big', source: big }));
    const s = (await store.getSubmission(id))!;
    expect(s.sourceContent).toBeNull();
    expect(s.source).toMatchObject({
      state: 'too_large',
      bytes: 1001,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('records a compile error (no tests, no prediction) and a pass', async () => {
    const ce = await store.recordGrading(sampleRecord(17, { term: 'kinds', outcome: 'COMPILE_ERROR' }));
    const ok = await store.recordGrading(sampleRecord(18, { term: 'kinds', outcome: 'PASS' }));
    expect(await store.getSubmission(ce.id)).toMatchObject({
      verdict: 'COMPILE_ERROR',
      compiled: false,
      testResults: [],
      fixType: null,
    });
    expect(await store.getSubmission(ok.id)).toMatchObject({ verdict: 'PASS', passed: true, failingTests: [] });
    expect(await store.findByJobId(sampleRecord(18, { term: 'kinds' }).jobId)).toMatchObject({ id: ok.id });
    expect(await store.findByJobId(hex40('never recorded'))).toBeNull();
  });
});

describe('localJobId', () => {
  it('gives gradings without a queue job (grade --record, the demo) a stable id of their content', async () => {
    const { localJobId } = await import('../../src/store/grading-record.js');
    const g = { course: 'cs101', term: 'fall', assignment: 'median', source: 'int main(void) {}' };
    expect(localJobId(g)).toMatch(/^[0-9a-f]{40}$/);
    expect(localJobId({ ...g, source: Buffer.from(g.source) })).toBe(localJobId(g));
    expect(localJobId({ ...g, source: 'int main(void) { return 1; }' })).not.toBe(localJobId(g));
    expect(localJobId({ ...g, term: 'spring' })).not.toBe(localJobId(g));
  });
});
