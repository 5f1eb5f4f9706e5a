/**
 * npm run bench:deadline: the last hour before a deadline, replayed on a compressed clock.
 * 300 students on one installation push about 900 times, bunched towards the deadline (some
 * several times within a minute, some through pull requests), through the real web server,
 * Redis, worker, sandbox and a fake GitHub that enforces GitHub's secondary limits per
 * installation (80 content-creating requests a minute, 500 an hour: 403 with retry-after).
 * Every duration is measured in simulated minutes (real time × BENCH_COMPRESS).
 *
 * Grading is real and is not compressed: at 20× a grading of 0.15 s takes 3 simulated seconds,
 * so this machine's grading capacity is the other limit the bench meets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../src/core/paths.js';
import { mulberry32 } from '../src/training/random.js';
import { pullRequestPayload, pushPayload, sendWebhook, sha, startHarness } from '../test/helpers/app-harness.js';
import { fmt, median, percentile, printTable } from './table.js';

const C = Number(process.env.BENCH_COMPRESS ?? 20);
const STUDENTS = Number(process.env.BENCH_STUDENTS ?? 300);
const HOUR = 3_600_000;
const INSTALLATION = 77;
const SEED = Number(process.env.BENCH_SEED ?? 7);

process.env.FIXSENSE_QUIET ??= '1';

interface Push {
  student: number;
  /** Simulated ms after the start of the hour. */
  at: number;
  sha: string;
  repo: string;
  /** The pull request the push updates, for students who work through one. */
  pr: number | null;
  first: boolean;
}

/** About three pushes a student, most of them in the last quarter hour, some in quick bursts. */
function schedule(): Push[] {
  const r = mulberry32(SEED);
  const pushes: Push[] = [];
  for (let s = 0; s < STUDENTS; s++) {
    // 1 + Poisson(2), at most 8
    let k = 1;
    for (let l = Math.exp(-2), p = r(); p > l && k < 8; p *= r()) k++;
    const pr = r() < 0.3 ? 1 + (s % 50) : null;
    // minutes before the deadline of the first push: skewed towards the deadline
    let before = 60 * Math.pow(r(), 1.8);
    for (let i = 0; i < k; i++) {
      pushes.push({
        student: s,
        at: Math.round((60 - before) * 60_000),
        sha: sha(`deadline-${SEED}-${s}-${i}`),
        repo: `median-st${s}`,
        pr,
        first: i === 0,
      });
      // a quick fix within a minute, or a while later; a gap past the deadline lands somewhere before it
      const gap = r() < 0.35 ? 0.1 + r() * 0.9 : -Math.log(1 - r()) * 8;
      before = gap < before ? before - gap : before * r();
    }
  }
  return pushes.sort((a, b) => a.at - b.at);
}

const programs = [
  'forgets-equal-values',
  'sort-with-swaps',
  'prints-wrong-variable',
  'and-instead-of-or',
  'mean-of-three',
]
  .map((n) => fs.readFileSync(path.join(fixturesDir, 'submissions/median', `${n}.c`), 'utf8'))
  // every push is a different program text, as students' are
  .map((text) => (student: number, i: number) => `${text}\n/* student ${student}, attempt ${i} */\n`);

const pushes = schedule();
const scaled = (ms: number) => Math.max(1, Math.round(ms / C));
const h = await startHarness({
  env: {
    WRITE_LIMITS: `80/${scaled(60_000)}ms,500/${scaled(HOUR)}ms`,
    ACK_AFTER_MS: String(scaled(10_000)),
    PUBLISH_HOLD_MS: String(scaled(240_000)),
  },
  fake: {
    enforce: [
      { limit: 80, windowMs: scaled(60_000) },
      { limit: 500, windowMs: scaled(HOUR) },
    ],
    retryAfterSeconds: Math.max(1, Math.round(60 / C)),
  },
});
const attempt = new Map<number, number>();
for (const p of pushes) {
  const i = attempt.get(p.student) ?? 0;
  attempt.set(p.student, i + 1);
  h.fake.addFile('course', p.repo, p.sha, 'median.c', programs[(p.student + i) % programs.length]!(p.student, i));
}

const sentAt = new Map<string, number>();
const start = Date.now();
const sends: Promise<number>[] = [];
const inFlight = new Map<number, Promise<number>>();
for (const p of pushes) {
  const due = start + p.at / C;
  if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  sentAt.set(p.sha, Date.now());
  const body = p.pr
    ? pullRequestPayload({
        owner: 'course',
        repo: p.repo,
        sha: p.sha,
        installation: INSTALLATION,
        number: p.pr,
        action: p.first ? 'opened' : 'synchronize',
      })
    : pushPayload({ owner: 'course', repo: p.repo, sha: p.sha, installation: INSTALLATION });
  // GitHub delivers one repository's events in order: a student's next push waits for the previous one's delivery
  const previous = inFlight.get(p.student) ?? Promise.resolve(202);
  const send = previous.then(() =>
    sendWebhook(h.app.port!, p.pr ? 'pull_request' : 'push', body).then(
      (r) => r.status,
      () => 0,
    ),
  );
  inFlight.set(p.student, send);
  sends.push(send);
}
const statuses = await Promise.all(sends);
const refusedWebhooks = statuses.filter((s) => s !== 202).length;

const last = new Map<number, Push>();
for (const p of pushes) last.set(p.student, p);

const checkRunOf = (p: Push) =>
  h.fake.checkRuns.find(
    (c) => c.repo === p.repo && c.head_sha === p.sha && c.status === 'completed' && c.conclusion !== 'skipped',
  );

