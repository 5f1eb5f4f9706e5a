/**
 * A local server that speaks the parts of GitHub's REST API the App uses. Every request is
 * checked against GitHub's published OpenAPI description (@octokit/openapi), so the fake
 * cannot drift from the real API: an unknown route, a missing parameter or a body the
 * schema rejects is answered 422 and recorded as a violation.
 */
import { createHash, createVerify, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

interface Operation {
  template: string;
  method: string;
  regex: RegExp;
  params: string[];
  op: Record<string, any>;
}

let spec: { doc: any; ops: Operation[]; ajv: Ajv } | undefined;
function openapi() {
  if (spec) return spec;
  const doc = require('@octokit/openapi/generated/api.github.com.json');
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
    const params: string[] = [];
    const regex = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, p: string) => (params.push(p), p === 'path' ? '(.+)' : '([^/]+)'))}$`,
    );
    for (const method of ['get', 'post', 'patch', 'put', 'delete']) {
      if (item[method])
        ops.push({
          template,
          method: method.toUpperCase(),
          regex,
          params,
          op: item[method] as Record<string, unknown>,
        });
    }
  }
  // literal segments first, so /repos/{o}/{r}/check-runs is not read as a {path}
  ops.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'github');
  spec = { doc, ops, ajv };
  return spec;
}

const bodyValidators = new Map<string, ValidateFunction>();
function validateBody(o: Operation, body: unknown): string[] {
  const content = o.op.requestBody?.content?.['application/json'];
  if (!content) return body === undefined ? [] : [];
  const key = `${o.method} ${o.template}`;
  let v: ValidateFunction | undefined = bodyValidators.get(key);
  if (!v) {
    const pointer = `github#/paths/${o.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${o.method.toLowerCase()}/requestBody/content/application~1json/schema`;
    v = openapi().ajv.compile({ $ref: pointer });
    bodyValidators.set(key, v!);
  }
  if (body === undefined) return o.op.requestBody?.required ? ['request body required'] : [];
  return v!(body) ? [] : (v!.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`);
}

function validateQuery(o: Operation, query: URLSearchParams): string[] {
  const problems: string[] = [];
  const { doc } = openapi();
  const params = (o.op.parameters ?? []).map((p: { $ref?: string }) =>
    p.$ref ? p.$ref.split('/').reduce((x: any, k: string) => (k === '#' ? doc : x[k]), doc) : p,
  );
  const known = new Set(params.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name));
  for (const k of query.keys()) if (!known.has(k)) problems.push(`unknown query parameter ${k}`);
  for (const p of params)
    if (p.in === 'query' && p.required && !query.has(p.name)) problems.push(`missing query parameter ${p.name}`);
  return problems;
}

export interface CheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  external_id?: string;
  status: string;
  conclusion?: string | null;
  output: { title?: string; summary?: string; text?: string };
  annotations: unknown[];
  installation: number;
  created_at: number;
  /** The status it was created with: in_progress, or completed at once. */
  created_status: string;
  completed_at?: number;
}

export interface Comment {
  id: number;
  owner: string;
  repo: string;
  on: string;
  body: string;
  installation: number;
  /** Who wrote it: the App's bot for comments made with an installation token. */
  login: string;
  /** When its body was last written (ms since the epoch). */
  updatedAt: number;
}

/** A tree entry that is not a plain file: what the contents API answers for it. */
export type SpecialEntry = { type: 'symlink'; target: string } | { type: 'submodule'; url: string } | { type: 'huge' };

export interface FakeGitHubOptions {
  appId: number;
  publicKey: string;
  /** When set, writes beyond these per-installation limits get GitHub's secondary-rate-limit answer. */
  enforce?: { limit: number; windowMs: number }[];
  /** The retry-after (seconds) of a refused write; GitHub's answers vary, often a minute. */
  retryAfterSeconds?: number;
  /** The App's OAuth client, for the web flow's pages (/login/oauth/*) that sign TAs in to the dashboard. */
  oauth?: { clientId: string; clientSecret: string };
}

/** A GitHub user who can sign in through the OAuth web flow. */
export interface FakeUser {
  login: string;
  id: number;
}

export class FakeGitHub {
  readonly checkRuns: CheckRun[] = [];
  readonly comments: Comment[] = [];
  readonly violations: string[] = [];
  /** [installation, time] of every content-creating request. */
  readonly writes: { installation: number; at: number; method: string; path: string }[] = [];
  readonly requests: { method: string; path: string; status: number }[] = [];
  private readonly files = new Map<string, string>();
  private readonly special = new Map<string, SpecialEntry>();
  private readonly blobs = new Map<string, string>();
  /** The App's slug: its bot user is `<slug>[bot]`. */
  readonly slug = 'fixsense';
  private readonly tokens = new Map<string, number>();
  private readonly faults: { method: string; path: RegExp; status: number; remaining: number }[] = [];
  private server?: http.Server;
  private nextId = 1000;
  private readonly users = new Map<string, FakeUser>();
  private readonly teams = new Map<string, Set<string>>();
  /** code → who signed in and where the code was sent (one use each, as GitHub's). */
  private readonly codes = new Map<string, { login: string; redirectUri: string }>();
  private readonly userTokens = new Map<string, string>();
  private signedIn: string | null = null;
  url = '';

  constructor(private readonly o: FakeGitHubOptions) {}

  /** A file in a repository at a commit. */
  addFile(owner: string, repo: string, sha: string, path: string, content: string | Buffer): void {
    this.files.set(`${owner}/${repo}@${sha}:${path}`.toLowerCase(), Buffer.from(content).toString('base64'));
  }

  /** A symlink, a submodule, or a file over GitHub's 100 MB (which the contents API refuses) at a path. */
  addSpecial(owner: string, repo: string, sha: string, path: string, entry: SpecialEntry): void {
    this.special.set(`${owner}/${repo}@${sha}:${path}`.toLowerCase(), entry);
  }

  /** A comment somebody else (a student) wrote. */
  addUserComment(owner: string, repo: string, on: string, body: string, login: string): Comment {
    const c = { id: this.nextId++, owner, repo, on, body, installation: 0, login, updatedAt: Date.now() };
    this.comments.push(c);
    return c;
  }

  /** A user who can sign in through the OAuth web flow. */
  addUser(login: string): FakeUser {
    const u = this.users.get(login.toLowerCase()) ?? { login, id: this.nextId++ };
    this.users.set(login.toLowerCase(), u);
    return u;
  }

  /** An active member of an organisation's team. */
  addTeamMember(org: string, team: string, login: string): void {
    this.addUser(login);
    const key = `${org}/${team}`.toLowerCase();
    this.teams.set(key, (this.teams.get(key) ?? new Set()).add(login.toLowerCase()));
  }

  /** Who the authorize page signs in, as if they were logged in to GitHub in that browser and approved. */
  signInAs(login: string | null): void {
    if (login !== null) this.addUser(login);
    this.signedIn = login;
  }

  /** The next `times` requests matching method and path fail with `status`. */
  failNext(method: string, path: RegExp, times: number, status = 500): void {
    this.faults.push({ method, path, status, remaining: times });
  }

  /** The most writes one installation made within any window of `windowMs`. */
  maxWritesInWindow(installation: number, windowMs: number): number {
    const at = this.writes
      .filter((w) => w.installation === installation)
      .map((w) => w.at)
      .sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= windowMs) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  async start(): Promise<string> {
    openapi();
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private verifyJwt(auth: string | undefined): boolean {
    const m = /^Bearer (.+)\.(.+)\.(.+)$/i.exec(auth ?? '');
    if (!m) return false;
    const v = createVerify('RSA-SHA256');
    v.update(`${m[1]}.${m[2]}`);
    if (!v.verify(this.o.publicKey, Buffer.from(m[3]!, 'base64url'))) return false;
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    return Number(claims.iss) === this.o.appId && claims.exp > now && claims.iat <= now + 60;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // GitHub counts a write when it arrives, not when its body has been read
    const arrived = Date.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const url = new URL(req.url!, 'http://fake');
    const method = req.method!;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method, path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    // 0. the OAuth web flow's pages are github.com's, not the API's: no OpenAPI description covers them
    if (url.pathname.startsWith('/login/oauth/')) return this.oauthPage(method, url, raw, req, res, send);
    // 1. the route must exist in GitHub's OpenAPI description, with valid parameters and body
    const op = openapi().ops.find((o) => o.method === method && o.regex.test(url.pathname));
    if (!op) {
      this.violations.push(`${method} ${url.pathname}: no such operation in GitHub's API`);
      return send(404, { message: 'Not Found' });
    }
    const values = op.regex.exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const p = Object.fromEntries(op.params.map((n, i) => [n, values[i]!]));
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      this.violations.push(`${method} ${op.template}: body is not JSON`);
      return send(400, { message: 'Problems parsing JSON' });
    }
    const problems = [...validateQuery(op, url.searchParams), ...validateBody(op, body)];
    if (problems.length) {
      this.violations.push(`${method} ${op.template}: ${problems.join('; ')}`);
      return send(422, { message: 'Validation Failed', errors: problems });
    }
    // 2. authentication: the App's JWT for tokens and for the App itself, an installation token for the rest
    if (op.template === '/app') {
      if (!this.verifyJwt(req.headers.authorization))
        return send(401, { message: 'A JSON web token could not be decoded' });
      return send(200, { id: this.o.appId, slug: this.slug, name: 'fixsense', owner: { login: 'course' } });
    }
    if (op.template === '/app/installations/{installation_id}/access_tokens') {
      if (!this.verifyJwt(req.headers.authorization))
        return send(401, { message: 'A JSON web token could not be decoded' });
      const token = `ghs_${randomBytes(16).toString('hex')}`;
      this.tokens.set(token, Number(p.installation_id));
      return send(201, {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { checks: 'write', contents: 'read', pull_requests: 'write', issues: 'write', metadata: 'read' },
        repository_selection: 'all',
      });
    }
    // a user-to-server token (the dashboard's sign-in) may ask who it is and about team membership
    const userToken = /^(token|bearer) (ghu_\w+)$/i.exec(req.headers.authorization ?? '')?.[2];
    if (userToken) return this.userRoute(op, p, this.userTokens.get(userToken), send);
    const token = /^(token|bearer) (ghs_\w+)$/i.exec(req.headers.authorization ?? '')?.[2];
    const installation = token ? this.tokens.get(token) : undefined;
    if (installation === undefined) return send(401, { message: 'Bad credentials' });
    // 3. injected faults and write budgets
    const fault = this.faults.find((f) => f.remaining > 0 && f.method === method && f.path.test(url.pathname));
    if (fault) {
      fault.remaining--;
      return send(fault.status, { message: 'Server Error' });
    }
    if (method !== 'GET') {
      for (const l of this.o.enforce ?? []) {
        const recent = this.writes.filter((w) => w.installation === installation && arrived - w.at < l.windowMs).length;
        if (recent >= l.limit)
          return send(
            403,
            { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
            { 'retry-after': String(this.o.retryAfterSeconds ?? 1) },
          );
      }
      this.writes.push({ installation, at: arrived, method, path: url.pathname });
    }
    return this.route(op, p, body as Record<string, any>, url, installation, send);
  }

  private route(
    op: Operation,
    p: Record<string, string>,
    body: Record<string, any>,
    url: URL,
    installation: number,
    send: (s: number, b: unknown) => void,
  ): void {
    const key = `${op.method} ${op.template}`;
    const owner = p.owner!;
    const repo = p.repo!;
    switch (key) {
      case 'GET /repos/{owner}/{repo}/contents/{path}': {
        const where = `${owner}/${repo}@${url.searchParams.get('ref')}:${p.path}`.toLowerCase();
        const name = p.path!.split('/').pop();
        const special = this.special.get(where);
        if (special?.type === 'huge') {
          // GitHub's answer past 100 MB
          return send(403, {
            message:
              'This API returns blobs up to 100 MB in size. The requested blob is too large to fetch via the API.',
            errors: [{ resource: 'Blob', field: 'data', code: 'too_large' }],
          });
        }
        if (special) return send(200, { ...special, name, path: p.path, size: 0, sha: 'e'.repeat(40) });
        const content = this.files.get(where);
        if (!content) return send(404, { message: 'Not Found' });
        const size = Buffer.from(content, 'base64').length;
        const sha = createHash('sha1').update(content).digest('hex');
        this.blobs.set(`${owner}/${repo}:${sha}`.toLowerCase(), content);
        // as GitHub does, files over 1 MB come without their content: the blob API has it
        const big = size > 1024 * 1024;
        return send(200, {
          type: 'file',
          encoding: big ? 'none' : 'base64',
          size,
          name,
          path: p.path,
          content: big ? '' : content,
          sha,
        });
      }
      case 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}': {
        const content = this.blobs.get(`${owner}/${repo}:${p.file_sha}`.toLowerCase());
        if (!content) return send(404, { message: 'Not Found' });
        return send(200, {
          sha: p.file_sha,
          size: Buffer.from(content, 'base64').length,
          content,
          encoding: 'base64',
        });
      }
      case 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': {
        const runs = this.checkRuns.filter(
          (r) =>
            r.owner === owner &&
            r.repo === repo &&
            r.head_sha === p.ref &&
            (!url.searchParams.get('check_name') || r.name === url.searchParams.get('check_name')),
        );
        return send(200, { total_count: runs.length, check_runs: runs.map((r) => this.runJson(r)) });
      }
      case 'POST /repos/{owner}/{repo}/check-runs': {
        const run: CheckRun = {
          id: this.nextId++,
          owner,
          repo,
          name: body.name,
          head_sha: body.head_sha,
          external_id: body.external_id,
          status: body.status ?? 'queued',
          conclusion: body.conclusion ?? null,
          output: body.output ?? {},
          annotations: body.output?.annotations ?? [],
          installation,
          created_at: Date.now(),
          created_status: body.status ?? 'queued',
          ...(body.status === 'completed' || body.conclusion ? { completed_at: Date.now() } : {}),
        };
        if (run.conclusion) run.status = 'completed';
        this.checkRuns.push(run);
        return send(201, this.runJson(run));
      }
      case 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': {
        const run = this.checkRuns.find((r) => r.id === Number(p.check_run_id) && r.owner === owner && r.repo === repo);
        if (!run) return send(404, { message: 'Not Found' });
        if (body.status) run.status = body.status;
        if (body.conclusion) {
          run.conclusion = body.conclusion;
          run.status = 'completed';
          run.completed_at ??= Date.now();
        }
        if (body.output) {
          run.output = { ...run.output, ...body.output };
          run.annotations.push(...(body.output.annotations ?? []));
        }
        return send(200, this.runJson(run));
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return send(
          200,
          this.comments
            .filter((c) => c.owner === owner && c.repo === repo && c.on === `issue:${p.issue_number}`)
            .map((c) => this.commentJson(c)),
        );
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments':
        return send(
          201,
          this.commentJson(this.addComment(owner, repo, `issue:${p.issue_number}`, body.body, installation)),
        );
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}':
      case 'PATCH /repos/{owner}/{repo}/comments/{comment_id}': {
        const c = this.comments.find((x) => x.id === Number(p.comment_id));
        if (!c) return send(404, { message: 'Not Found' });
        c.body = body.body;
        c.updatedAt = Date.now();
        return send(200, this.commentJson(c));
      }
      case 'GET /repos/{owner}/{repo}/commits/{commit_sha}/comments':
        return send(
          200,
          this.comments
            .filter((c) => c.owner === owner && c.repo === repo && c.on === `commit:${p.commit_sha}`)
            .map((c) => this.commentJson(c)),
        );
      case 'POST /repos/{owner}/{repo}/commits/{commit_sha}/comments':
        return send(
          201,
          this.commentJson(this.addComment(owner, repo, `commit:${p.commit_sha}`, body.body, installation)),
        );
      default:
        this.violations.push(`${key}: valid for GitHub, but the fake does not implement it`);
        return send(501, { message: `fake GitHub does not implement ${key}` });
    }
  }

  /** GitHub's OAuth web flow: the authorize page (it signs in `signInAs`'s user at once) and the code exchange. */
  private oauthPage(
    method: string,
    url: URL,
    raw: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    send: (s: number, b: unknown, h?: Record<string, string>) => void,
  ): void {
    const client = this.o.oauth;
    if (method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      const redirect = q.get('redirect_uri');
      if (!client || q.get('client_id') !== client.clientId || !redirect) {
        this.violations.push(`GET /login/oauth/authorize: bad client_id or no redirect_uri`);
        return send(404, { message: 'Not Found' });
      }
      if (!this.signedIn) return send(401, { message: 'nobody is signed in to the fake GitHub (signInAs)' });
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, { login: this.signedIn, redirectUri: redirect });
      const back = new URL(redirect);
      back.searchParams.set('code', code);
      if (q.has('state')) back.searchParams.set('state', q.get('state')!);
      this.requests.push({ method, path: url.pathname, status: 302 });
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body: Record<string, string>;
      try {
        body = /json/.test(req.headers['content-type'] ?? '')
          ? JSON.parse(raw)
          : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        return send(400, { message: 'Problems parsing JSON' });
      }
      const error = (e: string, d: string) =>
        send(200, { error: e, error_description: d, error_uri: 'https://docs.github.com/apps' });
      if (!client || body.client_id !== client.clientId || body.client_secret !== client.clientSecret)
        return error('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
      const grant = this.codes.get(body.code ?? '');
      this.codes.delete(body.code ?? '');
      if (!grant) return error('bad_verification_code', 'The code passed is incorrect or expired.');
      if (body.redirect_uri && body.redirect_uri !== grant.redirectUri)
        return error('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL.');
      const token = `ghu_${randomBytes(16).toString('hex')}`;
      this.userTokens.set(token, grant.login);
      return send(200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    return send(404, { message: 'Not Found' });
  }

  /** The API routes a user's token is used for: who am I, and am I in this team. */
  private userRoute(
    op: Operation,
    p: Record<string, string>,
    login: string | undefined,
    send: (s: number, b: unknown) => void,
  ): void {
    const user = login ? this.users.get(login.toLowerCase()) : undefined;
    if (!user) return send(401, { message: 'Bad credentials' });
    if (op.method === 'GET' && op.template === '/user')
      return send(200, { login: user.login, id: user.id, type: 'User', site_admin: false });
    if (op.method === 'GET' && op.template === '/orgs/{org}/teams/{team_slug}/memberships/{username}') {
      const members = this.teams.get(`${p.org}/${p.team_slug}`.toLowerCase());
      if (!members?.has(p.username!.toLowerCase())) return send(404, { message: 'Not Found' });
      return send(200, { url: '', role: 'member', state: 'active' });
    }
    this.violations.push(`${op.method} ${op.template}: the fake does not answer it for a user token`);
    return send(501, { message: 'not implemented for user tokens' });
  }

  private addComment(owner: string, repo: string, on: string, body: string, installation: number): Comment {
    const c = {
      id: this.nextId++,
      owner,
      repo,
      on,
      body,
      installation,
      login: `${this.slug}[bot]`,
      updatedAt: Date.now(),
    };
    this.comments.push(c);
    return c;
  }

  private runJson(r: CheckRun) {
    return {
      id: r.id,
      name: r.name,
      head_sha: r.head_sha,
      external_id: r.external_id ?? null,
      status: r.status,
      conclusion: r.conclusion ?? null,
      output: {
        title: r.output.title ?? null,
        summary: r.output.summary ?? null,
        text: null,
        annotations_count: r.annotations.length,
        annotations_url: '',
      },
      app: { id: this.o.appId },
      pull_requests: [],
    };
  }

  private commentJson(c: Comment) {
    return {
      id: c.id,
      body: c.body,
      user: { login: c.login, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: new Date().toISOString(),
    };
  }
}
