/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the
 * whole App and a fake GitHub that also speaks the OAuth web flow: a TA signs in with GitHub,
 * takes the queue from 12 flagged to 0 with the keyboard only, the students' check runs and
 * comments say a teaching assistant looked, the export feeds retraining; a non-member is
 * refused, a form without its CSRF token is refused, and hostile text shows as text.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { resolveAssignment } from '../../src/assignments/resolve-assignment.js';
import { projectRoot } from '../../src/core/paths.js';
import { gradeFixtures, type GradedFixture } from '../../src/dashboard/seed-fixtures.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../../src/model/taxonomy.js';
import { createPipelineDeps } from '../../src/pipeline/create-deps.js';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { loadLabelledFolder } from '../../src/training/load-labelled-folder.js';
import { startApp } from '../../src/app/start-app.js';
import {
  APP_ID,
  courseFile,
  env,
  keys,
  pullRequestPayload,
  sendWebhook,
  sha,
  waitFor,
  type Harness,
} from '../helpers/app-harness.js';
import { FakeGitHub } from '../helpers/fake-github.js';

export const CHROMIUM = process.env.FIXSENSE_CHROMIUM ?? '/usr/bin/chromium';
const THRESHOLD = 0.8;
const CLIENT = { clientId: 'Iv1.fixsense-test', clientSecret: 'fixsense-test-secret' };
const INSTALLATION = 77;
const TA = 'ta-ann';
// every run saves its screenshots here (git-ignored); the ones in docs/images are copies of a
// run's, refreshed by hand: FIXSENSE_SCREENSHOTS=docs/images npx vitest run test/dashboard/browser.test.ts
const images = path.resolve(projectRoot, process.env.FIXSENSE_SCREENSHOTS ?? 'test-output/screenshots');

/** A median program whose source and output carry markup and template syntax. */
const HOSTILE = `#include <stdio.h>
/* <script>alert("x")</script> {{#each students}} */
int main(void) {
  int a, b, c;
  printf("Three integers, please: ");
  if (scanf("%d %d %d", &a, &b, &c) != 3) return 1;
  printf("<script>alert(1)</script>{{7*7}} %d is the median\\n", a);
  return 0;
}
`;

interface Push {
  student: string;
  assignment: string;
  path: string;
  source: Buffer;
  flagged: boolean;
}

let h: Harness;
let browser: Browser;
let pushes: Push[] = [];
let work: string;
const roundTrips: number[] = [];
const cspViolations: string[] = [];
const dialogs: string[] = [];

const base = () => `http://127.0.0.1:${h.app.port}`;

async function gradeHostile(): Promise<GradedFixture['feedback']> {
  const deps = await createPipelineDeps({ config: { ...defaultConfig(), confidence_threshold: THRESHOLD } });
  const a = await loadAssignment(resolveAssignment('median'));
  return runPipeline(deps, { source: Buffer.from(HOSTILE), fileName: 'median.c', assignment: a });
}

