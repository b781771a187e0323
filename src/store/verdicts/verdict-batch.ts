/**
 * Verdict rows packed for the trip to the thread that writes them: the number columns in one
 * Float64Array (transferred, not copied), the text columns concatenated into one string with their
 * lengths beside the numbers. A batch of plain objects would be cloned value by value, which costs
 * the sweep more than the inserts it hands off (docs/performance.md).
 *
 * Numbers travel as doubles, as better-sqlite3 binds every JS number; null travels as NaN, which
 * SQLite stores as NULL anyway. A text's length is -1 for null.
 */
import type { Statement } from 'better-sqlite3';
import { VERDICT_COLUMNS } from '../sql/correlation.js';
import type { VerdictRow } from './row.js';

const NUMBER_COLUMNS = VERDICT_COLUMNS.filter(([, kind]) => kind === 'number').length;
const TEXT_COLUMNS = VERDICT_COLUMNS.length - NUMBER_COLUMNS;
/** Per row: the number columns, then the text columns' lengths. */
const SLOTS = NUMBER_COLUMNS + TEXT_COLUMNS;

export interface PackedVerdicts {
  readonly rows: number;
  readonly numbers: Float64Array<ArrayBuffer>;
  readonly texts: string;
}

export class VerdictBatch {
  private numbers: Float64Array<ArrayBuffer>;
  private texts = '';
  private at = 0;
  rows = 0;

  constructor(readonly capacity: number) {
    this.numbers = new Float64Array(capacity * SLOTS);
  }

  get full(): boolean { return this.rows >= this.capacity; }

  /** Numbers in VERDICT_COLUMNS order (checked below), then the texts in that order. */
  add(v: VerdictRow): void {
    const n = this.numbers;
    let i = this.at;
    n[i++] = v.access_id; n[i++] = num(v.start_ms); n[i++] = v.end_ms; n[i++] = v.silent;
    n[i++] = v.wasted_work; n[i++] = v.retried; n[i++] = v.stalled; n[i++] = v.keepalive_race; n[i++] = num(v.app_id);
    n[i++] = num(v.app_confidence); n[i++] = num(v.app_status); n[i++] = num(v.app_elapsed_ms);
    n[i++] = num(v.app_pid); n[i++] = num(v.app_completed); n[i++] = num(v.app_end_ms); n[i++] = num(v.worker_event_id); n[i++] = num(v.worker_pid);
    n[i++] = num(v.worker_time_ms); n[i++] = num(v.stalled_by);
    n[i++] = num(v.wasted_ms); n[i++] = v.keepalive_suspect;
    i = this.text(i, v.verdict); i = this.text(i, v.app_ids); i = this.text(i, v.app_match); i = this.text(i, v.worker_event);
    i = this.text(i, v.error_ids); i = this.text(i, v.attempts); i = this.text(i, v.explanation); i = this.text(i, v.evidence_level);
    i = this.text(i, v.evidence);
    this.at = i;
    this.rows++;
  }

  /** The rows so far, ready to post (the numbers' buffer is handed over); the batch starts empty. */
  take(): PackedVerdicts {
    const out = { rows: this.rows, numbers: this.numbers.subarray(0, this.at), texts: this.texts };
    this.numbers = new Float64Array(this.capacity * SLOTS);
    this.texts = '';
    this.at = 0;
    this.rows = 0;
    return out;
  }

  private text(i: number, s: string | null): number {
    this.numbers[i] = s === null ? -1 : s.length;
    if (s !== null) this.texts += s;
    return i + 1;
  }
}

const num = (x: number | null): number => (x === null ? NaN : x);

/** Where each column's value sits in a packed row: its number slot, or its text-length slot. */
const SLOT_OF = (() => {
  let n = 0, t = NUMBER_COLUMNS;
  return VERDICT_COLUMNS.map(([, kind]) => (kind === 'number' ? n++ : t++));
})();
const IS_TEXT = VERDICT_COLUMNS.map(([, kind]) => kind === 'text');

/** Calls `each` with every packed row's INSERT parameters, in VERDICT_COLUMNS order (one array, reused). */
export function unpackVerdicts(p: PackedVerdicts, each: (params: (number | string | null)[]) => void): void {
  const params: (number | string | null)[] = new Array(VERDICT_COLUMNS.length).fill(null);
  let textAt = 0;
  for (let r = 0; r < p.rows; r++) {
    const base = r * SLOTS;
    for (let c = 0; c < VERDICT_COLUMNS.length; c++) {
      const x = p.numbers[base + SLOT_OF[c]!]!;
      if (IS_TEXT[c]) {
        params[c] = x < 0 ? null : p.texts.slice(textAt, textAt + x);
        if (x > 0) textAt += x;
      } else {
        params[c] = Number.isNaN(x) ? null : x;
      }
    }
    each(params);
  }
}

/** Inserts packed rows with INSERT_VERDICT (the caller owns the transaction). */
export function insertVerdicts(insert: Statement, p: PackedVerdicts): void {
  unpackVerdicts(p, (params) => insert.run(params));
}

// `add` lists the fields by hand (a loop over the column names would look each one up by name, a
// million times): a row whose every value names its column must come back in VERDICT_COLUMNS order.
(function checkColumnOrder(): void {
  const probe = Object.fromEntries(VERDICT_COLUMNS.map(([name, kind], i) => [name, kind === 'text' ? name : i])) as unknown as VerdictRow;
  const batch = new VerdictBatch(1);
  batch.add(probe);
  let params: (number | string | null)[] = [];
  unpackVerdicts(batch.take(), (p) => { params = [...p]; });
  const wrong = VERDICT_COLUMNS.filter(([name, kind], i) => params[i] !== (kind === 'text' ? name : i)).map(([name]) => name);
  if (wrong.length > 0) throw new Error(`internal: VerdictBatch.add packs ${wrong.join(', ')} out of VERDICT_COLUMNS order`);
})();
