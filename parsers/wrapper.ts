/**
 * Lines exported through a container runtime, journald or syslog carry a prefix of their own before
 * the program's line. Every parser strips it first, so that `docker logs -t`, `journalctl` and
 * `docker compose logs` exports ingest like the raw file. The wrapper's own time is kept: it is the
 * only time a uvicorn line (which prints none) will ever have.
 */
import { MONTHS } from '../src/domain/time.js';
import { epochMs, type EpochMs } from '../src/domain/units.js';

export type WrapperKind = 'none' | 'rfc3339' | 'cri' | 'journald' | 'syslog' | 'compose' | 'honcho';

export interface UnwrappedLine {
  readonly inner: string;
  readonly wrapper: WrapperKind;
  /** The wrapper's timestamp when it carries a full one (RFC 3339), else null. */
  readonly wrapperTime: EpochMs | null;
}

// docker logs -t / kubectl logs --timestamps: "2024-01-02T03:04:05.123456789Z " (or with an offset);
// CRI (containerd) files add the stream and a partial/full tag: "... stdout F ".
const RFC3339_PREFIX =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) (?:(?:stdout|stderr) [FP] )?/;
// journalctl short / RFC 3164 syslog: "Sep 04 06:30:53 web-02 unit[2841167]: "; OpenWrt's logread
// puts "daemon.debug: " in front and repeats the host.
const SYSLOG_PREFIX =
  /^(?:[a-z]+\.[a-z]+: )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2} (?:[\w.-]+ ){1,2}[\w./@-]+(?:\[\d+\])?: /;
// docker compose: "webapp_1    | " / "web-1  | "
const COMPOSE_PREFIX = /^[\w.-]+[_-]\d+ +\| /;
// honcho / foreman: "15:10:48 web.1  | " (the first line may start with a terminal's "^C" echo)
const HONCHO_PREFIX = /^(?:\^C)?\d{2}:\d{2}:\d{2} [\w.-]+ +\| /;

export function unwrapLine(line: string): UnwrappedLine {
  const c = line.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const m = RFC3339_PREFIX.exec(line);
    if (m) {
      const frac = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
      const offset = m[8] === 'Z' ? 0 : offsetOf(m[8] ?? 'Z');
      const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +frac) - offset * 60_000;
      const wrapper = m[0].includes(' stdout ') || m[0].includes(' stderr ') ? 'cri' : 'rfc3339';
      return { inner: line.slice(m[0].length), wrapper, wrapperTime: epochMs(t) };
    }
    const h = HONCHO_PREFIX.exec(line);
    if (h) return { inner: line.slice(h[0].length), wrapper: 'honcho', wrapperTime: null };
    return { inner: line, wrapper: 'none', wrapperTime: null };
  }
  if (c === 94 /* ^ */) {
    const h = HONCHO_PREFIX.exec(line);
    if (h) return { inner: line.slice(h[0].length), wrapper: 'honcho', wrapperTime: null };
  }
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    const s = SYSLOG_PREFIX.exec(line);
    if (s && MONTHS[s[1] ?? ''] !== undefined) {
      return { inner: line.slice(s[0].length), wrapper: s[0].includes('[') ? 'journald' : 'syslog', wrapperTime: null };
    }
    const d = COMPOSE_PREFIX.exec(line);
    if (d) return { inner: line.slice(d[0].length), wrapper: 'compose', wrapperTime: null };
  }
  return { inner: line, wrapper: 'none', wrapperTime: null };
}

function offsetOf(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/[^0-9]/g, '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}
