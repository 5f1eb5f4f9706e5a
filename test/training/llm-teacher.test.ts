/**
 * The LLM teacher against a local endpoint speaking the chat-completions API: what it sends,
 * what it keeps (verified, unverified), what it discards and why (invalid JSON, wrong labels,
 * fixes that fail, no answer), how it retries 429s, caches by program and stops at its caps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Assignment } from '../../src/assignments/assignment.js';
import { loadAssignment } from '../../src/assignments/load-assignment.js';
import { ConfigError } from '../../src/core/config-error.js';
import { fixturesDir } from '../../src/core/paths.js';
import { gradeSubmission } from '../../src/grading/grade-submission.js';
import { loadTaxonomy } from '../../src/model/taxonomy.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import {
  llmConfigFromEnv,
  llmTeacher,
  type LlmConfig,
  type LlmProgram,
} from '../../src/training/teachers/llm-teacher.js';
import { completion, FakeLlm, type FakeReply } from '../helpers/fake-llm.js';

const taxonomy = loadTaxonomy();
const sandbox = new Sandbox();
const grade = (s: string, a: Assignment) => gradeSubmission(Buffer.from(s), a, sandbox);
let median: Assignment;
let programs: LlmProgram[];
let reference: string;

beforeAll(async () => {
  median = await loadAssignment(path.join(fixturesDir, 'assignments/median'));
  reference = fs.readFileSync(path.join(median.dir, 'reference.c'), 'utf8');
  programs = await Promise.all(
    ['forgets-equal-values.c', 'and-instead-of-or.c'].map(async (f) => {
      const source = fs.readFileSync(path.join(fixturesDir, 'submissions/median', f), 'utf8');
      return { id: f, assignment: median, student: f, split: 'train', source, report: await grade(source, median) };
    }),
  );
});

const servers: FakeLlm[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function endpoint(reply: (req: Parameters<ConstructorParameters<typeof FakeLlm>[0]>[0], n: number) => FakeReply) {
  const s = await new FakeLlm(reply).start();
  servers.push(s);
  return s;
}

const config = (url: string, o: Partial<LlmConfig> = {}): LlmConfig => ({
  baseUrl: url,
  model: 'fake-model',
  apiKey: 'sk-test',
  maxRequests: 50,
  maxSpend: 5,
  priceInput: 0,
  priceOutput: 0,
  unverifiedWeight: 0.3,
  timeoutMs: 5000,
  retryBaseMs: 1,
  maxAttempts: 4,
  ...o,
});

const good = (fixed: string) => ({
  fix_type: 'MISSING_CASE',
  tags: ['BOUNDARY', 'MISSING_BRANCH'],
  summary: 'handle two equal values',
  fixed_program: fixed,
});

describe('the LLM teacher', () => {
  it('asks with the program, its failing tests and the taxonomy, constrained by a JSON schema, and keeps a verified label', async () => {
    const llm = await endpoint(() => completion(good(reference)));
    const run = await llmTeacher(programs.slice(0, 1), { config: config(llm.url), taxonomy, grade });
    expect(run.discarded).toEqual([]);
    expect(run.examples).toHaveLength(1);
    const e = run.examples[0]!;
    expect(e.label).toMatchObject({ fixType: 'MISSING_CASE', tags: ['BOUNDARY', 'MISSING_BRANCH'], teacher: 'llm' });
    expect(e.label.confidence).toBe('verified');
    expect(e.weight).toBeUndefined();
    expect(e.fixedSource).toBe(reference);
    expect(run.stats).toMatchObject({ verified: 1, unverified: 0, requests: 1 });

    const req = llm.requests[0]!;
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body.model).toBe('fake-model');
    const schema = req.body.response_format!.json_schema!.schema as {
      properties: { fix_type: { enum: string[] }; tags: { items: { enum: string[] } } };
    };
    expect(req.body.response_format!.type).toBe('json_schema');
    expect(schema.properties.fix_type.enum).toEqual(taxonomy.fixTypes);
    expect(schema.properties.tags.items.enum).toEqual(taxonomy.tags);
    const system = req.body.messages[0]!.content;
    expect(system).toContain(`MISSING_CASE: ${taxonomy.fixTypeWhen.MISSING_CASE}`);
    expect(system).toContain(`BOUNDARY: ${taxonomy.tagWhen.BOUNDARY}`);
    expect(FakeLlm.program(req.body)).toBe(programs[0]!.source);
    const failing = programs[0]!.report.tests.find((t) => t.verdict !== 'PASS')!;
    expect(req.body.messages[1]!.content).toContain(failing.id);
  });

  it('discards answers that are not JSON, do not match the schema, or name labels the taxonomy lacks, saying why', async () => {
    const replies = [
      completion('Sure! The fix type is MISSING_CASE.'),
      completion({ fix_type: 'MISSING_CASE', tags: ['BOUNDARY'] }),
      completion({ ...good(reference), fix_type: 'OFF_BY_TWO' }),
      completion({ ...good(reference), tags: ['BOUNDARY', 'LOOP', 'INPUT', 'OUTPUT', 'TYPE'] }),
      completion({ ...good(reference), tags: ['NOT_A_TAG'] }),
    ];
    const llm = await endpoint((_, n) => replies[n - 1]!);
    const five = Array.from({ length: 5 }, (_, i) => ({ ...programs[0]!, id: `p${i}` }));
    const run = await llmTeacher(five, { config: config(llm.url), taxonomy, grade });
    expect(run.examples).toEqual([]);
    expect(run.discarded.map((d) => d.reason)).toEqual([
      'answer is not JSON',
      expect.stringMatching(/^answer does not match the schema: .*summary/),
      'unknown fix type OFF_BY_TWO',
      '5 tags (1 to 4 allowed)',
      'unknown tag NOT_A_TAG',
    ]);
    expect(run.stats.invalid).toBe(5);
  });

  it('keeps a label whose fix fails a test as unverified, weighted lower, or drops it when that weight is 0', async () => {
    // the "fix" is the student's own failing program
    const llm = await endpoint((req) => completion(good(FakeLlm.program(req))));
    const kept = await llmTeacher(programs.slice(0, 1), { config: config(llm.url), taxonomy, grade });
    expect(kept.examples).toHaveLength(1);
    expect(kept.examples[0]!.weight).toBe(0.3);
    expect(kept.examples[0]!.label.confidence).toBe('unverified');
    expect(kept.examples[0]!.fixedSource).toBeUndefined();
    const dropped = await llmTeacher(programs.slice(0, 1), {
      config: config(llm.url, { unverifiedWeight: 0 }),
      taxonomy,
      grade,
    });
    expect(dropped.examples).toEqual([]);
    expect(dropped.discarded).toEqual([{ id: programs[0]!.id, reason: 'its fix does not pass every test' }]);
  });

  it('waits and asks again after a 429 (as Retry-After says) or a 5xx, and gives up after its attempts', async () => {
    const flaky = await endpoint((_, n) =>
      n <= 2
        ? { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } }
        : completion(good(reference)),
    );
    const run = await llmTeacher(programs.slice(0, 1), { config: config(flaky.url), taxonomy, grade });
    expect(run.examples).toHaveLength(1);
    expect(run.stats).toMatchObject({ requests: 3, retries: 2 });

    const down = await endpoint(() => ({ status: 503, body: { error: { message: 'overloaded' } } }));
    const failed = await llmTeacher(programs.slice(0, 1), {
      config: config(down.url, { maxAttempts: 3 }),
      taxonomy,
      grade,
    });
    expect(failed.examples).toEqual([]);
    expect(failed.discarded).toEqual([{ id: programs[0]!.id, reason: 'no answer: HTTP 503' }]);
    expect(down.requests).toHaveLength(3);
  });

  it('answers a program it has labelled before from its cache, without a request', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixsense-llm-cache-'));
    const llm = await endpoint(() => completion(good(reference)));
    const first = await llmTeacher(programs, { config: config(llm.url), taxonomy, grade, cacheDir });
    const second = await llmTeacher(programs, { config: config(llm.url), taxonomy, grade, cacheDir });
    expect(llm.requests).toHaveLength(2);
    expect(second.stats).toMatchObject({ cached: 2, asked: 0, requests: 0 });
    expect(second.examples.map((e) => e.label)).toEqual(first.examples.map((e) => e.label));
  });

  it('stops at the cap on requests, and at the cap on spend, discarding the rest with the reason', async () => {
    const llm = await endpoint(() => completion(good(reference), { prompt_tokens: 1_000_000, completion_tokens: 0 }));
    const byRequests = await llmTeacher(programs, { config: config(llm.url, { maxRequests: 1 }), taxonomy, grade });
    expect(byRequests.examples).toHaveLength(1);
    expect(byRequests.discarded).toEqual([{ id: programs[1]!.id, reason: 'request cap reached' }]);
    // one million prompt tokens at 2 a million: the first answer spends the whole budget of 2
    const bySpend = await llmTeacher(programs, {
      config: config(llm.url, { maxSpend: 2, priceInput: 2 }),
      taxonomy,
      grade,
    });
    expect(bySpend.examples).toHaveLength(1);
    expect(bySpend.stats.spend).toBe(2);
    expect(bySpend.discarded).toEqual([{ id: programs[1]!.id, reason: 'spend cap reached' }]);
  });
});

describe('the LLM teacher’s settings', () => {
  it('without LLM_BASE_URL there is no LLM teacher; a half or bad setting is refused by name', () => {
    expect(llmConfigFromEnv({})).toBeNull();
    expect(llmConfigFromEnv({ LLM_BASE_URL: '', LLM_MODEL: '' })).toBeNull();
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: 'http://127.0.0.1:1/v1' })).toThrow(ConfigError);
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: 'http://127.0.0.1:1/v1' })).toThrow(/LLM_MODEL/);
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: 'not a url', LLM_MODEL: 'm' })).toThrow(/LLM_BASE_URL/);
    expect(() => llmConfigFromEnv({ LLM_BASE_URL: 'http://h/v1', LLM_MODEL: 'm', LLM_MAX_REQUESTS: 'lots' })).toThrow(
      /LLM_MAX_REQUESTS/,
    );
    expect(llmConfigFromEnv({ LLM_BASE_URL: 'http://h/v1/', LLM_MODEL: 'm', LLM_MAX_SPEND: '0.5' })).toMatchObject({
      baseUrl: 'http://h/v1',
      model: 'm',
      maxSpend: 0.5,
      unverifiedWeight: 0.3,
    });
  });
});
