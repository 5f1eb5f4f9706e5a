import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Course } from '../course/course.js';
import { log } from '../core/log.js';
import { orderTags, type Taxonomy } from '../model/taxonomy.js';
import { NotFoundError, StoreInputError, StoreUnavailableError } from '../store/errors.js';
import type { Manifest } from '../model/manifest.js';
import { assignmentModeOf } from '../store/assignment-modes.js';
import type { Store } from '../store/store.js';
import { mayEnter, SignInError, signIn, authorizeUrl, type OAuthClient } from './github-login.js';
import { BadFilterError, parseQueueQuery, queryString, toFilter, type QueueQuery } from './queue-filter.js';
import { HELP, keyMap } from './review-keys.js';
import { submissionView } from './submission-view.js';
import {
  clearCookie,
  cookie,
  csrfHolds,
  currentTa,
  endSession,
  newToken,
  setCookie,
  startSession,
  STATE_COOKIE,
  type Ta,
} from './ta-session.js';
import { termPage } from './term-page.js';
import { TermQueries } from './term-figures.js';
import { sendExport } from './exports.js';
import { loadViews, staticDir, type View } from './views.js';

export type SignInMode =
  | { kind: 'github'; client: OAuthClient; /** The App's public address, for the OAuth callback. */ publicUrl?: string }
  /** `fixsense dashboard`: one TA, signed in by a one-time link printed in the terminal. */
  | { kind: 'local'; reviewer: string };

export interface DashboardDeps {
  store: { use<T>(f: (s: Store) => Promise<T>): Promise<T> };
  taxonomy: Taxonomy;
  /** The course: its term, assignments and who may enter. Local mode may have none. */
  course: Course | null;
  signIn: SignInMode;
  /** Queues the update of the student's check run and comment; null when nobody is told (local mode). */
  tellStudent: ((submissionId: number) => Promise<void>) | null;
  /** The serving model's manifest: which assignments it learnt (for each assignment's mode). */
  manifest?: () => Promise<Manifest | null>;
  clock?: () => number;
}

export interface Dashboard {
  router: express.Router;
  /** Local mode: a one-time sign-in token (the link is /dashboard/login/<token>). */
  oneTimeLogin(): string;
  close(): Promise<void>;
}

/** An answer other than the page asked for, with a message for the TA. */
class PageProblem extends Error {
  override name = 'PageProblem';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    ta?: Ta;
  }
}

const HOUR = 3_600_000;
/** A page served longer ago than this did not measure a review's time (the TA left it open). */
const MAX_TIME_SPENT_MS = 2 * HOUR;

const csp = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  },
  crossOriginEmbedderPolicy: false,
  referrerPolicy: { policy: 'same-origin' },
  // the App's proxy decides about HSTS for its host; a local dashboard is plain http
  strictTransportSecurity: false,
});

const oneOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/**
 * The TA dashboard, served by the App's express process under /dashboard: server-rendered
 * pages that work without JavaScript, a small module script for the keys, sign-in with
 * GitHub (or a one-time link locally), sessions in the store, a CSRF token on every form
 * and a strict Content-Security-Policy.
 */
