/** SortedPull: each row once, in order, the first past the bound held for the next step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedPull, pullFrom } from '../../src/correlate/sorted-pull.js';

test('SortedPull gives the rows up to each bound once, holding back the first past it', () => {
  const rows = [1, 2, 2, 5, 9][Symbol.iterator]();
  const pull = new SortedPull(pullFrom(rows, (n) => ({ n })), (r) => r.n);
  const steps: number[][] = [];
  for (const until of [0, 2, 4, 5, 100, 200]) {
    const got: number[] = [];
    pull.upTo(until, (r) => got.push(r.n));
    steps.push(got);
  }
  assert.deepEqual(steps, [[], [1, 2, 2], [], [5], [9], []]);
});
