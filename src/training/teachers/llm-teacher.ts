/**
 * The LLM teacher: any OpenAI-compatible chat-completions endpoint (a hosted API, or a local
 * server that speaks the same API) labels failing programs. The prompt holds the program, its
 * failing tests and the taxonomy with its definitions; the answer is constrained by a JSON
 * schema (fix type, tags, a one-line summary, a minimal fixed program) and checked again here,
 * since a server may ignore the schema. The fixed program is graded in the sandbox: a label
 * whose fix passes every test is verified; one whose fix does not is kept as unverified, with a
 * lower weight, or dropped. Answers are cached by program; requests retry with backoff and stop
 * at a cap on requests and on spend per run.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Assignment } from '../../assignments/assignment.js';
import { ConfigError } from '../../core/config-error.js';
import { formatZodIssues } from '../../core/zod-issues.js';
import { gradingFingerprint } from '../../grading/assignment-fingerprint.js';
import type { TestReport } from '../../grading/report.js';
import type { Taxonomy } from '../../model/taxonomy.js';
import type { Example } from '../example.js';
import { checkLabel } from '../labels.js';
import { programHash, type TeacherRun } from './teacher.js';

const positive = (fallback: number) => z.coerce.number().min(0).default(fallback);

/** The endpoint and its limits, from the environment. LLM_BASE_URL unset: no LLM teacher. */
export const llmEnvSchema = z.object({
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1 (the part before /chat/completions). */
  LLM_BASE_URL: z.string().url().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  /** Sent as a bearer token when set (a local server may need none). */
  LLM_API_KEY: z.string().min(1).optional(),
  /** Requests per run, retries included. */
  LLM_MAX_REQUESTS: z.coerce.number().int().min(0).default(200),
  /** Spend per run, in the currency of the prices below. */
  LLM_MAX_SPEND: positive(5),
  /** Price per million prompt and completion tokens (0: a local server). */
  LLM_PRICE_INPUT: positive(0),
  LLM_PRICE_OUTPUT: positive(0),
  /** Weight of a label whose fix does not pass every test (0: drop it). */
  LLM_UNVERIFIED_WEIGHT: z.coerce.number().min(0).max(1).default(0.3),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
});

export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  maxRequests: number;
  maxSpend: number;
  priceInput: number;
  priceOutput: number;
  unverifiedWeight: number;
  timeoutMs: number;
  /** Backoff before retry n is retryBaseMs · 2ⁿ (or what Retry-After says), at most 30 s. */
  retryBaseMs: number;
  maxAttempts: number;
}

/** The LLM teacher's settings, or null when no endpoint is configured. A bad value is a ConfigError naming it. */
export function llmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LlmConfig | null {
  // LLM_BASE_URL= in a .env file means none, as unset does
  const set = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('LLM_') && v !== ''));
  const r = llmEnvSchema.safeParse(set);
  if (!r.success) throw new ConfigError(`LLM teacher: ${formatZodIssues(r.error, { top: '(environment)' })}`);
  const e = r.data;
  if (!e.LLM_BASE_URL) return null;
  if (!e.LLM_MODEL) throw new ConfigError('LLM teacher: LLM_BASE_URL is set, so LLM_MODEL must name the model');
  return {
    baseUrl: e.LLM_BASE_URL.replace(/\/+$/, ''),
    model: e.LLM_MODEL,
    ...(e.LLM_API_KEY ? { apiKey: e.LLM_API_KEY } : {}),
    maxRequests: e.LLM_MAX_REQUESTS,
    maxSpend: e.LLM_MAX_SPEND,
    priceInput: e.LLM_PRICE_INPUT,
    priceOutput: e.LLM_PRICE_OUTPUT,
    unverifiedWeight: e.LLM_UNVERIFIED_WEIGHT,
    timeoutMs: e.LLM_TIMEOUT_MS,
    retryBaseMs: 500,
    maxAttempts: 4,
  };
}

/** A failing program for the teacher, graded already. */
export interface LlmProgram {
  id: string;
  assignment: Assignment;
  student: string;
  split: string;
  source: string;
  report: TestReport;
}

/** Bump when the prompt changes: cached answers to another prompt are not reused. */
export const PROMPT_VERSION = 'fixsense-llm-teacher/1';

export function answerJsonSchema(t: Taxonomy) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      fix_type: { type: 'string', enum: t.fixTypes },
      tags: { type: 'array', items: { type: 'string', enum: t.tags }, minItems: 1, maxItems: 4 },
      summary: { type: 'string', description: 'one line: what the minimal fix changes' },
      fixed_program: { type: 'string', description: 'the whole program with the minimal fix applied' },
    },
    required: ['fix_type', 'tags', 'summary', 'fixed_program'],
  };
}

