import type { GradeJob } from '../course/grade-job.js';
import type { GitHub } from './installation-octokit.js';

/** The student's file is not in the commit: nothing to grade, and no retry will change that. */
export class MissingSourceError extends Error {
  override name = 'MissingSourceError';
}

/** The student's file at the pushed commit (the tests live with the App, never in the repository). */
export async function fetchSource(gh: GitHub, job: GradeJob, path: string): Promise<Buffer> {
  try {
    const { data } = await gh.rest.repos.getContent({ owner: job.owner, repo: job.repo, path, ref: job.sha });
    if (Array.isArray(data) || data.type !== 'file') throw new MissingSourceError(`${path} is a folder, not a C file`);
    if (!('content' in data) || typeof data.content !== 'string')
      throw new MissingSourceError(`${path} has no content`);
    return Buffer.from(data.content, (data as { encoding?: string }).encoding === 'base64' ? 'base64' : 'utf8');
  } catch (err) {
    if ((err as { status?: number }).status === 404)
      throw new MissingSourceError(`${path} is not in commit ${job.sha.slice(0, 7)}`);
    throw err;
  }
}