const defaultConfig = () => ({
  confidence_threshold: 0.6,
  review_fix_types: [] as string[],
  failing_tests_shown: 2,
  diagnostics_shown: 5,
});

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-dash-browser-'));
  // graded here first, with the course's settings, to know which pushes will be flagged: 12 of them
  const graded = await gradeFixtures({
    assignments: ['median', 'smallest'],
    config: { ...defaultConfig(), confidence_threshold: THRESHOLD },
  });
  const sourcePath = (a: string) => (a === 'median' ? 'median.c' : 'src/smallest.c');
  const asPush = (g: GradedFixture, copy = 0): Push => ({
    student: `${g.student}${copy ? `-${copy}` : ''}`,
    assignment: g.fixture.assignment,
    path: sourcePath(g.fixture.assignment),
    source: g.source,
    flagged: g.feedback.review.flagged,
  });
  const hostile = await gradeHostile();
  pushes = graded.map((g) => asPush(g));
  pushes.push({
    student: 'markup-fan',
    assignment: 'median',
    path: 'median.c',
    source: Buffer.from(HOSTILE),
    flagged: hostile.review.flagged,
  });
  // copies of one flagged program by other students: a group to confirm at once
  const groupOf = graded.find((g) => g.feedback.review.flagged)!;
  for (let copy = 1; pushes.filter((p) => p.flagged).length < 12; copy++) pushes.push(asPush(groupOf, copy));
  expect(pushes.filter((p) => p.flagged)).toHaveLength(12);

  const course = courseFile(`feedback:\n  confidence_threshold: ${THRESHOLD}\ndashboard:\n  team: course/tas\n`);
  const fake = new FakeGitHub({ appId: APP_ID, publicKey: keys.publicKey, oauth: CLIENT });
  await fake.start();
  // the fake serves GitHub's OAuth pages on the API's own address
  const e = env(fake, {
    COURSE_FILE: course,
    GITHUB_CLIENT_ID: CLIENT.clientId,
    GITHUB_CLIENT_SECRET: CLIENT.clientSecret,
    GITHUB_OAUTH_URL: fake.url,
  });
  const app = await startApp({ web: true, worker: true, env: e, retryAfterBaseValue: 0.05 });
  h = {
    fake,
    app,
    env: e,
    stop: async () => {
      await app.close();
      await fake.stop();
    },
  };
  h.fake.addTeamMember('course', 'tas', TA);
  h.fake.addUser('mallory');
  for (const [i, p] of pushes.entries()) {
    const repo = `${p.assignment}-${p.student}`;
    const commit = sha(repo);
    h.fake.addFile('cs101', repo, commit, p.path, p.source);
    const body = pullRequestPayload({ owner: 'cs101', repo, sha: commit, installation: INSTALLATION, number: i + 1 });
    body.pull_request.user.login = p.student;
    body.sender.login = p.student;
    expect((await sendWebhook(h.app.port!, 'pull_request', body)).status).toBe(202);
  }
  await waitFor(
    async () => {
      const rows = await h.app.store.use((s) => s.listSubmissions({}, { limit: 100 }));
      return rows.length === pushes.length && rows.every((r) => r.commentId !== null);
    },
    240_000,
    'every push graded, recorded and commented',
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  fs.mkdirSync(images, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
  if (roundTrips.length) {
    const sorted = [...roundTrips].sort((a, b) => a - b);
    process.stdout.write(
      `dashboard keyboard round trip (accept → next page shown): median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms over ${sorted.length} (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)})\n`,
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
});

function watch(page: Page): Page {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return page;
}

/** A key that sends the browser to another page; resolves once that page has loaded. */
async function pressAndLoad(page: Page, key: string): Promise<number> {
  const t0 = performance.now();
  await Promise.all([page.waitForEvent('load'), page.keyboard.press(key)]);
  return performance.now() - t0;
}

const leftCount = async (page: Page) => Number((await page.locator('#left').innerText()).match(/\d+/)![0]);

describe('the TA dashboard in a browser', () => {
  let page: Page;
  let relabelled: { id: number; fixType: string } | undefined;

  it('signs a team member in with GitHub and shows 12 flagged submissions left', async () => {
    h.fake.signInAs(TA);
    page = watch(await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage());
    await page.goto(`${base()}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await expect.poll(() => page.locator('h1').first().innerText()).toMatch(/Review queue/);
    expect(await page.locator('.top .who').innerText()).toBe(TA);
    expect(await leftCount(page)).toBe(12);
    expect(await page.locator('#queue-rows tbody tr').count()).toBe(12);
    await page.screenshot({ path: path.join(images, 'dashboard-queue.png'), fullPage: true });
  });

  it('takes the queue to 0 with the keyboard: a group confirmed, one relabelled, the rest accepted', async () => {
    // the groups: the largest first, confirmed with its keys
    await pressAndLoad(page, 'g');
    expect(new URL(page.url()).pathname).toBe('/dashboard/groups');
    const firstGroup = page.locator('#groups li.group').first();
    const size = Number((await firstGroup.locator('.group-head b').nth(1).innerText()).trim());
    expect(size).toBeGreaterThanOrEqual(2);
    await pressAndLoad(page, 'c');
    expect(await page.locator('#confirmed').innerText()).toContain(`Confirmed ${size}`);
    expect(await leftCount(page)).toBe(12 - size);

    await pressAndLoad(page, 'q');
    await pressAndLoad(page, 'Enter');
    expect(page.url()).toMatch(/\/dashboard\/s\/\d+/);
    await page.screenshot({ path: path.join(images, 'dashboard-submission.png'), fullPage: true });

    // relabel the first: another fix type (its digit), a tag toggled (its letter), Enter
    const predicted = await page.locator('.fix-types label.predicted input').getAttribute('value');
    const other = page.locator('.fix-types input:not(:checked)').first();
    const otherKey = (await other.getAttribute('data-key'))!;
    const otherType = (await other.getAttribute('value'))!;
    expect(otherType).not.toBe(predicted);
    const id = Number(await page.locator('#review').getAttribute('data-id'));
    await page.keyboard.press(otherKey);
    const tagKey = (await page.locator('.tags input').first().getAttribute('data-key'))!;
    await page.keyboard.press(tagKey);
    await pressAndLoad(page, 'Enter');
    relabelled = { id, fixType: otherType };
    expect(await page.locator('#saved').innerText()).toContain(`#${id}`);

    // accept the rest, one key each
    for (let guard = 0; guard < 20 && /\/dashboard\/s\//.test(page.url()); guard++) {
      if ((await page.locator('#accept').count()) === 0) {
        await page.keyboard.press('1');
        await pressAndLoad(page, 'Enter');
      } else roundTrips.push(await pressAndLoad(page, 'a'));
    }
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await leftCount(page)).toBe(0);

    const reviews = await h.app.store.use((s) => s.listReviews({}));
    expect(new Set(reviews.map((r) => r.submissionId)).size).toBe(12);
    expect(reviews.every((r) => r.reviewer === TA)).toBe(true);
    const mine = reviews.find((r) => r.submissionId === relabelled!.id)!;
    expect(mine).toMatchObject({ fixType: relabelled.fixType, agrees: false });
    expect(mine.timeSpentMs).toBeGreaterThanOrEqual(0);
    expect(reviews.filter((r) => r.note !== 'confirmed with its group').every((r) => r.timeSpentMs !== null)).toBe(
      true,
    );
    expect(cspViolations).toEqual([]);
  });

  it("updates each student's check run and sticky comment: a teaching assistant looked at this", async () => {
    const subs = await h.app.store.use((s) => s.listSubmissions({ flagged: true }, { limit: 100 }));
    await waitFor(
      () =>
        subs.every((s) => {
          const c = h.fake.comments.find((x) => x.id === s.commentId);
          const run = h.fake.checkRuns.find((r) => r.id === s.checkRunId);
          return (
            c?.body.includes('A teaching assistant looked at this') &&
            run?.output.summary?.includes('A teaching assistant looked at this')
          );
        }),
      60_000,
      'every flagged student told',
    );
    const r = subs.find((s) => s.id === relabelled!.id)!;
    const comment = h.fake.comments.find((c) => c.id === r.commentId)!;
    // still this commit's comment, and still the App's own
    expect(comment.body).toContain(`<!-- fixsense:commit ${r.commit} at`);
    expect(comment.login).toBe('fixsense[bot]');
    expect(h.fake.violations).toEqual([]);
  });

  it('shows the term view as charts and exports the folder retrain --labels reads', async () => {
    await page.goto(`${base()}/dashboard/term`);
    expect(await page.locator('figure svg').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('#agreement').innerText()).toMatch(/accuracy .*kappa/i);
    await page.screenshot({ path: path.join(images, 'dashboard-term.png'), fullPage: true });

    const res = await page.request.get(`${base()}/dashboard/export/retrain.tar.gz`);
    expect(res.status()).toBe(200);
    const dir = path.join(work, 'export');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(work, 'export.tar.gz'), await res.body());
    execFileSync('tar', ['-xzf', path.join(work, 'export.tar.gz'), '-C', dir]);
    const ds = await loadLabelledFolder(dir, path.join(dir, 'labels.jsonl'), loadTaxonomy(defaultTaxonomyPath));
    expect(ds.examples).toHaveLength(12);
    expect(ds.examples.every((e) => e.label.teacher === 'ta')).toBe(true);
    const mine = ds.examples.find((e) => e.label.fixType === relabelled!.fixType && e.source.length > 0);
    expect(mine).toBeDefined();
    expect((await loadAssignment(ds.examples[0]!.assignmentDir)).name).toMatch(/median|smallest/);

    const csv = await page.request.get(`${base()}/dashboard/export/grades.csv`);
    expect((await csv.text()).split('\n')[0]).toMatch(/^id,term,assignment,student/);
  });

  it('refuses a form without its CSRF token', async () => {
    const [s] = await h.app.store.use((st) => st.listSubmissions({}, { limit: 1 }));
    const res = await page.request.post(`${base()}/dashboard/s/${s!.id}/review`, {
      form: { action: 'save', fix: 'ALGORITHM' },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toMatch(/CSRF/);
    const wrong = await page.request.post(`${base()}/dashboard/s/${s!.id}/review`, {
      form: { action: 'save', fix: 'ALGORITHM', _csrf: 'x'.repeat(43) },
      maxRedirects: 0,
    });
    expect(wrong.status()).toBe(403);
    const count = (await h.app.store.use((st) => st.listReviews({ submissionId: s!.id }))).length;
    expect(count).toBeLessThanOrEqual(1);
  });

  it('shows a program whose source and output hold <script> and {{ as text', async () => {
    const [hostile] = await h.app.store.use((s) => s.listSubmissions({ student: 'markup-fan' }, { limit: 1 }));
    await page.goto(`${base()}/dashboard/s/${hostile!.id}`);
    const code = await page.locator('#code').innerText();
    expect(code).toContain('<script>alert("x")</script> {{#each students}}');
    const actual = await page.locator('details.test').first().innerText();
    expect(actual).toContain('<script>alert(1)</script>{{7*7}}');
    expect(await page.evaluate(() => document.scripts.length)).toBe(1);
    expect(await page.evaluate(() => document.querySelectorAll('#code script, details script').length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('answers 403 to a GitHub user who is not in the course team', async () => {
    h.fake.signInAs('mallory');
    const other = watch(await (await browser.newContext()).newPage());
    const answers: number[] = [];
    other.on('response', (r) => {
      if (r.url().includes('/dashboard/oauth/callback')) answers.push(r.status());
    });
    await other.goto(`${base()}/dashboard`);
    expect(answers).toEqual([403]);
    expect(await other.locator('main').innerText()).toMatch(/mallory is not one of this course's TAs/);
    const again = await other.goto(`${base()}/dashboard/term`);
    expect(new URL(again!.url()).pathname).not.toBe('/dashboard/term');
  });
});
