import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GradeJob } from '../../src/course/grade-job.js';
import { GitHubClients } from '../../src/github/installation-octokit.js';
import { commentShows, lineCount, upsertPullRequestComment } from '../../src/github/publish.js';
import { WriteLimiter } from '../../src/github/write-limiter.js';
import { FakeGitHub } from '../helpers/fake-github.js';
import { APP_ID, keys, REDIS_URL, sha } from '../helpers/app-harness.js';

let fake: FakeGitHub;
let redis: Redis;
let clients: GitHubClients;
beforeAll(async () => {
  fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey });
  await fake.start();
  redis = new Redis(REDIS_URL);
  const limiter = new WriteLimiter(redis, [{ limit: 1000, windowMs: 60_000 }], `fxpub-${Date.now()}`);
  clients = new GitHubClients({ appId: APP_ID, privateKey: keys.privateKey, baseUrl: fake.url, limiter });
});
afterAll(async () => {
  redis.disconnect();
  await fake.stop();
});

const job = (over: Partial<GradeJob>): GradeJob => ({
  installationId: 41,
  owner: 'course',
  repo: 'median-order',
  sha: sha('a'),
  assignment: 'median',
  pullRequest: 9,
  trigger: 'pull_request',
  deliveryId: 'd',
  receivedAt: 1000,
  ...over,
});

describe('the sticky pull-request comment', () => {
  it('feedback for an older commit that finishes last never replaces the newer one’s', async () => {
    const gh = clients.forInstallation(41);
    const bot = await clients.botLogin();
    expect(bot).toBe('fixsense[bot]');
    const older = job({ sha: sha('older'), receivedAt: 1000 });
    const newer = job({ sha: sha('newer'), receivedAt: 2000 });
    expect((await upsertPullRequestComment(gh, newer, 'newer feedback', bot)).outcome).toBe('created');
    expect((await upsertPullRequestComment(gh, older, 'older feedback', bot)).outcome).toBe('stale');
    const [c] = fake.comments.filter((x) => x.repo === 'median-order');
    expect(c!.body).toContain('newer feedback');
    expect(commentShows(c!.body)).toEqual({ sha: newer.sha, receivedAt: 2000 });
    // a re-run of the older commit, asked for later, is still older feedback
    const rerun = job({ sha: older.sha, receivedAt: 3000, trigger: 'rerequested', rerunOf: 5 });
    expect((await upsertPullRequestComment(gh, rerun, 'older feedback again', bot)).outcome).toBe('stale');
    // the same feedback again costs no write
    const writes = fake.writes.length;
    expect((await upsertPullRequestComment(gh, newer, 'newer feedback', bot)).outcome).toBe('unchanged');
    expect(fake.writes.length).toBe(writes);
    // so does a newer commit whose feedback reads the same
    const same = job({ sha: sha('same'), receivedAt: 3500 });
    expect((await upsertPullRequestComment(gh, same, 'newer feedback', bot)).outcome).toBe('unchanged');
    expect(fake.writes.length).toBe(writes);
    // a newer commit with other feedback replaces it
    const newest = job({ sha: sha('newest'), receivedAt: 4000 });
    expect((await upsertPullRequestComment(gh, newest, 'newest feedback', bot)).outcome).toBe('updated');
    expect(fake.comments.filter((x) => x.repo === 'median-order')).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('counts lines as GitHub does, for clamping annotations', () => {
    expect(lineCount(Buffer.from(''))).toBe(1);
    expect(lineCount(Buffer.from('a'))).toBe(1);
    expect(lineCount(Buffer.from('a\n'))).toBe(1);
    expect(lineCount(Buffer.from('a\nb'))).toBe(2);
    expect(lineCount(Buffer.from('a\nb\n\n'))).toBe(3);
  });
});
