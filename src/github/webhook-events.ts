import type { Course } from '../course/course.js';
import { CHECK_EXTERNAL_PREFIX, type GradeJob } from '../course/grade-job.js';

export interface EventOutcome {
  jobs: Omit<GradeJob, 'receivedAt' | 'deliveryId'>[];
  /** Why nothing (or something less) was queued. */
  note: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const isBot = (user: Json | undefined) => user?.type === 'Bot' || /\[bot\]$/.test(user?.login ?? '');

/**
 * Which gradings a webhook asks for: pure, so every rule is tested without a server.
 * Skips branch deletions, tags, bots' commits and repositories or branches the course does
 * not grade; a re-run request becomes a new grading of the same commit.
 */
export function jobsForEvent(event: string, p: Json, course: Course, appId?: number): EventOutcome {
  const none = (note: string): EventOutcome => ({ jobs: [], note });
  const installationId: number | undefined = p.installation?.id;
  const repo = p.repository;
  switch (event) {
    case 'ping':
      return none('pong');
    case 'installation':
    case 'installation_repositories':
      return none(`${event}.${p.action}: noted`);
    case 'push': {
      if (p.deleted) return none('branch deleted: nothing to grade');
      if (typeof p.ref !== 'string' || !p.ref.startsWith('refs/heads/'))
        return none('not a branch push (a tag?): nothing to grade');
      if (isBot(p.sender) || isBot({ login: p.pusher?.name })) return none('pushed by a bot: not graded');
      if (!p.head_commit || !/^[0-9a-f]{40}$/.test(p.after ?? '')) return none('no commit to grade');
      if (!installationId || !repo) return none('no installation in the payload');
      const branch = p.ref.slice('refs/heads/'.length);
      const matches = course.match(repo.full_name, branch, repo.default_branch ?? repo.master_branch ?? 'main');
      if (!matches.length) return none(`no assignment for ${repo.full_name} on branch ${branch}`);
      return {
        jobs: matches.map((a) => ({
          installationId,
          owner: repo.owner.login ?? repo.owner.name,
          repo: repo.name,
          sha: p.after,
          assignment: a.name,
          pullRequest: null,
          trigger: 'push' as const,
        })),
        note: `grading ${matches.map((a) => a.name).join(', ')}`,
      };
    }
    case 'pull_request': {
      if (!['opened', 'synchronize', 'reopened'].includes(p.action))
        return none(`pull_request.${p.action}: nothing to grade`);
      const pr = p.pull_request;
      if (isBot(pr?.user)) return none('pull request by a bot: not graded');
      if (!installationId || !repo || !pr) return none('no installation in the payload');
      const matches = course.match(repo.full_name, pr.base?.ref ?? null, repo.default_branch ?? 'main');
      if (!matches.length) return none(`no assignment for ${repo.full_name} into ${pr.base?.ref}`);
      return {
        jobs: matches.map((a) => ({
          installationId,
          owner: repo.owner.login,
          repo: repo.name,
          sha: pr.head.sha,
          assignment: a.name,
          pullRequest: pr.number,
          trigger: 'pull_request' as const,
        })),
        note: `grading ${matches.map((a) => a.name).join(', ')} for pull request #${pr.number}`,
      };
    }
    case 'check_run': {
      if (p.action !== 'rerequested') return none(`check_run.${p.action}: nothing to do`);
      const run = p.check_run;
      if (appId !== undefined && run?.app?.id !== appId) return none('not one of our check runs');
      const external: string = run?.external_id ?? '';
      if (!external.startsWith(CHECK_EXTERNAL_PREFIX)) return none('not one of our check runs');
      const assignment = external.slice(CHECK_EXTERNAL_PREFIX.length);
      if (!course.byName(assignment)) return none(`assignment ${assignment} is no longer in the course`);
      if (!installationId || !repo) return none('no installation in the payload');
      return {
        jobs: [
          {
            installationId,
            owner: repo.owner.login,
            repo: repo.name,
            sha: run.head_sha,
            assignment,
            pullRequest: run.pull_requests?.[0]?.number ?? null,
            trigger: 'rerequested' as const,
            rerunOf: run.id,
          },
        ],
        note: `grading ${assignment} again`,
      };
    }
    default:
      return none(`${event}: not handled`);
  }
}
