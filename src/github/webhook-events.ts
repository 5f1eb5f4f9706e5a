import { z } from 'zod';
import type { Course } from '../course/course.js';
import { CHECK_EXTERNAL_PREFIX, type GradeJob } from '../course/grade-job.js';

export interface EventOutcome {
  jobs: Omit<GradeJob, 'receivedAt' | 'deliveryId'>[];
  /** Why nothing (or something less) was queued. */
  note: string;
}

/** A signed payload without the fields its event always has: GitHub did not send it as documented. */
export class MalformedPayloadError extends Error {
  override name = 'MalformedPayloadError';
  constructor(
    readonly event: string,
    readonly problems: string,
  ) {
    super(`the ${event} payload is malformed: ${problems}`);
  }
}

/*
 * Only the fields the rules below read are checked; GitHub sends many more, and adds new
 * ones, so every object lets unknown keys through.
 */
const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-digit commit id');
const positiveId = z.number().int().positive();
const actor = z
  .looseObject({ login: z.string().optional(), id: z.number().int().optional(), type: z.string().optional() })
  .nullish();
const repository = z.looseObject({
  name: z.string().min(1),
  full_name: z.string().min(1),
  owner: z
    .looseObject({ login: z.string().min(1).optional(), name: z.string().min(1).optional() })
    .refine((o) => o.login !== undefined || o.name !== undefined, 'needs a login or a name'),
  default_branch: z.string().optional(),
  master_branch: z.string().optional(),
});
const common = z.looseObject({
  action: z.string().max(100).optional(),
  installation: z.looseObject({ id: positiveId }).nullish(),
  repository: repository.nullish(),
});
const withAction = common.extend({ action: z.string().max(100) });

const payloadSchemas = {
  ping: z.looseObject({}),
  installation: withAction,
  installation_repositories: withAction,
  push: common.extend({
    ref: z.string(),
    after: z.string(),
    deleted: z.boolean().optional(),
    head_commit: z.looseObject({}).nullish(),
    sender: actor,
    pusher: z.looseObject({ name: z.string().nullish() }).nullish(),
  }),
  pull_request: withAction.extend({
    pull_request: z.looseObject({
      number: positiveId,
      head: z.looseObject({ sha, ref: z.string().optional() }),
      base: z.looseObject({ ref: z.string() }),
      user: actor,
    }),
  }),
  check_run: withAction.extend({
    sender: actor,
    check_run: z.looseObject({
      id: positiveId,
      head_sha: sha,
      external_id: z.string().nullish(),
      app: z.looseObject({ id: z.number() }).nullish(),
      pull_requests: z.array(z.looseObject({ number: positiveId })).optional(),
    }),
  }),
};
type Payloads = { [E in keyof typeof payloadSchemas]: z.infer<(typeof payloadSchemas)[E]> };

function parsePayload<E extends keyof Payloads>(event: E, body: unknown): Payloads[E] {
  const parsed = payloadSchemas[event].safeParse(body);
  if (!parsed.success)
    throw new MalformedPayloadError(
      event,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; '),
    );
  return parsed.data as Payloads[E];
}

const isBot = (user: { login?: string | null; type?: string } | null | undefined) =>
  user?.type === 'Bot' || /\[bot\]$/.test(user?.login ?? '');

const ownerOf = (repo: z.infer<typeof repository>) => (repo.owner.login ?? repo.owner.name)!;

/** The student a grading belongs to: who pushed, opened the pull request or asked for the re-run. */
function studentOf(user: z.infer<typeof actor>, fallback: string | null | undefined): GradeJob['student'] {
  const login = user?.login ?? fallback;
  return login ? { login, id: user?.id && user.id > 0 ? user.id : null } : undefined;
}

/**
 * Which gradings a webhook asks for: pure, so every rule is tested without a server.
 * Skips branch deletions, tags, bots' commits and repositories or branches the course does
 * not grade; a re-run request becomes a new grading of the same commit. Throws
 * MalformedPayloadError when a handled event lacks a field these rules read.
 */
