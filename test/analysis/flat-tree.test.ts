import { describe, expect, it } from 'vitest';
import { flatten } from '../../src/analysis/flat-tree.js';
import { parseC, walk } from '../../src/analysis/parse-c.js';

describe('flatten', () => {
  const source = 'int f(){return (a+1);}';
  const tree = parseC(source);
  const all = [...walk(tree.rootNode)];

  it('lists every node in depth-first order, with its type, span and parent', () => {
    const t = flatten(tree);
    expect(t.size).toBe(all.length);
    expect(t.type).toEqual(all.map((n) => n.type));
    expect(t.start).toEqual(all.map((n) => n.startIndex));
    expect(t.end).toEqual(all.map((n) => n.endIndex));
    const plus = t.type.indexOf('binary_expression');
    expect(t.type[t.parent[plus]!]).toBe('parenthesized_expression');
  });

  it('makes a node it was not asked to make eagerly on request, the same node as the walk finds', () => {
    const t = flatten(tree, new Set(['identifier']));
    for (let i = 0; i < all.length; i++) {
      expect(t.node(i).type).toBe(all[i]!.type);
      expect(t.node(i).startIndex).toBe(all[i]!.startIndex);
    }
  });

  it("gives each node's text from the source, the same as tree-sitter's, also past non-ASCII characters", () => {
    const src = 'int main(){char *s = "héllo – ☃"; int naïve = 1; return s[0] + naïve;}';
    const tr = parseC(src);
    const nodes = [...walk(tr.rootNode)];
    const withSource = flatten(tr, new Set(), src);
    const without = flatten(tr);
    expect(nodes.map((_, i) => withSource.text(i))).toEqual(nodes.map((n) => n.text));
    expect(nodes.map((_, i) => without.text(i))).toEqual(nodes.map((n) => n.text));
    expect(nodes.map((_, i) => withSource.text(i))).toContain('naïve');
  });

  it('walks a subtree without leaving it', () => {
    const ret = all.find((n) => n.type === 'return_statement')!;
    const inside = [...walk(ret)];
    expect(inside[0]!.type).toBe('return_statement');
    expect(inside.every((n) => n.startIndex >= ret.startIndex && n.endIndex <= ret.endIndex)).toBe(true);
    expect(inside.map((n) => n.type)).toContain('binary_expression');
    expect(inside.map((n) => n.type)).not.toContain('}');
  });

  it('finds the index of nodes that share a span (the file and its only function)', () => {
    const t = flatten(tree);
    const fn = tree.rootNode.namedChildren[0]!;
    expect([fn.startIndex, fn.endIndex]).toEqual([tree.rootNode.startIndex, tree.rootNode.endIndex]);
    expect(t.indexOf(tree.rootNode)).toBe(0);
    expect(t.indexOf(fn)).toBe(1);
    expect(t.type[t.indexOf(fn.childForFieldName('body')!)]).toBe('compound_statement');
  });
});