/**
 * When the student saw this push's feedback, where they look for it: a push's check run, a
 * pull request's comment (showing this commit).
 */
function feedbackAt(p: Push): number | null {
  if (!p.pr) return checkRunOf(p)?.completed_at ?? null;
  const comment = h.fake.comments.find((c) => c.repo === p.repo && c.on === `issue:${p.pr}`);
  if (!comment) return null;
  const shows = /<!-- fixsense:commit ([0-9a-f]{40}) at \d+ -->\s*$/.exec(comment.body)?.[1];
  if (shows) return shows === p.sha ? comment.updatedAt : null;
  // the App before the commit trailer existed: the comment counts once updated after the push,
  // together with the commit's check run
  const run = checkRunOf(p);
  return run?.completed_at && comment.updatedAt >= sentAt.get(p.sha)!
    ? Math.max(run.completed_at, comment.updatedAt)
    : null;
}

// wait until every student's last push has its feedback and nothing is left to grade (what is
// left is a pull request's check run waiting for the budget: counted below), or two simulated
// hours past the deadline
const giveUp = start + (3 * HOUR) / C;
for (;;) {
  const done = [...last.values()].every((p) => feedbackAt(p) !== null);
  const counts = await h.app.queues.grade.getJobCounts('waiting', 'active', 'prioritized');
  if ((done && Object.values(counts).every((n) => n === 0)) || Date.now() > giveUp) break;
  await new Promise((r) => setTimeout(r, 250));
}
const wallS = (Date.now() - start) / 1000;

const jobs = await h.app.queues.grade.getJobs(['completed']);
const notGraded = jobs.filter((j) => j.returnvalue?.verdict === 'SUPERSEDED' && !j.returnvalue.graded).length;
const heldAndReplaced = jobs.filter((j) => j.returnvalue?.graded).length;
const graded = jobs.length - notGraded;
const published = graded - heldAndReplaced;
// why a student's last push has no feedback, when one has none
for (const p of last.values()) {
  if (feedbackAt(p) !== null) continue;
  const job = (await h.app.queues.grade.getJobs(['completed', 'failed', 'delayed', 'waiting', 'active'])).find(
    (j) => j.data.sha === p.sha,
  );
  console.error(
    'no feedback:',
    JSON.stringify({
      push: p,
      state: job ? await job.getState() : 'no job',
      result: job?.returnvalue,
      failed: job?.failedReason,
      comment: h.fake.comments.find((c) => c.repo === p.repo)?.body.slice(-90),
      runs: h.fake.checkRuns
        .filter((c) => c.repo === p.repo)
        .map((c) => [c.head_sha.slice(0, 7), c.status, c.conclusion]),
    }),
  );
}
const simMin = (ms: number) => (ms * C) / 60_000;
const latencies: number[] = [];
let missing = 0;
for (const p of last.values()) {
  const at = feedbackAt(p);
  if (at === null) missing++;
  else latencies.push(simMin(at - sentAt.get(p.sha)!));
}
const overLimit = h.fake.requests.filter((r) => r.status === 403).length;
const prRunsMissing = [...last.values()].filter((p) => p.pr && !checkRunOf(p)).length;
const prRunsLate = [...last.values()]
  .filter((p) => p.pr && checkRunOf(p))
  .map((p) => simMin(checkRunOf(p)!.completed_at! - sentAt.get(p.sha)!));
const writes = h.fake.writes.length;
const maxMinute = h.fake.maxWritesInWindow(INSTALLATION, scaled(60_000));
const maxHour = h.fake.maxWritesInWindow(INSTALLATION, scaled(HOUR));
await h.stop();

printTable(
  `deadline night: ${pushes.length} pushes of ${STUDENTS} students on one installation over the last simulated hour, ` +
    `clock compressed ${C}×, ${fmt(wallS, 0)} s real`,
  ['measure', 'value'],
  [
    ['webhooks not accepted (not 202)', refusedWebhooks],
    ['pushes graded', graded],
    ['  of which published', published],
    ['  graded, held while the budget was short, then replaced (no write)', heldAndReplaced],
    ['pushes replaced before grading (not graded)', notGraded],
    ['content-creating requests (writes)', writes],
    ['writes per graded push', fmt(writes / Math.max(1, graded), 2)],
    ['writes per published push', fmt(writes / Math.max(1, published), 2)],
    ['most writes in any simulated minute (limit 80)', maxMinute],
    ['most writes in any simulated hour (limit 500)', maxHour],
    ['requests refused by the fake (403)', overLimit],
    ['last push → final feedback, p50 (sim. min)', fmt(median(latencies))],
    ['last push → final feedback, p95 (sim. min)', fmt(percentile(latencies, 95))],
    ['last push → final feedback, max (sim. min)', fmt(Math.max(...latencies))],
    ['students whose last push got no feedback', missing],
    ['pull requests: last commit → its check run, p95 (sim. min)', fmt(percentile(prRunsLate, 95))],
    ['pull requests whose last commit has no check run yet (waiting for the budget)', prRunsMissing],
  ],
);
console.log(
  `deadline: ${pushes.length} pushes, ${STUDENTS} students, writes/push ${fmt(writes / Math.max(1, graded), 2)}, ` +
    `last-push feedback p50 ${fmt(median(latencies))} p95 ${fmt(percentile(latencies, 95))} max ${fmt(Math.max(...latencies))} min, ` +
    `over-limit ${overLimit}, missing ${missing}`,
);
process.exit(0);
