import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Response } from 'express';
import type { Course } from '../course/course.js';
import { csvHeader, csvRow, labelsRow, sourcePath } from '../store/export-term.js';
import type { Store } from '../store/store.js';
import { TarWriter } from './tar-writer.js';

export type ExportKind = 'grades.csv' | 'labels.jsonl' | 'retrain.tar.gz';

async function write(res: Response, s: string): Promise<void> {
  if (!res.write(s)) await once(res, 'drain');
}

/** Every file of a folder, relative to it, in a stable order. */
function filesOf(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * The term's exports, streamed: the grades as CSV; the labels as JSONL with each source
 * inline; and the folder `retrain --data DIR --labels DIR/labels.jsonl` reads (labels.jsonl,
 * submissions/, assignments/), as a .tar.gz to unpack with `tar -xzf`.
 */
export async function sendExport(res: Response, s: Store, what: ExportKind, term: string, course: Course | null) {
  const name = `${course?.name ?? 'fixsense'}-${term}-${what}`.replace(/[^\w.-]+/g, '_');
  res.set('Content-Disposition', `attachment; filename="${name}"`).set('Cache-Control', 'no-store');
  if (what === 'grades.csv') {
    res.type('text/csv; charset=utf-8');
    await write(res, csvHeader());
    for await (const r of s.exportTerm({ term })) await write(res, csvRow(r));
    return void res.end();
  }
  if (what === 'labels.jsonl') {
    res.type('application/x-ndjson; charset=utf-8');
    for await (const r of s.exportTerm({ term, withSources: true }))
      await write(res, JSON.stringify(labelsRow(r, { inlineSource: true })) + '\n');
    return void res.end();
  }
  res.type('application/gzip');
  const gz = createGzip();
  gz.pipe(res);
  const tar = new TarWriter(gz);
  const lines: string[] = [];
  const assignments = new Set<string>();
  for await (const r of s.exportTerm({ term, withSources: true })) {
    assignments.add(r.assignment);
    if (r.sourceContent) await tar.file(sourcePath(r), r.sourceContent, r.gradedAt);
    lines.push(JSON.stringify(labelsRow(r, { inlineSource: false })));
  }
  await tar.file('labels.jsonl', lines.length ? lines.join('\n') + '\n' : '');
  // the retrainer grades each labelled submission against its assignment folder
  for (const a of [...assignments].sort()) {
    const dir = course?.byName(a)?.assignment.dir;
    if (!dir) continue;
    for (const f of filesOf(dir)) await tar.file(`assignments/${a}/${f}`, fs.readFileSync(path.join(dir, f)));
  }
  await tar.end();
  await once(res, 'finish');
}
