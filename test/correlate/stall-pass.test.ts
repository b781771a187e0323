/** The stall pass over stored verdicts (findStalls itself is tested in workers-skew-stalls.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlate } from '../../src/correlate/correlate.js';
import { markStalls } from '../../src/correlate/stalls.js';
import { ingestedSample } from './sample-db.js';

for (const name of ['timing', 'json']) {
  test(`after_a_full_sweep_reading_only_workers_with_a_long_handler_finds_every_stall_${name}`, async (t) => {
    const db = await ingestedSample(t, name);
    const stalls = () => db.prepare('SELECT access_id, stalled_by FROM request_verdicts WHERE stalled = 1 ORDER BY access_id').all();
    const r = correlate(db, { fromMs: null });
    const afterSweep = stalls();
    assert.ok(afterSweep.length > 0, `samples/${name} has stalls`);
    assert.equal(r.stalled, afterSweep.length);
    assert.equal(markStalls(db, null), afterSweep.length, 'every verdict read back');
    assert.deepEqual(stalls(), afterSweep);
  });
}
