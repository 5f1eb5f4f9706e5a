import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { modelsDir } from '../core/paths.js';
import { formatZodIssues } from '../core/zod-issues.js';

/**
 * The label space: fix types (what the minimal fix changes) and reasoning tags (why the
 * program fails). The project's default is models/taxonomy.json; a course may replace it.
 */
export const taxonomySchema = z
  .object({
    version: z.number().int(),
    fix_types: z.array(z.object({ name: z.string().regex(/^[A-Z][A-Z_]*$/), when: z.string().min(1) })).min(2),
    fix_type_order: z.string().optional(),
    tags: z.array(z.object({ name: z.string().regex(/^[A-Z][A-Z_]*$/), when: z.string().min(1) })).min(1),
    tag_rules: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    for (const [key, list] of [
      ['fix_types', t.fix_types],
      ['tags', t.tags],
    ] as const) {
      const seen = new Set<string>();
      list.forEach((x, i) => {
        if (seen.has(x.name))
          ctx.addIssue({ code: 'custom', path: [key, i, 'name'], message: `duplicate name ${x.name}` });
        seen.add(x.name);
      });
    }
  });

export type TaxonomyFile = z.infer<typeof taxonomySchema>;

export interface Taxonomy {
  version: number;
  fixTypes: string[];
  tags: string[];
  /** The plain definitions, for feedback and reports. */
  fixTypeWhen: Record<string, string>;
  tagWhen: Record<string, string>;
  /** The teacher's rules: which fix type wins when several apply, how tags are given. */
  fixTypeOrder?: string;
  tagRules?: string;
}

/** The taxonomy file cannot be read or is not a valid taxonomy: the message names the file and the problem. */
export class TaxonomyError extends Error {
  override name = 'TaxonomyError';
}

export const defaultTaxonomyPath = path.join(modelsDir, 'taxonomy.json');

export function parseTaxonomy(data: unknown, source = 'taxonomy'): Taxonomy {
  const r = taxonomySchema.safeParse(data);
  if (!r.success) throw new TaxonomyError(`${source}: ${formatZodIssues(r.error)}`);
  const t = r.data;
  return {
    version: t.version,
    fixTypes: t.fix_types.map((f) => f.name),
    tags: t.tags.map((x) => x.name),
    fixTypeWhen: Object.fromEntries(t.fix_types.map((f) => [f.name, f.when])),
    tagWhen: Object.fromEntries(t.tags.map((x) => [x.name, x.when])),
    ...(t.fix_type_order ? { fixTypeOrder: t.fix_type_order } : {}),
    ...(t.tag_rules ? { tagRules: t.tag_rules } : {}),
  };
}

export function loadTaxonomy(file = defaultTaxonomyPath): Taxonomy {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TaxonomyError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseTaxonomy(data, file);
}

/** Tags in the taxonomy's order, as the teacher lists them. */
export function orderTags(t: Taxonomy, tags: Iterable<string>): string[] {
  const set = new Set(tags);
  return t.tags.filter((x) => set.has(x));
}