export function jobsForEvent(event: string, body: unknown, course: Course, appId?: number): EventOutcome {
  const none = (note: string): EventOutcome => ({ jobs: [], note });
  switch (event) {
    case 'ping':
      parsePayload(event, body);
      return none('pong');
    case 'installation':
    case 'installation_repositories':
      return none(`${event}.${parsePayload(event, body).action}: noted`);
    case 'push': {
      const p = parsePayload(event, body);
      if (p.deleted) return none('branch deleted: nothing to grade');
      if (!p.ref.startsWith('refs/heads/')) return none('not a branch push (a tag?): nothing to grade');
      if (isBot(p.sender) || isBot({ login: p.pusher?.name })) return none('pushed by a bot: not graded');
      if (!p.head_commit || !/^[0-9a-f]{40}$/.test(p.after)) return none('no commit to grade');
      const installationId = p.installation?.id;
      const repo = p.repository;
      if (!installationId || !repo) return none('no installation in the payload');
      const branch = p.ref.slice('refs/heads/'.length);
      const matches = course.match(repo.full_name, branch, repo.default_branch ?? repo.master_branch ?? 'main');
      if (!matches.length) return none(`no assignment for ${repo.full_name} on branch ${branch}`);
      return {
        jobs: matches.map((a) => ({
          installationId,
          owner: ownerOf(repo),
          repo: repo.name,
          sha: p.after,
          assignment: a.name,
          pullRequest: null,
          trigger: 'push' as const,
          student: studentOf(p.sender, p.pusher?.name),
          branch,
        })),
        note: `grading ${matches.map((a) => a.name).join(', ')}`,
      };
    }
    case 'pull_request': {
      const p = parsePayload(event, body);
      if (!['opened', 'synchronize', 'reopened'].includes(p.action))
        return none(`pull_request.${p.action}: nothing to grade`);
      const pr = p.pull_request;
      if (isBot(pr.user)) return none('pull request by a bot: not graded');
      const installationId = p.installation?.id;
      const repo = p.repository;
      if (!installationId || !repo) return none('no installation in the payload');
      const matches = course.match(repo.full_name, pr.base.ref, repo.default_branch ?? 'main');
      if (!matches.length) return none(`no assignment for ${repo.full_name} into ${pr.base.ref}`);
      return {
        jobs: matches.map((a) => ({
          installationId,
          owner: ownerOf(repo),
          repo: repo.name,
          sha: pr.head.sha,
          assignment: a.name,
          pullRequest: pr.number,
          trigger: 'pull_request' as const,
          student: studentOf(pr.user, null),
          branch: pr.head.ref ?? null,
        })),
        note: `grading ${matches.map((a) => a.name).join(', ')} for pull request #${pr.number}`,
      };
    }
    case 'check_run': {
      const p = parsePayload(event, body);
      if (p.action !== 'rerequested') return none(`check_run.${p.action}: nothing to do`);
      const run = p.check_run;
      if (appId !== undefined && run.app?.id !== appId) return none('not one of our check runs');
      const external = run.external_id ?? '';
      if (!external.startsWith(CHECK_EXTERNAL_PREFIX)) return none('not one of our check runs');
      const assignment = external.slice(CHECK_EXTERNAL_PREFIX.length);
      if (!course.byName(assignment)) return none(`assignment ${assignment} is no longer in the course`);
      const installationId = p.installation?.id;
      const repo = p.repository;
      if (!installationId || !repo) return none('no installation in the payload');
      return {
        jobs: [
          {
            installationId,
            owner: ownerOf(repo),
            repo: repo.name,
            sha: run.head_sha,
            assignment,
            pullRequest: run.pull_requests?.[0]?.number ?? null,
            trigger: 'rerequested' as const,
            rerunOf: run.id,
            student: studentOf(p.sender, null),
          },
        ],
        note: `grading ${assignment} again`,
      };
    }
    default:
      return none(`${event}: not handled`);
  }
}
