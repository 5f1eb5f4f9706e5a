/**
 * `fixsense models list | promote | rollback | log`: the model registry and its serving alias.
 * The alias lives in the store (moved in a transaction, logged with who, when and why, read by
 * every worker); the registry folder holds the immutable versions and a mirror of the alias.
 * Also `fixsense assignment mutants`: the mutation teacher on a new assignment's reference.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { assignmentReference } from '../analysis/assignment-reference.js';
import { featurize } from '../analysis/featurize.js';
import { loadAssignment } from '../assignments/load-assignment.js';
import { resolveAssignment } from '../assignments/resolve-assignment.js';
import { cacheDir } from '../core/cache-dir.js';
import { loadCourse, type Course } from '../course/course.js';
import { loadPredictor } from '../model/predictor.js';
import { listRegistryVersions, RegistryError, SERVING_ALIAS, versionDir } from '../model/registry.js';
import { defaultTaxonomyPath, loadTaxonomy } from '../model/taxonomy.js';
import { Sandbox } from '../sandbox/sandbox.js';
import type { Store } from '../store/store.js';
import { textTable } from '../store/text-table.js';
import { compareModels, promotionVerdict, type HeldOutProgram } from '../training/compare-models.js';
import { writeServingMirror } from '../training/registry-write.js';
import { ReportCache } from '../training/report-cache.js';
import { HELD_OUT_FILE } from '../training/retrain-term.js';
import { referenceMutants } from '../training/teachers/reference-mutants.js';
import { CliError } from './cli-error.js';
import { actor, num, registryOf, withStore } from './train-commands.js';

const out = (s: string) => process.stdout.write(s);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const DB_HELP = 'the store: an SQLite file or a postgres:// URL (default: $DATABASE_URL, else data/fixsense.db)';

interface RegistryFlags {
  registry?: string;
  course?: string;
  db?: string;
}

async function courseOf(flags: RegistryFlags): Promise<Course | null> {
  const file = flags.course ?? process.env.COURSE_FILE ?? 'course.yml';
  if (!fs.existsSync(file)) {
    if (flags.course) throw new CliError(`--course ${file}: no such file`);
    return null;
  }
  return loadCourse(file);
}

async function registry(flags: RegistryFlags): Promise<string> {
  const dir = await registryOf(flags, await courseOf(flags));
  if (!fs.existsSync(path.join(dir, 'registry.json')))
    throw new CliError(`${dir}: no model registry there (fixsense retrain --term makes one; or give --registry)`);
  return dir;
}

async function heldOutOf(dir: string, version: string): Promise<HeldOutProgram[]> {
  const file = path.join(versionDir(dir, version), HELD_OUT_FILE);
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HeldOutProgram[];
}

/** The registered version, registered now if the registry has it and the store does not yet. */
async function register(store: Store, dir: string, version: string, by: string): Promise<void> {
  const p = await loadPredictor(versionDir(dir, version)).catch((err: Error) => {
    throw new CliError(`${version}: cannot be served: ${err.message}`);
  });
  if (p.version !== version) throw new CliError(`${versionDir(dir, version)}: its manifest names version ${p.version}`);
  await store.registerModelVersion({ version, by, sha256: p.manifest.model.sha256, manifest: p.manifest });
}

async function move(store: Store, dir: string, version: string, by: string, reason: string) {
  const m = await store.moveAlias({ alias: SERVING_ALIAS, version, by, reason });
  await writeServingMirror(dir, { version: m.to, movedAt: m.movedAt, movedBy: m.movedBy });
  return m;
}

