import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../core/paths.js';

export const viewsDir = path.join(templatesDir, 'dashboard');
export const staticDir = path.join(viewsDir, 'static');

export type View = 'queue' | 'submission' | 'groups' | 'term' | 'message';

export interface Views {
  /** A page: the view inside the layout. Every {{value}} is HTML-escaped; only {{{trusted}}} HTML is not. */
  page(view: View, ctx: Record<string, unknown>): string;
}

const pct = (x: unknown) => (typeof x === 'number' ? `${Math.round(x * 100)}%` : '–');
const when = (ms: unknown) =>
  typeof ms === 'number' ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : '–';

/**
 * The dashboard's Handlebars views (templates/dashboard/*.html.hbs), compiled once. Unlike
 * the feedback templates (Markdown, escaped by our own helpers), these escape HTML: student
 * code, output, names and branches can be put in with {{ }} and show as text, whatever they hold.
 */
export function loadViews(): Views {
  const hb = Handlebars.create();
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('pct', pct);
  hb.registerHelper('when', when);
  hb.registerHelper('short', (s: unknown) => (typeof s === 'string' ? s.slice(0, 7) : ''));
  hb.registerHelper('join', (xs: unknown, sep: unknown) => (Array.isArray(xs) ? xs.join(String(sep)) : ''));
  hb.registerHelper('seconds', (ms: unknown) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '–'));
  const compile = (name: string) =>
    hb.compile(fs.readFileSync(path.join(viewsDir, `${name}.html.hbs`), 'utf8'), { strict: false });
  const layout = compile('layout');
  const views = Object.fromEntries(
    (['queue', 'submission', 'groups', 'term', 'message'] as const).map((v) => [v, compile(v)]),
  ) as Record<View, Handlebars.TemplateDelegate>;
  return {
    page: (view, ctx) => layout({ ...ctx, body: new hb.SafeString(views[view](ctx)) }),
  };
}
