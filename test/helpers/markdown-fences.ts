import { expect } from 'vitest';

/** The lines of `md` outside code fences (what GitHub renders as Markdown). */
export function outsideFences(md: string): string[] {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (open === null) open = m[1]!;
      else if (line.trim() === open) open = null;
      continue;
    }
    if (open === null) out.push(line);
  }
  expect(open, 'a code fence is left open').toBeNull();
  return out;
}