export function createDashboard(d: DashboardDeps): Dashboard {
  const now = d.clock ?? Date.now;
  const views = loadViews();
  const keys = keyMap(d.taxonomy);
  const rules = d.course?.dashboard ?? { logins: [], session_hours: 12, claim_minutes: 5 };
  const sessionMs = rules.session_hours * HOUR;
  const claimMs = rules.claim_minutes * 60_000;
  const local = d.signIn.kind === 'local';
  const oneTime = new Set<string>();
  let termQueries: TermQueries | undefined;
  const router = express.Router();

  const termOf = async (s: Store) => d.course?.term ?? (await s.latestTerm());
  let assignmentCache: { at: number; names: string[] } | undefined;
  const assignmentNames = async (s: Store, term: string | null): Promise<string[]> => {
    if (d.course) return d.course.assignments.map((a) => a.name);
    if (assignmentCache && now() - assignmentCache.at < 60_000) return assignmentCache.names;
    const names = term === null ? [] : (await s.termSummary({ term })).assignments.map((a) => a.name);
    assignmentCache = { at: now(), names };
    return names;
  };

  const render = (res: Response, view: View, ctx: Record<string, unknown>, status = 200) => {
    res
      .status(status)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(
        views.page(view, {
          ...ctx,
          ta: res.req.ta,
          csrf: res.req.ta?.csrf,
          local,
          told: !!d.tellStudent,
          course: d.course?.name ?? null,
        }),
      );
  };
  const use = <T>(f: (s: Store) => Promise<T>) => d.store.use(f);
  const wrap =
    (f: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: NextFunction): void =>
      void f(req, res).catch(next);

  const https = d.signIn.kind === 'github' && !!d.signIn.publicUrl?.startsWith('https:');
  router.use(csp);
  router.use((_req, res, next) => {
    res.locals.https = https;
    next();
  });
  router.use(
    '/static',
    express.static(staticDir, { index: false, fallthrough: false, maxAge: '1h', dotfiles: 'deny' }),
  );
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }));

  // ---- signing in ----
  const callbackUrl = (req: Request) =>
    d.signIn.kind === 'github' && d.signIn.publicUrl
      ? `${d.signIn.publicUrl.replace(/\/$/, '')}/dashboard/oauth/callback`
      : `${req.protocol}://${req.get('host')}/dashboard/oauth/callback`;

  router.get('/login', (req, res) => {
    if (d.signIn.kind === 'local')
      return render(res, 'message', {
        title: 'Sign in',
        message: 'This dashboard runs locally: open the one-time link that `fixsense dashboard` printed (login: …).',
      });
    const state = newToken();
    setCookie(res, req, STATE_COOKIE, state, 10 * 60_000);
    res.redirect(302, authorizeUrl(d.signIn.client, callbackUrl(req), state));
  });

  router.get(
    '/login/:token',
    wrap(async (req, res) => {
      const token = String(req.params.token);
      const hash = createHash('sha256').update(token).digest('hex');
      if (d.signIn.kind !== 'local' || !oneTime.delete(hash))
        throw new PageProblem(
          403,
          'This sign-in link is not valid (each link works once). Start fixsense dashboard again for a new one.',
        );
      const reviewer = d.signIn.reviewer;
      await use((s) => startSession(s, req, res, { login: reviewer, userId: null }, { ttlMs: sessionMs, now: now() }));
      res.redirect(303, '/dashboard');
    }),
  );

  router.get(
    '/oauth/callback',
    wrap(async (req, res) => {
      if (d.signIn.kind !== 'github') throw new PageProblem(404, 'not found');
      const state = cookie(req, STATE_COOKIE);
      clearCookie(res, req, STATE_COOKIE);
      const given = typeof req.query.state === 'string' ? req.query.state : '';
      if (!state || state.length !== given.length || !timingSafeEqual(Buffer.from(state), Buffer.from(given)))
        throw new PageProblem(403, 'The sign-in did not start here (its state does not match). Sign in again.');
      const code = typeof req.query.code === 'string' ? req.query.code : '';
      if (!code) throw new PageProblem(400, 'GitHub sent no code: was the sign-in cancelled?');
      let user;
      try {
        user = await signIn(d.signIn.client, code, callbackUrl(req));
      } catch (err) {
        if (err instanceof SignInError) throw new PageProblem(403, err.message);
        throw err;
      }
      if (!(await mayEnter(d.signIn.client, rules, user))) {
        log('dashboard-refused', { login: user.login });
        throw new PageProblem(
          403,
          `${user.login} is not one of this course's TAs (course.yml's dashboard: team and logins).`,
        );
      }
      await use((s) =>
        startSession(s, req, res, { login: user.login, userId: user.id }, { ttlMs: sessionMs, now: now() }),
      );
      log('dashboard-login', { login: user.login });
      res.redirect(303, '/dashboard');
    }),
  );

  // ---- everything below needs a TA, and every POST its session's CSRF token ----
  router.use((req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      const ta = await use((s) => currentTa(s, req, { ttlMs: sessionMs, now: now() }));
      if (!ta) {
        if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html')
          return res.redirect(303, '/dashboard/login');
        throw new PageProblem(401, 'Sign in first.');
      }
      req.ta = ta;
      if (req.method !== 'GET' && req.method !== 'HEAD' && !csrfHolds(req, ta))
        throw new PageProblem(403, 'This form has no valid CSRF token: reload the page and try again.');
      next();
    })().catch(next);
  });

  router.post(
    '/logout',
    wrap(async (req, res) => {
      await use((s) => endSession(s, req, res));
      render(res, 'message', { title: 'Signed out', message: 'You are signed out.', signedOut: true });
    }),
  );

  /** What every page of a round shows: the filters, and how many are left. */
  const roundContext = async (s: Store, q: QueueQuery, term: string | null) => {
    const [left, leftHere, assignments] = await Promise.all([
      s.countSubmissions({ ...(term !== null ? { term } : {}), flagged: true, reviewed: false }),
      s.countSubmissions({ ...toFilter(q, term), reviewed: false }),
      assignmentNames(s, term),
    ]);
    return {
      term,
      left,
      leftHere,
      q,
      qs: queryString(q, { skip: null }),
      qsFull: queryString(q),
      options: {
        assignments: assignments.map((a) => ({ name: a, selected: a === q.assignment })),
        fixTypes: d.taxonomy.fixTypes.map((f) => ({ name: f, selected: f === q.fix })),
        tags: d.taxonomy.tags.map((t) => ({ name: t, selected: t === q.tag })),
      },
      help: HELP,
    };
  };

  router.get(
    '/',
    wrap(async (req, res) => {
      const q = parseQueueQuery(req.query);
      const ctx = await use(async (s) => {
        const term = await termOf(s);
        const f = toFilter(q, term);
        const [round, rows, total] = await Promise.all([
          roundContext(s, q, term),
          s.listSubmissions(f, { order: q.order, limit: 50 }),
          s.countSubmissions(f),
        ]);
        return { ...round, rows, total, shown: rows.length };
      });
      render(res, 'queue', {
        ...ctx,
        title: `Queue · ${ctx.left} left`,
        page: 'queue',
        done: typeof req.query.done === 'string' ? Number(req.query.done) || null : null,
        empty: req.query.empty === '1',
        rows: ctx.rows.map((r) => ({
          ...r,
          tagNames: r.tags.map((t) => t.tag),
          heldByOther: r.claim && r.claim.reviewer !== req.ta!.login ? r.claim.reviewer : null,
          href: `/dashboard/s/${r.id}${ctx.qs}`,
        })),
      });
    }),
  );

  /** The next unreviewed item of the filter that nobody else holds, claimed for this TA. */
  const claimNext = async (s: Store, ta: Ta, q: QueueQuery, exclude: number[]) => {
    const term = await termOf(s);
    const skip = new Set(exclude);
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidates = (
        await s.listSubmissions(
          { ...toFilter(q, term), reviewed: false, unclaimed: { now: now(), except: ta.login } },
          { order: q.order, limit: skip.size + 5 },
        )
      ).filter((c) => !skip.has(c.id));
      if (!candidates.length) return null;
      for (const c of candidates) if ((await s.claim(c.id, ta.login, { ttlMs: claimMs })).ok) return c;
    }
    return null;
  };

  const idParam = (v: unknown): number | null => (typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : null);

  router.get(
    '/next',
    wrap(async (req, res) => {
      const q = parseQueueQuery(req.query);
      const from = idParam(req.query.from);
      const done = idParam(req.query.done);
      const next = await use((s) => claimNext(s, req.ta!, q, q.skip ?? []));
      const extra = new URLSearchParams();
      if (from !== null) extra.set('from', String(from));
      if (done !== null) extra.set('done', String(done));
      const tail = extra.toString();
      const qs = queryString(q);
      if (!next) {
        const join = qs ? '&' : '?';
        return res.redirect(303, `/dashboard${qs}${join}empty=1${tail ? `&${tail}` : ''}`);
      }
      res.redirect(303, `/dashboard/s/${next.id}${qs}${tail ? `${qs ? '&' : '?'}${tail}` : ''}`);
    }),
  );

  router.get(
    '/s/:id',
    wrap(async (req, res) => {
      const id = idParam(req.params.id);
      if (id === null) throw new PageProblem(404, 'no such submission');
      const q = parseQueueQuery(req.query);
      const ta = req.ta!;
      const served = now();
      const page = await use(async (s) => {
        const sub = await s.getSubmission(id);
        if (!sub) throw new PageProblem(404, `There is no submission ${id}.`);
        const got = await s.claim(id, ta.login, { ttlMs: claimMs });
        const [earlier, reviews, round] = await Promise.all([
          s.listSubmissions(
            { term: sub.term, assignment: sub.assignment, student: sub.student.login },
            { order: 'newest', limit: 20 },
          ),
          s.listReviews({ submissionId: id }),
          roundContext(s, q, await termOf(s)),
        ]);
        return { sub, got, earlier, reviews, round };
      });
      const { sub, got, round } = page;
      const view = submissionView(sub, { taxonomy: d.taxonomy, keys, earlier: page.earlier, reviews: page.reviews });
      const from = idParam(req.query.from);
      const done = idParam(req.query.done);
      const skipHere = [...(q.skip ?? []), id];
      render(res, 'submission', {
        ...round,
        ...view,
        title: `#${sub.id} ${sub.assignment} · ${round.left} left`,
        page: 'submission',
        s: sub,
        heldBy: got.ok ? null : got.heldBy,
        started: served,
        from,
        done,
        reopened: req.query.undo === '1',
        undoRefused: req.query.undo === 'none',
        actionQs: `${round.qsFull}${round.qsFull ? '&' : '?'}from=${id}`,
        nextHref: `/dashboard/next${queryString(q, { skip: skipHere })}${queryString(q, { skip: skipHere }) ? '&' : '?'}from=${id}`,
        previousHref: from !== null ? `/dashboard/s/${from}${round.qsFull}` : null,
        undoAction: done !== null ? `/dashboard/s/${done}/undo${round.qsFull}` : null,
        claimMinutes: rules.claim_minutes,
      });
    }),
  );

  /** The label a review form sends, checked against the taxonomy. */
  const labelOf = (body: Record<string, unknown>, model: { fixType: string | null; tags: string[] }) => {
    if (body.action === 'accept') {
      if (!model.fixType) throw new PageProblem(400, 'The model made no prediction here: choose a fix type (1 … 0).');
      return { fixType: model.fixType, tags: orderTags(d.taxonomy, model.tags) };
    }
    const fixType = String(body.fix ?? '');
    if (!d.taxonomy.fixTypes.includes(fixType))
      throw new PageProblem(400, `Choose a fix type of the taxonomy (got "${fixType.slice(0, 40)}").`);
    const tags = oneOf(body.tag);
    const unknown = tags.filter((t) => !d.taxonomy.tags.includes(t));
    if (unknown.length) throw new PageProblem(400, `Unknown tags: ${unknown.join(', ').slice(0, 200)}`);
    if (tags.length > 8) throw new PageProblem(400, 'At most 8 tags.');
    return { fixType, tags: orderTags(d.taxonomy, tags) };
  };

  const startedAt = (v: unknown, at: number): number | null => {
    const n = Number(v);
    return Number.isInteger(n) && n <= at && at - n <= MAX_TIME_SPENT_MS ? n : null;
  };

  const tell = async (id: number) => {
    if (!d.tellStudent) return;
    try {
      await d.tellStudent(id);
    } catch (err) {
      // the review is recorded whatever happens here; the log says whom to tell
      log('review-not-queued', { submission: id, error: (err as Error).message });
    }
  };

  // undo: the TA's label of the item just saved is taken back, and the item opens again
  router.post(
    '/s/:id/undo',
    wrap(async (req, res) => {
      const id = idParam(req.params.id);
      if (id === null) throw new PageProblem(404, 'no such submission');
      const removed = await use((s) => s.undoReview({ submissionId: id, reviewer: req.ta!.login }));
      // the student's feedback goes back to what it was before (or to the label before it)
      if (removed) await tell(id);
      const q = parseQueueQuery(req.query);
      const qs = queryString(q, {});
      res.redirect(303, `/dashboard/s/${id}${qs}${qs ? '&' : '?'}undo=${removed ? '1' : 'none'}`);
    }),
  );

  router.post(
    '/s/:id/review',
    wrap(async (req, res) => {
      const id = idParam(req.params.id);
      if (id === null) throw new PageProblem(404, 'no such submission');
      const q = parseQueueQuery(req.query);
      const body = req.body as Record<string, unknown>;
      const ta = req.ta!;
      const at = now();
      await use(async (s) => {
        const sub = (await s.listSubmissions({ ids: [id] }, { limit: 1 }))[0];
        if (!sub) throw new PageProblem(404, `There is no submission ${id}.`);
        if (sub.claim && sub.claim.reviewer !== ta.login)
          throw new PageProblem(409, `${sub.claim.reviewer} is reviewing this one now.`);
        const label = labelOf(body, { fixType: sub.fixType, tags: sub.tags.map((t) => t.tag) });
        await s.recordReview({
          submissionId: id,
          reviewer: ta.login,
          reviewerId: ta.userId,
          startedAt: startedAt(body.started, at),
          reviewedAt: at,
          ...label,
          note: typeof body.note === 'string' ? body.note.slice(0, 10_000) : '',
        });
      });
      await tell(id);
      const qs = queryString(q);
      res.redirect(303, `/dashboard/next${qs}${qs ? '&' : '?'}from=${id}&done=${id}`);
    }),
  );

  router.post(
    '/s/:id/skip',
    wrap(async (req, res) => {
      const id = idParam(req.params.id);
      if (id === null) throw new PageProblem(404, 'no such submission');
      const q = parseQueueQuery(req.query);
      await use((s) => s.releaseClaim(id, req.ta!.login));
      const qs = queryString(q, { skip: [...(q.skip ?? []), id] });
      res.redirect(303, `/dashboard/next${qs}${qs ? '&' : '?'}from=${id}`);
    }),
  );

  /** The page's script renews the claim while the item is open. */
  router.post(
    '/s/:id/claim',
    wrap(async (req, res) => {
      const id = idParam(req.params.id);
      if (id === null) throw new PageProblem(404, 'no such submission');
      const r = await use((s) => s.claim(id, req.ta!.login, { ttlMs: claimMs }));
      res.status(r.ok ? 200 : 409).json(r.ok ? { ok: true, expiresAt: r.expiresAt } : { ok: false, heldBy: r.heldBy });
    }),
  );

  router.get(
    '/groups',
    wrap(async (req, res) => {
      const q = parseQueueQuery(req.query);
      const ctx = await use(async (s) => {
        const term = await termOf(s);
        const [round, groups] = await Promise.all([
          roundContext(s, q, term),
          s.groupSubmissions({ ...toFilter(q, term), reviewed: false }),
        ]);
        return { round, groups };
      });
      render(res, 'groups', {
        ...ctx.round,
        title: `Groups · ${ctx.round.left} left`,
        page: 'groups',
        started: now(),
        confirmed: typeof req.query.confirmed === 'string' ? Number(req.query.confirmed) : null,
        groups: ctx.groups.map((g, i) => ({
          ...g,
          index: i + 1,
          failing: g.failingTests.join(' '),
          sampleHref: `/dashboard/s/${g.firstId}${queryString(q, { assignment: g.assignment, fix: g.fixType, skip: null })}`,
          fixTypes: d.taxonomy.fixTypes.map((f) => ({ name: f, selected: f === g.fixType })),
        })),
      });
    }),
  );

  router.post(
    '/groups/confirm',
    wrap(async (req, res) => {
      const q = parseQueueQuery(req.query);
      const body = req.body as Record<string, unknown>;
      const ta = req.ta!;
      const assignment = String(body.assignment ?? '');
      const verdict = String(body.verdict ?? '');
      if (verdict !== 'FAIL' && verdict !== 'COMPILE_ERROR' && verdict !== 'PASS')
        throw new PageProblem(400, 'a group names its verdict');
      const predicted = String(body.predicted ?? '');
      const fixType = String(body.fix ?? '');
      if (!d.taxonomy.fixTypes.includes(fixType)) throw new PageProblem(400, 'Choose a fix type for the group.');
      const failingTests = String(body.failing ?? '')
        .split(' ')
        .filter(Boolean);
      const at = now();
      const started = startedAt(body.started, at);
      const ids = await use(async (s) => {
        const term = await termOf(s);
        const members = await s.listSubmissions(
          {
            ...toFilter(q, term),
            reviewed: false,
            assignment,
            verdict,
            failingTests,
            ...(predicted ? { fixType: predicted } : {}),
            unclaimed: { now: at, except: ta.login },
          },
          { limit: 1000 },
        );
        // a group without a prediction: the filter cannot say "no fix type", so it is narrowed here
        if (!predicted) members.splice(0, members.length, ...members.filter((m) => m.fixType === null));
        const share = started === null || !members.length ? null : Math.round((at - started) / members.length);
        for (const m of members)
          await s.recordReview({
            submissionId: m.id,
            reviewer: ta.login,
            reviewerId: ta.userId,
            reviewedAt: at,
            timeSpentMs: share,
            fixType,
            // each keeps the model's own reasons: the group shares the kind of fix
            tags: orderTags(
              d.taxonomy,
              m.tags.map((t) => t.tag),
            ).slice(0, 8),
            note: 'confirmed with its group',
          });
        return members.map((m) => m.id);
      });
      for (const id of ids) await tell(id);
      const qs = queryString(q, { skip: null });
      res.redirect(303, `/dashboard/groups${qs}${qs ? '&' : '?'}confirmed=${ids.length}`);
    }),
  );

  router.get(
    '/term',
    wrap(async (_req, res) => {
      const ctx = await use(async (s) => {
        termQueries ??= new TermQueries(s);
        const term = await termOf(s);
        return termPage(s, termQueries, term, d.taxonomy);
      });
      const manifest = (await d.manifest?.().catch(() => null)) ?? null;
      const course = d.course;
      const modes = course
        ? await Promise.all(
            course.assignments.map(async (a) => ({
              assignment: a.name,
              ...(await assignmentModeOf(d.store, course, a, manifest)),
            })),
          )
        : [];
      render(res, 'term', { ...ctx, modes, bar: course?.shadow ?? null, title: 'Term', page: 'term' });
    }),
  );

  // staff switch an assignment's mode by hand (auto: decided again from its reviews)
  router.post(
    '/modes',
    wrap(async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const assignment = String(body.assignment ?? '');
      const mode = String(body.mode ?? '');
      if (!d.course?.byName(assignment))
        throw new PageProblem(400, `No assignment "${assignment.slice(0, 60)}" in the course.`);
      if (!['live', 'shadow', 'auto'].includes(mode)) throw new PageProblem(400, 'The mode is live, shadow or auto.');
      await use((s) =>
        mode === 'auto'
          ? s.clearAssignmentMode(assignment)
          : s.setAssignmentMode({ assignment, mode: mode as 'live' | 'shadow', by: req.ta!.login }),
      );
      log('assignment-mode', { login: req.ta!.login, assignment, mode });
      res.redirect(303, '/dashboard/term#modes');
    }),
  );

  router.get(
    '/export/:what',
    wrap(async (req, res) => {
      const what = String(req.params.what);
      if (!['grades.csv', 'labels.jsonl', 'retrain.tar.gz'].includes(what))
        throw new PageProblem(404, 'no such export');
      await use(async (s) => {
        const term = await termOf(s);
        if (term === null) throw new PageProblem(404, 'Nothing is recorded yet.');
        log('dashboard-export', { login: req.ta!.login, what, term });
        await sendExport(res, s, what as 'grades.csv' | 'labels.jsonl' | 'retrain.tar.gz', term, d.course);
      });
    }),
  );

  router.use((_req, _res, next) => next(new PageProblem(404, 'There is no such page.')));

  // a problem is a page (or JSON for the script's requests), never a stack
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let message = 'Something went wrong on our side; the log says what.';
    if (err instanceof PageProblem) [status, message] = [err.status, err.message];
    else if (err instanceof BadFilterError) [status, message] = [400, `A filter is not valid: ${err.message}`];
    else if (err instanceof NotFoundError) [status, message] = [404, err.message];
    else if (err instanceof StoreInputError) [status, message] = [400, err.message];
    else if (err instanceof StoreUnavailableError)
      [status, message] = [503, 'The database does not answer right now; nothing was lost. Try again in a moment.'];
    else if ((err as { status?: unknown }).status === 404) [status, message] = [404, 'There is no such file.'];
    else if (typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500)
      [status, message] = [(err as { status: number }).status, 'bad request'];
    else
      log('dashboard-error', {
        path: req.path.slice(0, 200),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    if (res.headersSent) return void res.end();
    if (req.accepts(['html', 'json']) === 'json' || req.path.includes('/claim'))
      return void res.status(status).json({ error: message });
    render(res, 'message', { title: status === 403 ? 'Not allowed' : 'Problem', message, status }, status);
  });

  return {
    router,
    oneTimeLogin() {
      const token = randomBytes(24).toString('base64url');
      oneTime.add(createHash('sha256').update(token).digest('hex'));
      return token;
    },
    close: async () => {
      await termQueries?.close();
    },
  };
}

export const dashboardStaticDir = path.resolve(staticDir);
