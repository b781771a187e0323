/**
 * The one runner of `parsers/<source>/examples.json` (the schema is described in parsers/README.md): each
 * parser's examples test reads its file here, says how an example's line is read, and gets one test per
 * example plus the file's own checks (unique names). Coverage both ways (every pattern has an example, no
 * example matches two) stays in each parser's test: only it knows its patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LineParser, ParseResult } from '../../parsers/result.js';
import { repoRoot } from '../support/repo-root.js';

/** What reading one line must give. */
export interface Expectation {
  readonly kind: 'record' | 'continuation' | 'ignored' | 'reject';
  /** The pattern the record names (`ParsedRecord.pattern`). */
  readonly pattern?: string;
  /** For parsers whose record names its table (gunicorn's server or app rows). */
  readonly table?: string;
  /** The record's `time` as ISO UTC, or null where the line carries none. */
  readonly timeIso?: string | null;
  /** Each is compared (deepEqual) with the record's field of that name. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** A substring the reject's reason must contain. */
  readonly reasonIncludes?: string;
}

/** One line and what it must yield. Parser-specific keys (how the line is read) sit beside these. */
export interface LineExample {
  readonly name: string;
  readonly line: string;
  /** Lines fed to the same parser first (stream context: a traceback's record above). */
  readonly before?: readonly string[];
  /** Zone for times without an offset; the file's `tz`, else UTC, when absent. */
  readonly tz?: string;
  readonly expect: Expectation;
}

export interface ExamplesFile<E> {
  readonly about: string;
  readonly tz?: string;
  readonly examples: readonly E[];
}

export function readExamples<E = LineExample>(folder: string): ExamplesFile<E> {
  return JSON.parse(readFileSync(join(repoRoot(), 'parsers', folder, 'examples.json'), 'utf8')) as ExamplesFile<E>;
}

/** How a parser's records are compared: its row of fields, and its table where it names one. */
export interface RecordView<R> {
  readonly row?: (record: R) => object;
  readonly table?: (record: R) => string;
}

/** Asserts that `r` is what `expect` says; `label` names the example (and line) in every failure. */
export function checkResult<R>(r: ParseResult<R>, expect: Expectation, label: string, view: RecordView<R> = {}): void {
  assert.equal(r.kind, expect.kind, `${label}: ${JSON.stringify(r)}`);
  if (r.kind === 'reject' || r.kind === 'ignored') {
    // A reject's reason is read by the operator (what failed, how to fix it); an ignored line's only names why.
    assert.ok(r.reason.length > (r.kind === 'reject' ? 10 : 0), `${label}: a ${r.kind} without a reason worth reading: ${JSON.stringify(r.reason)}`);
    if (expect.reasonIncludes !== undefined) assert.ok(r.reason.includes(expect.reasonIncludes), `${label}: reason ${JSON.stringify(r.reason)} lacks ${JSON.stringify(expect.reasonIncludes)}`);
  }
  if (r.kind !== 'record') return;
  if (expect.pattern !== undefined) assert.equal(r.pattern, expect.pattern, `${label}: pattern`);
  if (view.table) assert.equal(view.table(r.record), expect.table, `${label}: table`);
  const row = (view.row ? view.row(r.record) : r.record) as Record<string, unknown>;
  if (expect.timeIso !== undefined) {
    const time = row['time'];
    assert.equal(typeof time === 'number' ? new Date(time).toISOString() : time, expect.timeIso, `${label}: time`);
  }
  for (const [k, v] of Object.entries(expect.fields ?? {})) assert.deepEqual(row[k], v, `${label}: field ${k}`);
}

export interface RunOptions<E extends LineExample, R> extends RecordView<R> {
  /** The parser an example's line is read with (built per example: formats and zones differ). */
  readonly parserFor: (ex: E, file: ExamplesFile<E>) => LineParser<R>;
  /** A check every reject must also pass (nginx-access: it says how far the pattern matched). */
  readonly checkReject?: (ex: E, r: Extract<ParseResult<R>, { kind: 'reject' }>) => void;
}

/** Reads an example's line as its parser would in a stream: the `before` lines first. */
export function readLine<E extends LineExample, R>(ex: E, file: ExamplesFile<E>, parserFor: RunOptions<E, R>['parserFor']): ParseResult<R> {
  const parse = parserFor(ex, file);
  for (const b of ex.before ?? []) parse(b);
  return parse(ex.line);
}

/** One test per example of `parsers/<folder>/examples.json`, and one that its names are unique edges. */
export function runExamples<E extends LineExample, R>(folder: string, file: ExamplesFile<E>, options: RunOptions<E, R>): void {
  for (const ex of file.examples) {
    test(`${folder} example: ${ex.name}`, () => {
      const r = readLine(ex, file, options.parserFor);
      checkResult(r, ex.expect, ex.name, options);
      if (r.kind === 'reject' && options.checkReject) options.checkReject(ex, r);
    });
  }
  test(`${folder} examples: names are unique and name an edge`, () => {
    const names = file.examples.map((e) => e.name);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'duplicate names');
    assert.deepEqual(names.filter((n) => !/^[A-Za-z0-9_]+$/.test(n)), [], 'names are identifiers');
    assert.ok(file.about.length > 20, `${folder}/examples.json says in "about" what its lines are and where they come from`);
  });
}
