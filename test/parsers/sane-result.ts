/**
 * What every parse result of a mutated line must hold beyond its type (the fuzz tests' check): a record
 * names its pattern and carries no NaN or infinite number; a continuation's text comes from the line; a
 * reject or ignored line says why, and a reject's `matchedUpTo` lies within the line.
 */
import assert from 'node:assert/strict';
import type { ParseResult } from '../../parsers/result.js';

/** The paths of the numbers in `value` that are NaN or infinite (a Number() of text that was no number). */
export function nonFiniteNumbers(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path || '.'];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, `${path}.${k}`));
}

export function assertSaneResult(r: ParseResult<unknown>, line: string): void {
  const at = JSON.stringify(line.slice(0, 120));
  switch (r.kind) {
    case 'record':
      assert.ok(r.pattern.length > 0, `a record without its pattern for ${at}`);
      assert.deepEqual(nonFiniteNumbers(r.record), [], `NaN or infinite numbers in the record of ${at}`);
      break;
    case 'continuation':
      assert.ok(line.includes(r.text), `a continuation whose text is not from its line: ${JSON.stringify(r.text.slice(0, 80))} for ${at}`);
      break;
    case 'ignored':
      assert.ok(r.reason.trim().length > 0, `ignored without a reason for ${at}`);
      break;
    case 'reject':
      assert.ok(r.reason.trim().length > 10, `reject without a reason for ${at}`);
      if (r.matchedUpTo !== undefined) {
        assert.ok(Number.isInteger(r.matchedUpTo) && r.matchedUpTo >= 0 && r.matchedUpTo <= line.length, `matchedUpTo ${r.matchedUpTo} outside the ${line.length}-char line ${at}`);
      }
      break;
  }
}
