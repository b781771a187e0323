/** Progress on stderr, only when stderr is a terminal: a cron job's mail stays clean. */
import type { CliIO } from './io.js';

export interface Progress {
  update(p: { path: string; bytes: number; size: number | null }): void;
  done(): void;
}

export function createProgress(io: CliIO): Progress {
  if (io.stderr.isTTY !== true) return { update: () => {}, done: () => {} };
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      const mb = (p.bytes / 1048576).toFixed(1);
      const pct = p.size ? ` (${Math.min(100, Math.round((p.bytes / p.size) * 100))}%)` : '';
      io.stderr.write(`\r\u001b[K${p.path}: ${mb} MiB${pct}`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}
