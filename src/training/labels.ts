import { z } from 'zod';
import type { Taxonomy } from '../model/taxonomy.js';
import { formatZodIssues } from '../core/zod-issues.js';

/** Who gave a label: the LLM teacher, the mutation teacher, a verified repair, or a TA. */
export const TEACHERS = ['llm', 'mutation', 'repair', 'ta'] as const;
export type Teacher = (typeof TEACHERS)[number];

export interface Label {
  fixType: string;
  tags: string[];
  teacher: Teacher;
  confidence?: string;
  editSummary?: string;
}

/** Teacher output as it arrives from outside: checked before it can teach anything. */
export const rawLabelSchema = z.object({
  fix_type: z.string(),
  tags: z.array(z.string()),
  teacher: z.enum(TEACHERS).default('llm'),
  confidence: z.string().optional(),
  edit_summary: z.string().optional(),
  verified: z.boolean().optional(),
});

export type LabelCheck = { ok: true; label: Label } | { ok: false; reason: string };

/**
 * Invalid teacher output is discarded, with the reason: an unknown fix type or tag, no
 * tags or more than four, a repair that was not verified.
 */
export function checkLabel(raw: unknown, t: Taxonomy): LabelCheck {
  const r = rawLabelSchema.safeParse(raw);
  if (!r.success)
    return {
      ok: false,
      reason: `malformed label: ${formatZodIssues(r.error)}`,
    };
  const l = r.data;
  if (!t.fixTypes.includes(l.fix_type)) return { ok: false, reason: `unknown fix type ${l.fix_type}` };
  const unknown = l.tags.filter((x) => !t.tags.includes(x));
  if (unknown.length) return { ok: false, reason: `unknown tag ${unknown.join(', ')}` };
  if (l.tags.length < 1 || l.tags.length > 4) return { ok: false, reason: `${l.tags.length} tags (1 to 4 allowed)` };
  if (new Set(l.tags).size !== l.tags.length) return { ok: false, reason: 'repeated tag' };
  if (l.verified === false) return { ok: false, reason: 'the teacher’s repair was not verified' };
  return {
    ok: true,
    label: {
      fixType: l.fix_type,
      tags: t.tags.filter((x) => l.tags.includes(x)),
      teacher: l.teacher,
      ...(l.confidence ? { confidence: l.confidence } : {}),
      ...(l.edit_summary ? { editSummary: l.edit_summary } : {}),
    },
  };
}
