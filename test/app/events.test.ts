import { describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/course.js';
import { jobsForEvent } from '../../src/github/webhook-events.js';
import { jobId } from '../../src/course/grade-job.js';
import { courseFile, payload, pullRequestPayload, pushPayload, sha } from '../helpers/app-harness.js';

const course = await loadCourse(courseFile());
const push = (over: (p: Record<string, any>) => void = () => {}) => {
  const p = pushPayload({ owner: 'org', repo: 'median-amy', sha: sha('e'), installation: 5 });
  over(p);
  return p;
};

describe('which gradings a webhook asks for', () => {
  it('a push to the default branch of an assignment repository: one job', () => {
    const r = jobsForEvent('push', push(), course);
    expect(r.jobs).toEqual([
      {
        installationId: 5,
        owner: 'org',
        repo: 'median-amy',
        sha: sha('e'),
        assignment: 'median',
        pullRequest: null,
        trigger: 'push',
        // the student is who pushed, and the branch is recorded with the grading
        student: { login: 'student', id: expect.any(Number) },
        branch: 'main',
      },
    ]);
  });

  it('skips deleted branches, tags, bots, other branches and other repositories, saying why', () => {
    expect(
      jobsForEvent(
        'push',
        push((p) => (p.deleted = true)),
        course,
      ).note,
    ).toMatch(/deleted/);
    expect(
      jobsForEvent(
        'push',
        push((p) => (p.ref = 'refs/tags/v2')),
        course,
      ).note,
    ).toMatch(/tag/);
    expect(
      jobsForEvent(
        'push',
        push((p) => (p.sender = { login: 'github-classroom[bot]', type: 'Bot' })),
        course,
      ).note,
    ).toMatch(/bot/);
    expect(
      jobsForEvent(
        'push',
        push((p) => (p.ref = 'refs/heads/experiment')),
        course,
      ).note,
    ).toMatch(/no assignment .* on branch experiment/);
    expect(
      jobsForEvent(
        'push',
        push((p) => (p.repository.full_name = 'org/homework')),
        course,
      ).jobs,
    ).toEqual([]);
  });

  it('pull requests: opened, synchronize and reopened are graded, with the PR number; other actions are not', () => {
    const pr = pullRequestPayload({ owner: 'org', repo: 'median-amy', sha: sha('p'), installation: 5, number: 9 });
    expect(jobsForEvent('pull_request', pr, course).jobs[0]).toMatchObject({
      pullRequest: 9,
      trigger: 'pull_request',
      sha: sha('p'),
    });
    for (const action of ['synchronize', 'reopened'])
      expect(jobsForEvent('pull_request', { ...pr, action }, course).jobs).toHaveLength(1);
    expect(jobsForEvent('pull_request', { ...pr, action: 'closed' }, course).jobs).toEqual([]);
  });

  it('check_run.rerequested: only our own runs, re-graded as a new job', () => {
    const mk = (external: string, appId: number) =>
      payload('check_run', 'rerequested', (p) => {
        p.check_run = {
          ...p.check_run,
          id: 77,
          head_sha: sha('r'),
          external_id: external,
          app: { id: appId },
          pull_requests: [],
        };
        p.repository = { ...p.repository, name: 'median-amy', full_name: 'org/median-amy', owner: { login: 'org' } };
        p.installation = { id: 5 };
      });
    const ours = jobsForEvent('check_run', mk('fixsense:median', 42), course, 42);
    expect(ours.jobs[0]).toMatchObject({ trigger: 'rerequested', rerunOf: 77, assignment: 'median' });
    expect(jobsForEvent('check_run', mk('fixsense:median', 7), course, 42).jobs).toEqual([]);
    expect(jobsForEvent('check_run', mk('someone-else', 42), course, 42).jobs).toEqual([]);
    expect(jobsForEvent('check_run', mk('fixsense:retired', 42), course, 42).note).toMatch(/no longer in the course/);
  });

  it('job ids: the same repository, commit and assignment give the same id; a PR or a re-run another', () => {
    const base = { owner: 'Org', repo: 'median-amy', sha: sha('i'), assignment: 'median', pullRequest: null };
    expect(jobId(base)).toBe(jobId({ ...base, owner: 'org' }));
    expect(jobId(base)).not.toBe(jobId({ ...base, sha: sha('j') }));
    expect(jobId(base)).not.toBe(jobId({ ...base, pullRequest: 3 }));
    expect(jobId(base)).not.toBe(jobId({ ...base, rerunOf: 8 }));
    expect(jobId(base)).toMatch(/^[0-9a-f]{40}$/);
  });
});