async function listCommand(flags: RegistryFlags & { json?: boolean }): Promise<void> {
  const dir = await registry(flags);
  const versions = await listRegistryVersions(dir);
  await withStore(flags.db, async (store) => {
    const serving = (await store.getAlias(SERVING_ALIAS))?.version ?? null;
    const registered = new Set((await store.listModelVersions()).filter((v) => v.sha256).map((v) => v.version));
    const rows = versions.map((v) => {
      const m = v.manifest.metrics as { held_out?: Record<string, number>; distilled?: { accuracy?: number } };
      return {
        version: v.version,
        serving: v.version === serving,
        created: v.manifest.created,
        registered: registered.has(v.version),
        labels: v.manifest.data.labels.used,
        teachers: v.manifest.data.teachers,
        held_out: m.held_out ?? {},
        unseen_temperature: v.manifest.calibration?.unseen.temperature ?? null,
      };
    });
    if (flags.json) return void out(JSON.stringify({ registry: dir, serving, versions: rows }, null, 2) + '\n');
    out(`${dir} (serving: ${serving ?? 'none'})\n\n`);
    out(
      textTable(
        ['', 'version', 'created (UTC)', 'labels', 'by teacher', 'held out', 'unseen T', 'in store'],
        rows.map((r) => [
          r.serving ? '*' : '',
          r.version,
          r.created.slice(0, 16).replace('T', ' '),
          r.labels,
          Object.entries(r.teachers)
            .map(([t, n]) => `${t} ${n}`)
            .join(', '),
          Object.entries(r.held_out)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ') || '-',
          r.unseen_temperature ?? '-',
          r.registered ? 'yes' : 'no',
        ]),
      ),
    );
  });
}

async function promoteCommand(
  version: string,
  flags: RegistryFlags & { force?: boolean; margin: number; by?: string; reason?: string },
): Promise<void> {
  const dir = await registry(flags);
  const by = actor(flags.by);
  await withStore(flags.db, async (store) => {
    await register(store, dir, version, by);
    const serving = (await store.getAlias(SERVING_ALIAS))?.version ?? null;
    if (serving === version) return void out(`${version} serves already\n`);
    let reason = flags.reason ?? '';
    if (serving) {
      const candidate = await loadPredictor(versionDir(dir, version));
      const current = await loadPredictor(versionDir(dir, serving)).catch((err: Error) => {
        throw new CliError(`the serving version ${serving} cannot be loaded to compare with: ${err.message}`);
      });
      const cmp = await compareModels(
        await heldOutOf(dir, version),
        [current, candidate],
        candidate.manifest.taxonomy.fixTypes,
      );
      const verdict = promotionVerdict(cmp, version, serving, flags.margin);
      for (const s of cmp.sets)
        out(
          `${s.name} (${s.programs} held out): ${s.models.map((m) => `${m.version} ${m.accuracy.toFixed(3)}`).join(', ')}\n`,
        );
      if (!verdict.ok && !flags.force)
        throw new CliError(`not promoted: ${verdict.reason} (--force promotes it anyway)`, 1);
      reason = reason || (verdict.ok ? verdict.reason : `forced: ${verdict.reason}`);
    }
    const m = await move(store, dir, version, by, reason);
    out(`serving: ${m.to} (was ${m.from ?? 'none'}), moved by ${m.movedBy}; workers pick it up within seconds\n`);
  });
}

async function rollbackCommand(flags: RegistryFlags & { to?: string; by?: string; reason?: string }): Promise<void> {
  const dir = await registry(flags);
  const by = actor(flags.by);
  await withStore(flags.db, async (store) => {
    const serving = (await store.getAlias(SERVING_ALIAS))?.version ?? null;
    let target = flags.to;
    if (!target) {
      // the version the last move away from the serving one came from
      const log = await store.aliasLog(SERVING_ALIAS);
      target =
        [...log].reverse().find((m) => m.to === serving && m.from !== null && m.from !== serving)?.from ?? undefined;
      if (!target)
        throw new CliError(`nothing to roll back to: ${serving ?? 'no version'} has served since the registry began`);
    }
    await register(store, dir, target, by);
    if (target === serving) return void out(`${target} serves already\n`);
    const m = await move(store, dir, target, by, flags.reason ?? `rollback from ${serving}`);
    out(`serving: ${m.to} (rolled back from ${m.from ?? 'none'}), moved by ${m.movedBy}\n`);
  });
}

async function logCommand(flags: RegistryFlags & { json?: boolean }): Promise<void> {
  await withStore(flags.db, async (store) => {
    const log = await store.aliasLog(SERVING_ALIAS);
    if (flags.json) return void out(JSON.stringify(log, null, 2) + '\n');
    if (!log.length) return void out('the serving alias has never moved\n');
    out(
      textTable(
        ['moved (UTC)', 'from', 'to', 'by', 'why'],
        log.map((m) => [iso(m.movedAt), m.from ?? '-', m.to, m.movedBy, m.reason || '-']),
      ),
    );
  });
}