const answerSchema = z.object({
  fix_type: z.string(),
  tags: z.array(z.string()),
  summary: z.string().max(500),
  fixed_program: z
    .string()
    .min(1)
    .max(256 * 1024),
});
type Answer = z.infer<typeof answerSchema>;

const responseSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z
    .object({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0) })
    .partial()
    .optional(),
});

export function systemPrompt(t: Taxonomy): string {
  return [
    'You label failing C programs written by students in an introductory programming course.',
    'Name the smallest fix that makes the program pass every test: its fix type, 1 to 4 reasoning tags',
    '(why the program fails), a one-line summary of the fix, and the whole fixed program (change as',
    'little as possible; keep the student’s structure). Answer with JSON only.',
    '',
    'Fix types:',
    ...t.fixTypes.map((f) => `- ${f}: ${t.fixTypeWhen[f] ?? ''}`),
    ...(t.fixTypeOrder ? [t.fixTypeOrder] : []),
    '',
    'Tags:',
    ...t.tags.map((x) => `- ${x}: ${t.tagWhen[x] ?? ''}`),
    ...(t.tagRules ? [t.tagRules] : []),
  ].join('\n');
}

const clip = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}\n[…cut]` : s);

export function userPrompt(p: LlmProgram): string {
  const failing = p.report.tests.filter((t) => t.verdict !== 'PASS').slice(0, 5);
  return [
    `Assignment: ${p.assignment.title} (${p.assignment.name})`,
    '',
    'Program:',
    '```c',
    p.source,
    '```',
    '',
    `Failing tests (${p.report.tests.filter((t) => t.verdict !== 'PASS').length} of ${p.report.tests.length}):`,
    ...failing.flatMap((t) => [
      `- ${t.id}: ${t.verdict}`,
      `  input:\n${clip(t.input)}`,
      `  expected output:\n${clip(t.expected)}`,
      `  actual output:\n${clip(t.actual)}`,
    ]),
  ].join('\n');
}

/** Asked too often: wait and ask again (429), or the server failed (5xx): likewise. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Budget {
  requests: number;
  retries: number;
  spend: number;
}

/** One chat completion, retried with backoff; counts every attempt against the budget. */
async function complete(
  c: LlmConfig,
  body: unknown,
  budget: Budget,
): Promise<{ content: string | null; usage: { prompt_tokens?: number; completion_tokens?: number } }> {
  for (let attempt = 0; ; attempt++) {
    if (budget.requests >= c.maxRequests) throw new CapReached('request cap reached');
    if (c.maxSpend > 0 && budget.spend >= c.maxSpend) throw new CapReached('spend cap reached');
    budget.requests++;
    try {
      const res = await fetch(`${c.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(c.apiKey ? { authorization: `Bearer ${c.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(c.timeoutMs),
      });
      const text = await res.text();
      if (res.status === 429 || res.status >= 500) {
        const ra = Number(res.headers.get('retry-after'));
        throw new RetryableError(`HTTP ${res.status}`, Number.isFinite(ra) && ra >= 0 ? ra * 1000 : null);
      }
      if (!res.ok) throw new AnswerError(`HTTP ${res.status}: ${clip(text, 200)}`);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new AnswerError('the response is not JSON');
      }
      const r = responseSchema.safeParse(json);
      if (!r.success) throw new AnswerError(`not a chat completion: ${formatZodIssues(r.error)}`);
      const usage = r.data.usage ?? {};
      budget.spend +=
        ((usage.prompt_tokens ?? 0) * c.priceInput + (usage.completion_tokens ?? 0) * c.priceOutput) / 1e6;
      return { content: r.data.choices[0]!.message.content, usage };
    } catch (err) {
      const retryable = err instanceof RetryableError || (err instanceof Error && !(err instanceof AnswerError));
      if (!retryable || attempt + 1 >= c.maxAttempts)
        throw err instanceof AnswerError ? err : new AnswerError(`no answer: ${(err as Error).message}`);
      budget.retries++;
      const wait =
        err instanceof RetryableError && err.retryAfterMs !== null ? err.retryAfterMs : c.retryBaseMs * 2 ** attempt;
      await sleep(Math.min(wait, 30_000));
    }
  }
}

/** The endpoint's answer cannot be used: the reason is what the run's discard list says. */
class AnswerError extends Error {}
/** A cap of the run was reached: the remaining programs are not asked about. */
class CapReached extends Error {}

interface Cached {
  answer: Answer;
  verified: boolean;
}

