import { z } from 'zod';
import { checkerSchema } from './checker-schema.js';

const ms = (max: number) => z.number().int().min(10).max(max);

/** assignment.yml: everything optional, so a plain IntroClass folder needs none of it. */
export const assignmentFileSchema = z
  .object({
    title: z.string().min(1).optional(),
    /** The file name expected in a student's repository. */
    source: z
      .string()
      .regex(/^[\w./-]+\.c$/, 'must be a relative path to a .c file')
      .refine((s) => !s.split('/').includes('..'), 'must not contain ..')
      .optional(),
    checker: checkerSchema.optional(),
    limits: z
      .object({
        cpu_ms: ms(60_000).optional(),
        wall_ms: ms(120_000).optional(),
        memory_mb: z.number().int().min(8).max(4096).optional(),
        stack_mb: z.number().int().min(1).max(1024).optional(),
        output_kb: z
          .number()
          .int()
          .min(1)
          .max(64 * 1024)
          .optional(),
        file_kb: z
          .number()
          .int()
          .min(0)
          .max(1024 * 1024)
          .optional(),
        /** Processes the program may create; 0 (the default) forbids fork. */
        processes: z.number().int().min(0).max(64).optional(),
      })
      .strict()
      .optional(),
    compile: z
      .object({
        compiler: z
          .string()
          .regex(/^[\w.+-]+$/, 'must be a command name such as gcc or clang')
          .optional(),
        flags: z.array(z.string().regex(/^-[\w=.,+-]+$/, 'must be a compiler option')).optional(),
        libs: z.array(z.string().regex(/^-l[\w.+-]+$/, 'must be a library such as -lm')).optional(),
        /** A second, warnings-only compilation whose findings feed the model and the hints; [] turns it off. */
        lint_flags: z.array(z.string().regex(/^-[\w=.,+-]+$/, 'must be a compiler option')).optional(),
        cpu_ms: ms(120_000).optional(),
        wall_ms: ms(300_000).optional(),
        memory_mb: z.number().int().min(64).max(8192).optional(),
        max_source_kb: z
          .number()
          .int()
          .min(1)
          .max(16 * 1024)
          .optional(),
      })
      .strict()
      .optional(),
    /** Points per passing test, by suite. */
    points: z.record(z.string(), z.number().min(0)).optional(),
    /** Suites whose inputs and outputs students never see (only a count). */
    hidden: z.array(z.string()).optional(),
    /** Re-run failing tests this many times to detect nondeterministic output. */
    reruns: z.number().int().min(0).max(5).optional(),
    /** Whether a non-zero exit status fails a test whose output is right. */
    exit_code: z.enum(['ignore', 'must_be_zero']).optional(),
  })
  .strict();

export type AssignmentFile = z.infer<typeof assignmentFileSchema>;