/** The mutation teacher on one assignment: its reference's mutants, graded, counted by fix type, and optionally written. */
async function mutantsCommand(target: string, flags: { out?: string; taxonomy?: string }): Promise<void> {
  const a = await loadAssignment(resolveAssignment(target));
  if (!a.reference)
    throw new CliError(`${a.dir}: no reference.c, so no mutants (the mutation teacher mutates the reference solution)`);
  const taxonomy = loadTaxonomy(flags.taxonomy ?? defaultTaxonomyPath);
  const cache = new ReportCache(cacheDir(), new Sandbox());
  const m = await referenceMutants(a, { seed: 1, taxonomy, grade: (s, x) => cache.grade(s, x) });
  out(
    `${a.name}: ${m.stats.kept} mutants of reference.c kept of ${m.stats.candidates} candidates (${m.stats.equivalent} passed every test, ${m.stats.notCompiling} did not compile, ${m.stats.nondeterministic} printed differently when re-run)\n` +
      Object.entries(m.stats.byFixType)
        .sort((x, y) => y[1] - x[1])
        .map(([t, n]) => `  ${t} ${n}\n`)
        .join('') +
      'they are graded and cached: `fixsense retrain --term` adds them for every course assignment\n',
  );
  if (flags.out) {
    const lines = m.examples.map((e) => {
      const report = m.reports.get(e.id)!;
      featurize(e.source, report, assignmentReference(a)); // a mutant the model could not read is a bug: fail here, not in retrain
      return JSON.stringify({
        id: e.id,
        assignment: e.assignment,
        fix_type: e.label.fixType,
        tags: e.label.tags,
        teacher: 'mutation',
        edit_summary: e.label.editSummary,
        operator: e.provenance.operator,
        failing_tests: report.tests.filter((t) => t.verdict !== 'PASS').map((t) => t.id),
        source: e.source,
      });
    });
    fs.writeFileSync(flags.out, lines.join('\n') + (lines.length ? '\n' : ''));
    out(`written to ${flags.out}\n`);
  }
}

export function registerModelsCommands(program: Command): void {
  const models = program
    .command('models')
    .description('the model registry: versions, the one serving, promotion and rollback');
  const where = (c: Command) =>
    c
      .option(
        '--registry <folder>',
        "the model registry (default: the course's model: folder when it is one, else data/models)",
      )
      .option('--course <course.yml>', 'the course (default: $COURSE_FILE, else course.yml)')
      .option('--db <file-or-url>', DB_HELP);
  where(
    models.command('list').description('every version, the one serving marked *, with its data and held-out counts'),
  )
    .option('--json', 'JSON for tools')
    .action(listCommand);
  where(
    models
      .command('promote')
      .description(
        "serve a version: only when it is not worse than the serving one on the course's held-out labels (evaluated now, on the same programs)",
      )
      .argument('<version>'),
  )
    .option('--force', 'promote it even when it is worse, or nothing says it is not')
    .option('--margin <x>', 'how much lower its accuracy may be and still count as not worse', num('--margin', 0, 1), 0)
    .option('--reason <text>', 'why, for the log')
    .option('--by <name>', 'who, for the log (default: your user name)')
    .action((version: string, flags) => promoteCommand(version, flags));
  where(models.command('rollback').description('serve again the version that served before the last promotion'))
    .option('--to <version>', 'this version instead')
    .option('--reason <text>', 'why, for the log')
    .option('--by <name>', 'who, for the log (default: your user name)')
    .action(rollbackCommand);
  where(models.command('log').description('who moved the serving alias, when, from what to what, and why'))
    .option('--json', 'JSON for tools')
    .action(logCommand);

  const assignment = program.commands.find((c) => c.name() === 'assignment');
  if (!assignment) throw new RegistryError('the assignment command is registered before the models commands');
  assignment
    .command('mutants')
    .description(
      'the mutation teacher on a new assignment: mutate its reference solution, grade every mutant, count the exact labels it gives (before any student submits)',
    )
    .argument('<folder-or-name>')
    .option('--out <file.jsonl>', 'also write the mutants, one JSON object a line')
    .option('--taxonomy <file>', 'label taxonomy (default models/taxonomy.json)')
    .action(mutantsCommand);
}
