import { describe, expect, it } from 'vitest';
import { capLength, fence, inlineCode, neutralise, trimBlock } from '../../src/feedback/safe-markdown.js';
import { outsideFences } from '../helpers/markdown-fences.js';

describe('safe Markdown for untrusted output', () => {
  it('a fence is longer than any backtick run inside it, so the content cannot close it', () => {
    const text = 'a\n```\nb\n`````\nc';
    const md = fence(text);
    expect(md.startsWith('``````\n')).toBe(true);
    expect(md.endsWith('\n``````')).toBe(true);
    expect(outsideFences(`before\n${md}\nafter`)).toEqual(['before', 'after']);
  });

  it('NUL, control and bidi characters become visible text', () => {
    expect(neutralise('a\u0000b')).toBe('a\\0b');
    expect(neutralise('x\u001by')).toBe('x\\x1by');
    expect(neutralise('\u202eevil')).toBe('<U+202E>evil');
    expect(neutralise('tab\tand\nnewline')).toBe('tab\tand\nnewline');
  });

  it('long lines and long outputs are trimmed, saying so', () => {
    const t = trimBlock(`${'x'.repeat(500)}\n${'y\n'.repeat(30)}`, 5, 100);
    expect(t.cut).toBe(true);
    const lines = t.text.split('\n');
    expect(lines[0]!.length).toBe(100);
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toBe('… 26 more lines');
  });

  it('inline code survives backticks, newlines and emptiness', () => {
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(inlineCode('1\n2')).toBe('`1↵2`');
    expect(inlineCode('')).toBe('*(nothing)*');
    expect(inlineCode('z'.repeat(100), 10)).toBe('`zzzzzzzzz…`');
  });

  it('caps a text below GitHub’s limit without leaving a fence open', () => {
    const md = `intro\n${fence('line\n'.repeat(20_000))}\nend`;
    const capped = capLength(md, 5000);
    expect(capped.length).toBeLessThanOrEqual(5100);
    expect(capped).toContain('Feedback shortened');
    outsideFences(capped);
    expect(capLength('short')).toBe('short');
  });
});
