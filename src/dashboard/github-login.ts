import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from '@octokit/oauth-methods';
import { Octokit } from 'octokit';
import type { DashboardConfig } from '../course/course.js';

/** The GitHub App's OAuth client, for the user-to-server sign-in of TAs. */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** github.com's web pages (authorize, access_token), or a GitHub Enterprise Server's. */
  oauthUrl: string;
  /** The REST API, asked who signed in and whether they are in the course's team. */
  apiUrl: string;
}

/** The sign-in did not go through: GitHub refused the code, or an answer was not what GitHub sends. */
export class SignInError extends Error {
  override name = 'SignInError';
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Where the browser goes to sign in: GitHub's authorize page, which comes back to `redirectUrl` with a code. */
export function authorizeUrl(c: OAuthClient, redirectUrl: string, state: string): string {
  return getWebFlowAuthorizationUrl({
    clientType: 'github-app',
    clientId: c.clientId,
    redirectUrl,
    state,
    request: new Octokit({ baseUrl: c.oauthUrl.replace(/\/$/, ''), log: quiet }).request,
  }).url;
}

export interface SignedIn {
  login: string;
  id: number;
  token: string;
}

/** Exchanges the callback's code for the user's token (@octokit/oauth-methods), then asks GitHub who it is. */
export async function signIn(c: OAuthClient, code: string, redirectUrl: string): Promise<SignedIn> {
  let token: string;
  try {
    const r = await exchangeWebFlowCode({
      clientType: 'github-app',
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      code,
      redirectUrl,
      request: new Octokit({ baseUrl: c.oauthUrl.replace(/\/$/, ''), log: quiet }).request,
    });
    token = r.authentication.token;
  } catch (err) {
    throw new SignInError(`GitHub did not accept the sign-in: ${(err as Error).message}`, { cause: err });
  }
  const { data } = await new Octokit({ auth: token, baseUrl: c.apiUrl, log: quiet }).rest.users.getAuthenticated();
  if (typeof data.login !== 'string' || typeof data.id !== 'number') throw new SignInError('GitHub sent no user');
  return { login: data.login, id: data.id, token };
}

/**
 * Whether course.yml lets this user in: a listed login, or an active member of the course's
 * team (asked with the user's own token: GitHub answers 404 for a non-member, and for a team
 * the user may not see).
 */
export async function mayEnter(c: OAuthClient, rules: DashboardConfig, user: SignedIn): Promise<boolean> {
  if (rules.logins.some((l) => l.toLowerCase() === user.login.toLowerCase())) return true;
  if (!rules.team) return false;
  const [org, team] = rules.team.split('/') as [string, string];
  try {
    const { data } = await new Octokit({
      auth: user.token,
      baseUrl: c.apiUrl,
      log: quiet,
    }).rest.teams.getMembershipForUserInOrg({ org, team_slug: team, username: user.login });
    return data.state === 'active';
  } catch (err) {
    if ((err as { status?: number }).status === 404 || (err as { status?: number }).status === 403) return false;
    throw err;
  }
}
