/**
 * Renders plain log files as each delivery documents its output, for the delivery matrix: the same
 * lines, with the envelope the tool writes (docker json-file, `docker logs -t`, compose ±-t, kubectl
 * ±--timestamps ±--prefix, CRI with long lines split into P parts, journald short-iso / short-precise /
 * json, syslog), and mixed streams of several files interleaved by time. Each line's time is the time
 * the plain ingest gave it (the previous line's for lines without one): what the wrapper would have
 * stamped, to the millisecond.
 */

export interface TimedLine {
  readonly text: string;
  readonly ms: number;
}

export interface Stream {
  /** compose service / container / unit / pod name */
  readonly name: string;
  readonly stream: 'stdout' | 'stderr';
  readonly lines: readonly TimedLine[];
}

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 with nanoseconds, UTC: docker, kubectl and CRI write this. */
export const rfc3339Nano = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
/** journalctl -o short-iso: seconds and a numeric offset (+0000). */
const shortIso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
/** journalctl -o short-precise: "Mar 04 05:06:07.123000" (local time; the tests run it in UTC). */
const shortPrecise = (ms: number) => {
  const d = new Date(ms);
  return `${MON[d.getUTCMonth()]} ${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`;
};
/** rsyslog's traditional file format: "Mar  4 05:06:07" (day padded with a space). */
const syslogTime = (ms: number) => {
  const d = new Date(ms);
  return `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
};

export type Rendering = (s: Stream) => string[];

/** Over this many characters, CRI splits a line into P parts (the runtime's buffer is 16 KiB; small here so the samples exercise it). */
const CRI_PART = 120;

export const SINGLE: Readonly<Record<string, Rendering>> = {
  'docker json-file': (s) => s.lines.map((l) => JSON.stringify({ log: l.text + '\n', stream: s.stream, time: rfc3339Nano(l.ms) })),
  'docker logs -t / kubectl --timestamps': (s) => s.lines.map((l) => `${rfc3339Nano(l.ms)} ${l.text}`),
  'kubectl --prefix': (s) => s.lines.map((l) => `[pod/${s.name}-7d9c4b-x2x8q/${s.name}] ${l.text}`),
  'kubectl --prefix --timestamps': (s) => s.lines.map((l) => `[pod/${s.name}-7d9c4b-x2x8q/${s.name}] ${rfc3339Nano(l.ms)} ${l.text}`),
  'CRI node file (P parts)': (s) => s.lines.flatMap((l) => {
    const parts: string[] = [];
    for (let i = 0; i < l.text.length; i += CRI_PART) parts.push(l.text.slice(i, i + CRI_PART));
    if (parts.length === 0) parts.push('');
    return parts.map((p, i) => `${rfc3339Nano(l.ms)} ${s.stream} ${i === parts.length - 1 ? 'F' : 'P'} ${p}`);
  }),
  'journalctl -o short-iso': (s) => s.lines.map((l) => `${shortIso(l.ms)} web-1 ${s.name}[700]: ${l.text}`),
  'journalctl -o short-precise': (s) => s.lines.map((l) => `${shortPrecise(l.ms)} web-1 ${s.name}[700]: ${l.text}`),
  'journalctl -o json': (s) => s.lines.map((l) => JSON.stringify({
    __REALTIME_TIMESTAMP: String(l.ms * 1000), _HOSTNAME: 'web-1', SYSLOG_IDENTIFIER: s.name, _PID: '700',
    _SYSTEMD_UNIT: `${s.name}.service`, PRIORITY: '6', MESSAGE: l.text,
  })),
  'syslog file': (s) => s.lines.map((l) => `${syslogTime(l.ms)} web-1 ${s.name}[700]: ${l.text}`),
};

/** Lines of several streams in time order, each stream's own order kept (as a log collector merges them). */
export function interleave(streams: readonly Stream[]): { stream: Stream; line: TimedLine }[] {
  const at = streams.map(() => 0);
  const out: { stream: Stream; line: TimedLine }[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < streams.length; i++) {
      const l = streams[i]!.lines[at[i]!];
      if (l !== undefined && (best === -1 || l.ms < streams[best]!.lines[at[best]!]!.ms)) best = i;
    }
    if (best === -1) return out;
    out.push({ stream: streams[best]!, line: streams[best]!.lines[at[best]!]! });
    at[best]!++;
  }
}

const width = (streams: readonly Stream[]) => Math.max(...streams.map((s) => `${s.name}-1`.length));

export const MIXED: Readonly<Record<string, (streams: readonly Stream[]) => string[]>> = {
  'docker compose logs': (ss) => interleave(ss).map(({ stream, line }) => `${`${stream.name}-1`.padEnd(width(ss))}  | ${line.text}`),
  'docker compose logs -t': (ss) => interleave(ss).map(({ stream, line }) => `${`${stream.name}-1`.padEnd(width(ss))}  | ${rfc3339Nano(line.ms)} ${line.text}`),
  'docker compose logs (v1 names)': (ss) => interleave(ss).map(({ stream, line }) => `${`${stream.name}_1`.padEnd(width(ss))} | ${line.text}`),
  'one container, stdout+stderr (json-file)': (ss) => interleave(ss).map(({ stream, line }) => JSON.stringify({ log: line.text + '\n', stream: stream.stream, time: rfc3339Nano(line.ms) })),
};
