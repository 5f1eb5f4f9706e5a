/**
 * A local endpoint that speaks the OpenAI chat-completions API, scripted per request: the LLM
 * teacher's tests run against it (valid answers, invalid JSON, wrong labels, fixes that do
 * not pass, 429s and 5xx), as they would against a hosted API or a local model server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  temperature?: number;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as it is; an object as JSON. */
  body?: unknown;
}

/** A chat completion whose message content is `content` (an object is sent as its JSON text). */
export function completion(content: unknown, usage = { prompt_tokens: 1000, completion_tokens: 200 }): FakeReply {
  return {
    body: {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      model: 'fake',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: typeof content === 'string' ? content : JSON.stringify(content) },
        },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    },
  };
}

export class FakeLlm {
  readonly requests: { headers: http.IncomingHttpHeaders; body: ChatRequest }[] = [];
  #server: http.Server | null = null;
  url = '';

  constructor(private readonly reply: (req: ChatRequest, n: number) => FakeReply | Promise<FakeReply>) {}

  async start(): Promise<this> {
    this.#server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        void (async () => {
          if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
            res.writeHead(404, { 'content-type': 'application/json' });
            return void res.end(JSON.stringify({ error: { message: 'not found' } }));
          }
          const body = JSON.parse(text) as ChatRequest;
          this.requests.push({ headers: req.headers, body });
          const r = await this.reply(body, this.requests.length);
          const payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
          res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers });
          res.end(payload);
        })();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** The program text of a request (between the ```c fences of the user message). */
  static program(req: ChatRequest): string {
    const user = req.messages.find((m) => m.role === 'user')?.content ?? '';
    return /```c\n([\s\S]*?)\n```/.exec(user)?.[1] ?? '';
  }
}
