/**
 * Reading a time-sorted source up to a bound, one sweep step at a time: the first row past the
 * bound is held back for the next step, so each row is read once and the windows that match
 * against the rows (match.ts) hold only what a request still to come can need.
 */
export class SortedPull<T> {
  private held: T | undefined;

  /** `next` gives the following row, or undefined at the end; `keyOf` its sort key. */
  constructor(private readonly next: () => T | undefined, private readonly keyOf: (row: T) => number) {}

  /** Passes every row whose key is ≤ `until` to `take`, in order. */
  upTo(until: number, take: (row: T) => void): void {
    for (;;) {
      const row = this.held ?? this.next();
      if (row === undefined) return;
      if (this.keyOf(row) > until) { this.held = row; return; }
      this.held = undefined;
      take(row);
    }
  }
}

/** An iterator's rows as SortedPull's `next`, each mapped on the way. */
export function pullFrom<R, T>(source: Iterator<R>, map: (row: R) => T): () => T | undefined {
  return () => {
    const r = source.next();
    return r.done ? undefined : map(r.value);
  };
}
