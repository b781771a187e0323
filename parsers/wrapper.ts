/**
 * Lines exported through a container runtime, journald, syslog or a hosting console carry a prefix
 * of their own before the program's line. Every parser strips it first, so that `docker logs -t`,
 * `journalctl`, `docker compose logs`, Heroku and GCP console exports ingest like the raw file. The
 * wrapper's own time is kept: it is the only time a uvicorn line (which prints none) will ever have.
 */
import { MONTHS } from '../src/domain/time.js';
import { epochMs, type EpochMs } from '../src/domain/units.js';

export type WrapperKind =
  | 'none'
  | 'rfc3339'        // docker logs -t, kubectl logs --timestamps
  | 'cri'            // containerd/CRI-O files: "<rfc3339> stdout F "
  | 'heroku'         // "<rfc3339> app[web.2]: " / "<rfc3339> heroku[router]: "
  | 'journald'       // "Sep 04 06:30:53 host unit[pid]: "
  | 'syslog'         // RFC 3164, Elastic Beanstalk "Jul 12 16:36:27 host web: "
  | 'compose'        // "web-1  | "
  | 'honcho'         // "15:10:48 web.1  | "
  | 'gcp'            // Cloud console paste: a severity letter and two spaces, "E  [2018-…"
  | 'docker-desktop'; // Docker Desktop viewer: "2025-04-14 12:16:38 " before an indented line

export interface UnwrappedLine {
  readonly inner: string;
  readonly wrapper: WrapperKind;
  /** The wrapper's timestamp when it carries a full one (RFC 3339), else null. */
  readonly wrapperTime: EpochMs | null;
}

// docker logs -t / kubectl logs --timestamps: "2024-01-02T03:04:05.123456789Z " (or with an offset);
// CRI (containerd) files add the stream and a partial/full tag: "... stdout F "; Heroku's drain adds
// the dyno: "... app[web.2]: ".
const RFC3339_PREFIX =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) (?:((?:stdout|stderr) [FP] )|([a-z]+\[[\w.-]+\]: ))?/;
// journalctl short / RFC 3164 syslog: "Sep 04 06:30:53 web-02 unit[2841167]: "; OpenWrt's logread
// puts "daemon.debug: " in front and repeats the host.
const SYSLOG_PREFIX =
  /^(?:[a-z]+\.[a-z]+: )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2} (?:[\w.-]+ ){1,2}[\w./@-]+(?:\[\d+\])?: /;
// docker compose: "webapp_1    | " / "web-1  | "
const COMPOSE_PREFIX = /^[\w.-]+[_-]\d+ +\| /;
// honcho / foreman: "15:10:48 web.1  | " (the first line may start with a terminal's "^C" echo)
const HONCHO_PREFIX = /^(?:\^C)?\d{2}:\d{2}:\d{2} [\w.-]+ +\| /;
// Google Cloud console copy: severity letter (Debug, Info, Notice, Warning, Error, Critical, Alert)
// and two spaces. Only taken before a bracket, digit or brace, so an English "I  think" stays.
const GCP_PREFIX = /^[DINWECA] {2}(?=[[{\d])/;
// Docker Desktop's log viewer prints a zone-less "YYYY-MM-DD HH:MM:SS " before each line. It looks
// like Python's asctime, so it is only taken when the line after it is indented (traceback lines):
// "2025-04-14 12:16:38   + Exception Group Traceback…".
const DOCKER_DESKTOP_PREFIX = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?= {2})/;

const none = (line: string): UnwrappedLine => ({ inner: line, wrapper: 'none', wrapperTime: null });

export function unwrapLine(line: string): UnwrappedLine {
  const c = line.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const m = RFC3339_PREFIX.exec(line);
    if (m) {
      const frac = (m[7] ?? '').padEnd(3, '0').slice(0, 3);
      const offset = m[8] === 'Z' ? 0 : offsetOf(m[8] ?? 'Z');
      const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +frac) - offset * 60_000;
      const wrapper = m[9] !== undefined ? 'cri' : m[10] !== undefined ? 'heroku' : 'rfc3339';
      return { inner: line.slice(m[0].length), wrapper, wrapperTime: Number.isFinite(t) ? epochMs(t) : null };
    }
    const h = HONCHO_PREFIX.exec(line);
    if (h) return { inner: line.slice(h[0].length), wrapper: 'honcho', wrapperTime: null };
    const d = DOCKER_DESKTOP_PREFIX.exec(line);
    if (d) return { inner: line.slice(d[0].length), wrapper: 'docker-desktop', wrapperTime: null };
    return none(line);
  }
  if (c === 94 /* ^ */) {
    const h = HONCHO_PREFIX.exec(line);
    if (h) return { inner: line.slice(h[0].length), wrapper: 'honcho', wrapperTime: null };
  }
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    const g = GCP_PREFIX.exec(line);
    if (g) return { inner: line.slice(g[0].length), wrapper: 'gcp', wrapperTime: null };
    const s = SYSLOG_PREFIX.exec(line);
    if (s && MONTHS[s[1] ?? ''] !== undefined) {
      return { inner: line.slice(s[0].length), wrapper: s[0].includes('[') ? 'journald' : 'syslog', wrapperTime: null };
    }
    const d = COMPOSE_PREFIX.exec(line);
    if (d) return { inner: line.slice(d[0].length), wrapper: 'compose', wrapperTime: null };
  }
  return none(line);
}

function offsetOf(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/[^0-9]/g, '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}
