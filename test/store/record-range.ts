/**
 * A writer process for the concurrency test: records sampleRecord(from … to-1) one grading
 * per transaction into --db, as a worker does, and prints how many it created.
 */
import { openStore } from '../../src/store/store.js';
import { sampleRecord } from './sample-record.js';

const [db, from, to] = process.argv.slice(2);
const store = await openStore({ db: db!, busyTimeoutMs: 30_000 });
let created = 0;
for (let i = Number(from); i < Number(to); i++) if ((await store.recordGrading(sampleRecord(i))).created) created++;
await store.close();
process.stdout.write(JSON.stringify({ created }));
