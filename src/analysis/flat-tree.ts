import { walk, type SyntaxNode, type Tree } from './parse-c.js';

/**
 * A parse tree flattened once into plain arrays. Every property read on a tree-sitter node
 * crosses into native code; questions asked many times (what type, which ancestor, which
 * descendants) are answered from these arrays instead.
 */
export interface FlatTree {
  nodes: SyntaxNode[];
  type: string[];
  start: number[];
  end: number[];
  /** Index of the parent node, -1 for the root. */
  parent: number[];
  indexOf(node: SyntaxNode): number;
  /** Indices of the descendants of node i (depth-first order makes them contiguous). */
  descendants(i: number): number[];
  /** Whether an ancestor of node i has one of these types. */
  hasAncestor(i: number, types: ReadonlySet<string>): boolean;
}

export function flatten(tree: Tree): FlatTree {
  const nodes = [...walk(tree.rootNode)];
  const type = nodes.map((n) => n.type);
  const start = nodes.map((n) => n.startIndex);
  const end = nodes.map((n) => n.endIndex);
  const ids = new Map(nodes.map((n, i) => [n.id, i]));
  const parent = new Array<number>(nodes.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < nodes.length; i++) {
    while (stack.length && !(start[i]! >= start[stack.at(-1)!]! && end[i]! <= end[stack.at(-1)!]!)) stack.pop();
    parent[i] = stack.at(-1) ?? -1;
    stack.push(i);
  }
  return {
    nodes,
    type,
    start,
    end,
    parent,
    indexOf: (node) => ids.get(node.id) ?? -1,
    descendants(i) {
      const out: number[] = [];
      for (let k = i + 1; k < nodes.length && start[k]! >= start[i]! && end[k]! <= end[i]!; k++) out.push(k);
      return out;
    },
    hasAncestor(i, types) {
      for (let p = parent[i]!; p >= 0; p = parent[p]!) if (types.has(type[p]!)) return true;
      return false;
    },
  };
}