function parseAnswer(content: string | null): Answer {
  if (content === null) throw new AnswerError('empty answer');
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new AnswerError('answer is not JSON');
  }
  const a = answerSchema.safeParse(json);
  if (!a.success) throw new AnswerError(`answer does not match the schema: ${formatZodIssues(a.error)}`);
  return a.data;
}

export interface LlmTeacherOptions {
  config: LlmConfig;
  taxonomy: Taxonomy;
  /** Grades a fixed program (the sandbox, through the report cache). */
  grade: (source: string, a: Assignment) => Promise<TestReport>;
  /** Where answers are kept by program (default: no cache). */
  cacheDir?: string;
}

/**
 * Labels each failing program once (cached answers first), in order, until a cap is reached.
 * Every answer that cannot be used is discarded with its reason: not JSON, not the schema, a
 * fix type or tag the taxonomy lacks, a fix that does not pass (when unverified labels are
 * dropped), no answer after the retries.
 */
export async function llmTeacher(programs: LlmProgram[], o: LlmTeacherOptions): Promise<TeacherRun> {
  const c = o.config;
  const schema = answerJsonSchema(o.taxonomy);
  const system = systemPrompt(o.taxonomy);
  const budget: Budget = { requests: 0, retries: 0, spend: 0 };
  const stats = { asked: 0, cached: 0, verified: 0, unverified: 0, invalid: 0, capped: 0 };
  const examples: Example[] = [];
  const discarded: TeacherRun['discarded'] = [];
  let cap: string | null = null;
  for (const p of programs) {
    if (!p.report.compiled || p.report.verdict !== 'FAIL') continue;
    if (cap) {
      stats.capped++;
      discarded.push({ id: p.id, reason: cap });
      continue;
    }
    const user = userPrompt(p);
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          PROMPT_VERSION,
          c.model,
          system,
          programHash(p.source),
          gradingFingerprint(p.assignment),
          user,
        ]),
      )
      .digest('hex');
    const file = o.cacheDir ? path.join(o.cacheDir, `${key}.json`) : null;
    let got: Cached | null = file ? await readCached(file) : null;
    if (got) stats.cached++;
    else {
      stats.asked++;
      try {
        const { content } = await complete(
          c,
          {
            model: c.model,
            temperature: 0,
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: user },
            ],
            response_format: { type: 'json_schema', json_schema: { name: 'fix_label', strict: true, schema } },
          },
          budget,
        );
        const answer = parseAnswer(content);
        const label = checkLabel({ fix_type: answer.fix_type, tags: answer.tags, teacher: 'llm' }, o.taxonomy);
        if (!label.ok) throw new AnswerError(label.reason);
        const fixed = await o.grade(answer.fixed_program, p.assignment);
        got = { answer, verified: fixed.compiled && fixed.verdict === 'PASS' };
        if (file) await writeCached(file, got);
      } catch (err) {
        if (err instanceof CapReached) {
          cap = err.message;
          stats.capped++;
          discarded.push({ id: p.id, reason: cap });
          continue;
        }
        stats.invalid++;
        discarded.push({ id: p.id, reason: (err as Error).message });
        continue;
      }
    }
    const label = checkLabel({ fix_type: got.answer.fix_type, tags: got.answer.tags, teacher: 'llm' }, o.taxonomy);
    if (!label.ok) {
      stats.invalid++;
      discarded.push({ id: p.id, reason: label.reason });
      continue;
    }
    if (!got.verified && c.unverifiedWeight === 0) {
      stats.unverified++;
      discarded.push({ id: p.id, reason: 'its fix does not pass every test' });
      continue;
    }
    if (got.verified) stats.verified++;
    else stats.unverified++;
    examples.push({
      id: p.id,
      assignment: p.assignment.name,
      assignmentDir: p.assignment.dir,
      student: p.student,
      split: p.split,
      source: p.source,
      label: { ...label.label, editSummary: got.answer.summary, confidence: got.verified ? 'verified' : 'unverified' },
      provenance: { kind: 'submission', source: `llm:${c.model}` },
      // a verified fix is a correct program of the assignment: the mutation teacher may use it
      ...(got.verified ? { fixedSource: got.answer.fixed_program } : { weight: c.unverifiedWeight }),
    });
  }
  return {
    teacher: 'llm',
    examples,
    discarded,
    stats: {
      ...stats,
      requests: budget.requests,
      retries: budget.retries,
      spend: Math.round(budget.spend * 10_000) / 10_000,
    },
  };
}

const cachedSchema = z.object({ answer: answerSchema, verified: z.boolean() });

async function readCached(file: string): Promise<Cached | null> {
  try {
    const r = cachedSchema.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

async function writeCached(file: string, c: Cached): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(c));
  await fs.rename(tmp, file);
}
