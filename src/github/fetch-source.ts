import type { GradeJob } from '../course/grade-job.js';
import type { GitHub } from './installation-octokit.js';

/**
 * The student's file cannot be graded, and no retry will change that: it is missing, a folder,
 * a symlink or submodule in place of the file, or larger than the assignment accepts. The
 * worker completes the check run as neutral with this message.
 */
export class UngradableSourceError extends Error {
  override name = 'UngradableSourceError';
  constructor(
    readonly title: string,
    message: string,
    /** The file is not in the commit at all (the student may have named it otherwise). */
    readonly missing = false,
  ) {
    super(message);
  }
}

const kb = (n: number) => `${Math.ceil(n / 1024)} KB`;

/**
 * The student's file at the pushed commit (the tests live with the App, never in the
 * repository). The contents API inlines files up to 1 MB; a larger one (up to GitHub's
 * 100 MB) comes through the blob API, and only when the assignment accepts its size.
 */
export async function fetchSource(gh: GitHub, job: GradeJob, path: string, maxBytes: number): Promise<Buffer> {
  const where = { owner: job.owner, repo: job.repo };
  let data: Awaited<ReturnType<GitHub['rest']['repos']['getContent']>>['data'];
  try {
    ({ data } = await gh.rest.repos.getContent({ ...where, path, ref: job.sha }));
  } catch (err) {
    const e = err as { status?: number; message?: string; response?: { data?: { errors?: { code?: string }[] } } };
    if (e.status === 404) {
      throw new UngradableSourceError(`${path} not found`, `${path} is not in commit ${job.sha.slice(0, 7)}`, true);
    }
    // past 100 MB GitHub refuses the contents API outright
    if (
      e.status === 403 &&
      (/too.?large/i.test(e.message ?? '') || e.response?.data?.errors?.[0]?.code === 'too_large')
    ) {
      throw tooLarge(path, undefined, maxBytes);
    }
    throw err;
  }
  if (Array.isArray(data)) throw new UngradableSourceError(`${path} is a folder`, `${path} is a folder, not a C file`);
  if (data.type === 'symlink' || data.type === 'submodule') {
    throw new UngradableSourceError(
      `${path} is a ${data.type}`,
      `${path} is a ${data.type} in commit ${job.sha.slice(0, 7)}, not a file: commit the program itself`,
    );
  }
  if (data.type !== 'file') throw new UngradableSourceError(`${path} is not a file`, `${path} is not a C file`);
  if (data.size > maxBytes) throw tooLarge(path, data.size, maxBytes);
  if (
    'content' in data &&
    typeof data.content === 'string' &&
    data.encoding !== 'none' &&
    (data.content || !data.size)
  ) {
    return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8');
  }
  const blob = await gh.rest.git.getBlob({ ...where, file_sha: data.sha });
  const bytes = Buffer.from(blob.data.content, blob.data.encoding === 'base64' ? 'base64' : 'utf8');
  if (bytes.length > maxBytes) throw tooLarge(path, bytes.length, maxBytes);
  return bytes;
}

function tooLarge(path: string, size: number | undefined, maxBytes: number): UngradableSourceError {
  return new UngradableSourceError(
    `${path} is too large`,
    `${path} is ${size === undefined ? 'over 100 MB' : kb(size)}, larger than the ${kb(maxBytes)} this assignment accepts: ` +
      'it was not graded. Push the program alone, without data or generated files in it.',
  );
}
